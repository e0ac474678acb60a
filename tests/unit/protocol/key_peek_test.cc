// PeekFirstKeys: the look ahead that feeds the keyspace's prefetching. It must find each
// complete command's second element, stop at the first command it cannot see whole, and never
// read past the bytes it was given.
#include "protocol/key_peek.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rill::protocol {
namespace {

std::vector<std::string> Keys(const PeekedKeys& p) {
  return std::vector<std::string>(p.keys, p.keys + p.count);
}

TEST(PeekFirstKeys, FindsTheSecondElementOfEachCompleteCommand) {
  const std::string data =
      "*2\r\n$3\r\nGET\r\n$5\r\nalpha\r\n"
      "*3\r\n$3\r\nSET\r\n$4\r\nbeta\r\n$1\r\nv\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const PeekedKeys p = PeekFirstKeys(data);
  EXPECT_EQ(Keys(p), (std::vector<std::string>{"alpha", "beta"}));  // PING has no key
  EXPECT_EQ(p.commands, 3u);
  EXPECT_EQ(p.end, data.size());
}

TEST(PeekFirstKeys, StopsAtAnIncompleteCommand) {
  const std::string first = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
  const std::string second = "*2\r\n$3\r\nGET\r\n$10\r\nshort";
  const std::string data = first + second;  // the keys are views into it
  const PeekedKeys p = PeekFirstKeys(data);
  EXPECT_EQ(Keys(p), (std::vector<std::string>{"a"}));
  EXPECT_EQ(p.commands, 1u);
  EXPECT_EQ(p.end, first.size());
  // Cut anywhere inside the first command: nothing is seen.
  for (size_t cut = 0; cut < first.size(); ++cut) {
    EXPECT_EQ(PeekFirstKeys(first.substr(0, cut)).commands, 0u) << cut;
  }
}

TEST(PeekFirstKeys, StopsAtInlineOrMalformedCommands) {
  EXPECT_EQ(PeekFirstKeys("GET a\r\n").commands, 0u);
  EXPECT_EQ(PeekFirstKeys("*2\r\n$-1\r\n").commands, 0u);
  EXPECT_EQ(PeekFirstKeys("*0\r\n").commands, 0u);
  EXPECT_EQ(PeekFirstKeys("*2\r\n+GET\r\n").commands, 0u);
  EXPECT_EQ(PeekFirstKeys("*2\r\n$99999999999999999\r\nx").commands, 0u);
  EXPECT_EQ(PeekFirstKeys("*2\r\n$3\r\nGET\r\n$5\r\nab\r\n").commands, 0u);  // shorter than said
  const std::string ok = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  const std::string trailing = ok + "garbage";
  EXPECT_EQ(Keys(PeekFirstKeys(trailing)), (std::vector<std::string>{"k"}));
}

TEST(PeekFirstKeys, SeesAtMostABatch) {
  std::string data;
  for (int i = 0; i < 40; ++i)
    data += "*2\r\n$3\r\nGET\r\n$2\r\nk" + std::to_string(i % 10) + "\r\n";
  const PeekedKeys p = PeekFirstKeys(data);
  ASSERT_EQ(p.commands, PeekedKeys::kMax);
  ASSERT_EQ(p.count, PeekedKeys::kMax);
  EXPECT_EQ(p.keys[15], "k5");
  EXPECT_EQ(p.end, 16 * std::string("*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n").size());
}

}  // namespace
}  // namespace rill::protocol
