// SLOWLOG and LATENCY: reply formats and errors as redis-server's, with timing values (ids,
// timestamps, durations, client ports) masked.
#include <regex>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Masks what differs between two servers that saw the same commands: entry ids, timestamps
// and durations of slowlog entries, the client's port.
std::string MaskTimings(const std::string& reply) {
  static const std::regex kEntryHead("\\*6\r\n:\\d+\r\n:\\d+\r\n:\\d+\r\n");
  static const std::regex kAddr("\\$\\d+\r\n127\\.0\\.0\\.1:\\d+\r\n");
  std::string out = std::regex_replace(reply, kEntryHead, "*6\r\n:I\r\n:T\r\n:D\r\n");
  return std::regex_replace(out, kAddr, "$A\r\nADDR\r\n");
}

class OpsDiffTest : public DifferentialTest {
 protected:
  void ExpectSameMasked(const std::vector<std::string>& argv) {
    ExpectSameReplies(argv[0] + " " + (argv.size() > 1 ? argv[1] : ""), MaskTimings(Rill(argv)),
                      MaskTimings(Redis(argv)));
  }
  void TearDown() override {
    SendBoth({"CONFIG", "SET", "slowlog-log-slower-than", "10000"});
    SendBoth({"CONFIG", "SET", "slowlog-max-len", "128"});
    SendBoth({"SLOWLOG", "RESET"});
  }
};

TEST_F(OpsDiffTest, SlowlogHelpAndErrors) {
  ExpectSame({"SLOWLOG", "HELP"});
  ExpectSame({"SLOWLOG"});
  ExpectSame({"SLOWLOG", "FOO"});
  ExpectSame({"SLOWLOG", "GET", "x"});
  ExpectSame({"SLOWLOG", "GET", "-2"});
  ExpectSame({"SLOWLOG", "GET", "1", "2"});
  ExpectSame({"SLOWLOG", "LEN", "x"});
  ExpectSame({"SLOWLOG", "RESET", "x"});
  ExpectSame({"SLOWLOG", "RESET"});
  ExpectSame({"SLOWLOG", "GET", "0"});
}

TEST_F(OpsDiffTest, SlowlogEntriesTrimmedAndNamed) {
  SendBoth({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  ExpectSame({"SLOWLOG", "RESET"});
  ExpectSame({"CLIENT", "SETNAME", "foo"});
  ExpectSame({"SET", "k", std::string(200, 'a')});
  std::vector<std::string> rpush = {"RPUSH", "l"};
  for (int i = 0; i < 40; ++i) rpush.push_back(std::to_string(i));
  ExpectSame(rpush);
  ExpectSame({"MULTI"});
  ExpectSame({"INCR", "n"});
  ExpectSame({"EXEC"});
  ExpectSameMasked({"SLOWLOG", "GET"});
  ExpectSameMasked({"SLOWLOG", "GET", "-1"});
  ExpectSameMasked({"SLOWLOG", "GET", "2"});
  ExpectSame({"SLOWLOG", "LEN"});
  // A shorter log keeps the newest entries.
  ExpectSame({"CONFIG", "SET", "slowlog-max-len", "2"});
  ExpectSame({"SLOWLOG", "LEN"});
  ExpectSameMasked({"SLOWLOG", "GET"});
  // Disabled: nothing more is logged.
  ExpectSame({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
  ExpectSame({"SET", "a", "b"});
  ExpectSameMasked({"SLOWLOG", "GET"});
  // A threshold nothing reaches.
  ExpectSame({"CONFIG", "SET", "slowlog-log-slower-than", "100000000"});
  ExpectSame({"SLOWLOG", "RESET"});
  ExpectSame({"SET", "a", "b"});
  ExpectSame({"SLOWLOG", "LEN"});
}

TEST_F(OpsDiffTest, SlowlogRedactsAuthPasswords) {
  SendBoth({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  ExpectSame({"SLOWLOG", "RESET"});
  SendBoth({"AUTH", "nobody", "secret"});
  ExpectSameMasked({"SLOWLOG", "GET", "1"});
}

TEST_F(OpsDiffTest, LatencyWithoutSamples) {
  ExpectSame({"LATENCY", "HELP"});
  ExpectSame({"LATENCY", "FOO"});
  ExpectSame({"LATENCY", "HISTORY"});
  ExpectSame({"LATENCY", "RESET"});
  ExpectSame({"LATENCY", "LATEST"});
  ExpectSame({"LATENCY", "HISTORY", "command"});
  ExpectSame({"LATENCY", "RESET", "command", "fast-command"});
  ExpectSame({"LATENCY", "DOCTOR"});
  SendBoth({"CONFIG", "SET", "latency-monitor-threshold", "10000"});
  ExpectSame({"LATENCY", "DOCTOR"});
  SendBoth({"CONFIG", "SET", "latency-monitor-threshold", "0"});
}

}  // namespace
}  // namespace rill::testing
