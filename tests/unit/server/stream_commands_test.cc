// Stream commands through Engine::Execute, for what differential tests cannot compare byte for
// byte: IDs generated from the clock, node-size configuration, idle times.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "tests/unit/server/engine_test_fixture.h"

namespace rill {
namespace {

class StreamCommandsTest : public EngineTest {
 protected:
  // Parses "$<n>\r\n<ms>-<seq>\r\n".
  static std::pair<uint64_t, uint64_t> IdOf(const std::string& reply) {
    size_t start = reply.find("\r\n") + 2;
    std::string id = reply.substr(start, reply.size() - start - 2);
    size_t dash = id.find('-');
    return {std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1))};
  }
};

TEST_F(StreamCommandsTest, AutoIdsComeFromTheClockAndNeverGoBack) {
  const auto before = static_cast<uint64_t>(NowMs());
  auto [ms1, seq1] = IdOf(Run({"XADD", "s", "*", "f", "v"}));
  const auto after = static_cast<uint64_t>(NowMs());
  EXPECT_GE(ms1, before);
  EXPECT_LE(ms1, after);
  EXPECT_EQ(seq1, 0u);
  auto [ms2, seq2] = IdOf(Run({"XADD", "s", "*", "f", "v"}));
  EXPECT_TRUE(ms2 > ms1 || (ms2 == ms1 && seq2 == seq1 + 1));

  // A last ID in the future: new IDs continue from it.
  const std::string future = std::to_string(after + 100000) + "-5";
  EXPECT_EQ(Run({"XSETID", "s", future}), "+OK\r\n");
  auto [ms3, seq3] = IdOf(Run({"XADD", "s", "*", "f", "v"}));
  EXPECT_EQ(ms3, after + 100000);
  EXPECT_EQ(seq3, 6u);
  auto [ms4, seq4] = IdOf(Run({"XADD", "s", std::to_string(after + 100000) + "-*", "f", "v"}));
  EXPECT_EQ(ms4, after + 100000);
  EXPECT_EQ(seq4, 7u);
}

TEST_F(StreamCommandsTest, ExhaustedStreamRefusesNewEntries) {
  EXPECT_EQ(Run({"XADD", "s", "18446744073709551615-18446744073709551614", "f", "v"}),
            "$41\r\n18446744073709551615-18446744073709551614\r\n");
  EXPECT_EQ(Run({"XADD", "s", "18446744073709551615-*", "f", "v"}),
            "$41\r\n18446744073709551615-18446744073709551615\r\n");
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}),
            "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n");
  EXPECT_EQ(Run({"XLEN", "s"}), ":2\r\n");
}

TEST_F(StreamCommandsTest, NodeSizeFollowsConfiguration) {
  EXPECT_EQ(Run({"CONFIG", "SET", "stream-node-max-entries", "10"}), "+OK\r\n");
  for (int i = 1; i <= 35; ++i) Run({"XADD", "s", std::to_string(i) + "-1", "f", "v"});
  std::string info = Run({"XINFO", "STREAM", "s"});
  EXPECT_NE(info.find("radix-tree-keys\r\n:4\r\n"), std::string::npos) << info;
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "12"}), ":20\r\n");
  // Approximate trimming does at most 100 nodes' worth of entries unless LIMIT says otherwise.
  for (int i = 36; i <= 2100; ++i) Run({"XADD", "s", std::to_string(i) + "-1", "f", "v"});
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "0"}), ":1000\r\n");
  EXPECT_EQ(Run({"CONFIG", "SET", "stream-node-max-entries", "100"}), "+OK\r\n");
}

TEST_F(StreamCommandsTest, IdleTimesAreMeasuredFromDelivery) {
  Run({"XADD", "s", "1-1", "f", "v"});
  Run({"XGROUP", "CREATE", "s", "g", "0"});
  Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  // Claimed with an idle time of 5 s: XPENDING sees it idle at least that long.
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "5000", "JUSTID"}),
            "*1\r\n$3\r\n1-1\r\n");
  std::string pending = Run({"XPENDING", "s", "g", "IDLE", "4000", "-", "+", "10"});
  EXPECT_EQ(pending.substr(0, 22), "*1\r\n*4\r\n$3\r\n1-1\r\n$1\r\nc");
  EXPECT_EQ(Run({"XPENDING", "s", "g", "IDLE", "60000", "-", "+", "10"}), "*0\r\n");
  // XAUTOCLAIM with a 4 s minimum takes it, and resets its idle time.
  std::string claimed = Run({"XAUTOCLAIM", "s", "g", "d", "4000", "0", "JUSTID"});
  EXPECT_EQ(claimed, "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n1-1\r\n*0\r\n");
  EXPECT_EQ(Run({"XPENDING", "s", "g", "IDLE", "4000", "-", "+", "10"}), "*0\r\n");
  std::string consumers = Run({"XINFO", "CONSUMERS", "s", "g"});
  EXPECT_NE(consumers.find("$1\r\nd\r\n$7\r\npending\r\n:1\r\n$4\r\nidle\r\n:"), std::string::npos)
      << consumers;
}

TEST_F(StreamCommandsTest, MemoryUsageGrowsWithEntries) {
  Run({"XADD", "s", "1-1", "f", "v"});
  std::string small = Run({"MEMORY", "USAGE", "s"});
  for (int i = 2; i <= 1000; ++i) Run({"XADD", "s", std::to_string(i) + "-1", "f", "value"});
  std::string large = Run({"MEMORY", "USAGE", "s"});
  ASSERT_EQ(small[0], ':');
  ASSERT_EQ(large[0], ':');
  EXPECT_GT(std::stoll(large.substr(1)), std::stoll(small.substr(1)) + 5000);
}

}  // namespace
}  // namespace rill
