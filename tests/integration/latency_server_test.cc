// LATENCY monitor and SLOWLOG durations fed by real slow commands (DEBUG SLEEP), on a server
// of its own with DEBUG enabled.
#include <chrono>
#include <regex>
#include <thread>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class LatencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        RillServerBinary(), std::vector<std::string>{"--enable-debug-command", "yes"});
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    ASSERT_TRUE(client_.Connect(server_->port()));
  }
  std::unique_ptr<ServerProcess> server_;
  RespClient client_;
};

TEST_F(LatencyTest, SlowCommandsAreSampledPerSecond) {
  ASSERT_EQ(client_.Command({"CONFIG", "SET", "latency-monitor-threshold", "10"}), "+OK\r\n");
  ASSERT_EQ(client_.Command({"DEBUG", "SLEEP", "0.03"}), "+OK\r\n");
  ASSERT_EQ(client_.Command({"DEBUG", "SLEEP", "0.05"}), "+OK\r\n");
  // Below the threshold: no sample.
  ASSERT_EQ(client_.Command({"DEBUG", "SLEEP", "0"}), "+OK\r\n");
  // One event; its latest sample is the highest of the second (or the last one when the
  // second changed between the two sleeps), the maximum is 50 ms or a little more.
  std::string latest = client_.Command({"LATENCY", "LATEST"});
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      latest, m,
      std::regex("\\*1\r\n\\*4\r\n\\$7\r\ncommand\r\n:(\\d+)\r\n:(\\d+)\r\n:(\\d+)\r\n")))
      << latest;
  EXPECT_GE(std::stoll(m[2]), 30);
  EXPECT_GE(std::stoll(m[3]), 50);
  EXPECT_LT(std::stoll(m[3]), 1000);
  std::string history = client_.Command({"LATENCY", "HISTORY", "command"});
  EXPECT_TRUE(history.starts_with("*1\r\n*2\r\n:") || history.starts_with("*2\r\n*2\r\n:"))
      << history;
  std::string doctor = client_.Command({"LATENCY", "DOCTOR"});
  EXPECT_NE(doctor.find("1. command: "), std::string::npos) << doctor;
  EXPECT_EQ(client_.Command({"LATENCY", "RESET", "command", "nope"}), ":1\r\n");
  EXPECT_EQ(client_.Command({"LATENCY", "LATEST"}), "*0\r\n");
}

TEST_F(LatencyTest, SlowlogKeepsDurationsAboveThreshold) {
  ASSERT_EQ(client_.Command({"CONFIG", "SET", "slowlog-log-slower-than", "20000"}), "+OK\r\n");
  ASSERT_EQ(client_.Command({"DEBUG", "SLEEP", "0.03"}), "+OK\r\n");
  ASSERT_EQ(client_.Command({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(client_.Command({"SLOWLOG", "LEN"}), ":1\r\n");
  std::string entry = client_.Command({"SLOWLOG", "GET"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(entry, m, std::regex("\\*6\r\n:0\r\n:(\\d+)\r\n:(\\d+)\r\n")))
      << entry;
  EXPECT_GE(std::stoll(m[2]), 30000);
  EXPECT_NE(entry.find("$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.03\r\n"), std::string::npos);
}

TEST_F(LatencyTest, DebugSetActiveExpireStopsTheBackgroundCycle) {
  ASSERT_EQ(client_.Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  ASSERT_EQ(client_.Command({"SET", "k", "v", "PX", "30"}), "+OK\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(client_.Command({"DBSIZE"}), ":1\r\n");  // only lazy expiry: still counted
  ASSERT_EQ(client_.Command({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), "+OK\r\n");
  std::string size;
  for (int i = 0; i < 40 && size != ":0\r\n"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    size = client_.Command({"DBSIZE"});
  }
  EXPECT_EQ(size, ":0\r\n");
}

}  // namespace
}  // namespace rill::testing
