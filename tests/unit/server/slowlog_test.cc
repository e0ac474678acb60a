// Slowlog argument trimming and log bounds; latency samples merged per second.
#include "server/observe/slowlog.h"

#include <gtest/gtest.h>

#include "server/observe/latency.h"

namespace rill {
namespace {

TEST(SlowlogTest, TrimsArgumentsAsRedis) {
  std::vector<std::string> storage = {"RPUSH", "l"};
  for (int i = 0; i < 40; ++i) storage.push_back(std::to_string(i));
  std::vector<std::string_view> args(storage.begin(), storage.end());
  std::vector<std::string> argv = SlowlogArgv(args, 0);
  ASSERT_EQ(argv.size(), 32u);
  EXPECT_EQ(argv[30], "28");
  EXPECT_EQ(argv[31], "... (11 more arguments)");

  std::string big(300, 'x');
  std::vector<std::string_view> set = {"SET", "k", big};
  argv = SlowlogArgv(set, 0);
  EXPECT_EQ(argv[2], std::string(128, 'x') + "... (172 more bytes)");

  std::vector<std::string_view> hello = {"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"};
  argv = SlowlogArgv(hello, (1u << 3) | (1u << 4));
  EXPECT_EQ(argv, (std::vector<std::string>{"HELLO", "3", "AUTH", "(redacted)", "(redacted)",
                                            "SETNAME", "n"}));
}

TEST(SlowlogTest, KeepsNewestWithinMaxLen) {
  Slowlog log;
  std::vector<std::string_view> args = {"GET", "k"};
  for (int i = 0; i < 5; ++i) log.MaybePush(args, 0, i * 10, 10, 3, "a:1", "n", 100);
  // Durations 0 is below the threshold; 10..40 logged, the oldest dropped.
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries().front().id, 3);
  EXPECT_EQ(log.entries().front().duration_us, 40);
  EXPECT_EQ(log.entries().back().duration_us, 20);
  log.MaybePush(args, 0, 1000, -1, 3, "a:1", "n", 100);
  EXPECT_EQ(log.entries().front().id, 3);
}

TEST(LatencyMonitorTest, OneSamplePerSecondKeepsMaximum) {
  LatencyMonitor m;
  m.AddSampleIfNeeded("command", 5, 0, 100);  // monitor off
  EXPECT_TRUE(m.events().empty());
  m.AddSampleIfNeeded("command", 5, 10, 100);  // below threshold
  EXPECT_TRUE(m.events().empty());
  m.AddSampleIfNeeded("command", 20, 10, 100);
  m.AddSampleIfNeeded("command", 15, 10, 100);
  m.AddSampleIfNeeded("command", 12, 10, 101);
  const LatencySeries& ts = m.events().at("command");
  EXPECT_EQ(ts.latest().time_s, 101);
  EXPECT_EQ(ts.latest().latency_ms, 12);
  EXPECT_EQ(ts.samples[0].latency_ms, 20);
  EXPECT_EQ(ts.max_ms, 20);
  for (int i = 0; i < 200; ++i) m.AddSample("command", 11, 200 + i);
  EXPECT_EQ(m.events().at("command").latest().time_s, 399);
  EXPECT_EQ(m.ResetAll(), 1u);
}

}  // namespace
}  // namespace rill
