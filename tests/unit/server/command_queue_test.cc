#include "server/engine/command_queue.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/engine/command.h"

namespace rill {
namespace {

std::vector<std::string> ArgsOf(CommandQueue& q, size_t i) {
  const std::span<const std::string_view> views = q.Args(i);
  return std::vector<std::string>(views.begin(), views.end());
}

TEST(CommandQueueTest, KeepsEveryCommandsArgumentsInOrder) {
  CommandQueue q;
  EXPECT_TRUE(q.empty());
  const std::string binary("a\0b\r\n", 5);
  std::vector<std::string_view> set = {"SET", "k", binary};
  std::vector<std::string_view> incr = {"INCR", ""};
  std::vector<std::string_view> ping = {"PING"};
  q.Add(nullptr, 0, set);
  q.Add(nullptr, 0, incr);
  q.Add(nullptr, 0, ping);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q.argc(0), 3u);
  EXPECT_EQ(q.argc(1), 2u);
  EXPECT_EQ(q.argc(2), 1u);
  EXPECT_EQ(q.arg(0, 2), binary);
  EXPECT_EQ(q.arg(1, 1), "");
  EXPECT_EQ(ArgsOf(q, 0), (std::vector<std::string>{"SET", "k", binary}));
  EXPECT_EQ(ArgsOf(q, 1), (std::vector<std::string>{"INCR", ""}));
  EXPECT_EQ(ArgsOf(q, 2), (std::vector<std::string>{"PING"}));
}

TEST(CommandQueueTest, CopiesTheArgumentsItIsGiven) {
  CommandQueue q;
  std::string key = "key";
  std::vector<std::string_view> get = {"GET", key};
  q.Add(nullptr, 0, get);
  key = "changed";  // the caller's buffer is reused (the read buffer, in the server)
  EXPECT_EQ(q.arg(0, 1), "key");
}

TEST(CommandQueueTest, ClearForgetsAndSwapExchanges) {
  CommandQueue a;
  CommandQueue b;
  std::vector<std::string_view> one = {"ECHO", "1"};
  std::vector<std::string_view> two = {"ECHO", "2"};
  a.Add(nullptr, 0, one);
  b.Add(nullptr, 0, two);
  b.Add(nullptr, 0, two);
  a.swap(b);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(b.arg(0, 1), "1");
  a.clear();
  EXPECT_TRUE(a.empty());
  a.Add(nullptr, 0, one);  // usable again after clear, from its first slot
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(ArgsOf(a, 0), (std::vector<std::string>{"ECHO", "1"}));
  // A transaction bigger than the buffers kept is cleared as well.
  const std::string big(100000, 'x');
  std::vector<std::string_view> huge = {"SET", "k", big};
  for (int i = 0; i < 100; ++i) a.Add(nullptr, 0, huge);
  EXPECT_EQ(a.size(), 101u);
  EXPECT_EQ(a.arg(100, 2), big);
  a.clear();
  EXPECT_TRUE(a.empty());
  a.Add(nullptr, 0, two);
  EXPECT_EQ(ArgsOf(a, 0), (std::vector<std::string>{"ECHO", "2"}));
}

TEST(CommandQueueTest, KeepsEachResolvedCommandAndTheOrOfTheirFlags) {
  Command set_cmd, get_cmd;
  CommandQueue q;
  std::vector<std::string_view> set = {"SET", "k", "v"};
  std::vector<std::string_view> get = {"GET", "k"};
  q.Add(&get_cmd, kCmdReadonly | kCmdFast, get);
  EXPECT_EQ(q.flags(), kCmdReadonly | kCmdFast);
  q.Add(&set_cmd, kCmdWrite | kCmdDenyOom, set);
  EXPECT_EQ(q.command(0), &get_cmd);
  EXPECT_EQ(q.command(1), &set_cmd);
  EXPECT_EQ(q.flags(), kCmdReadonly | kCmdFast | kCmdWrite | kCmdDenyOom);
  CommandQueue other;
  q.swap(other);
  EXPECT_EQ(q.flags(), 0u);
  EXPECT_EQ(other.flags(), kCmdReadonly | kCmdFast | kCmdWrite | kCmdDenyOom);
  EXPECT_EQ(other.command(1), &set_cmd);
  other.clear();
  EXPECT_EQ(other.flags(), 0u);
  other.Add(&get_cmd, kCmdReadonly, get);
  EXPECT_EQ(other.flags(), kCmdReadonly);
  EXPECT_EQ(other.command(0), &get_cmd);
}

}  // namespace
}  // namespace rill
