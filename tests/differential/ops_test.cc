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

// Every command that carries a secret redacts it, as Redis's redactClientCommandArgument:
// HELLO's AUTH pair, every argument of ACL SETUSER from the user name on, the values of the
// sensitive parameters in CONFIG SET (even past an unknown name), an AUTH with too many
// arguments left as it was (refused before it redacts).
TEST_F(OpsDiffTest, SlowlogRedactsEverySecret) {
  SendBoth({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  ExpectSame({"SLOWLOG", "RESET"});
  SendBoth({"HELLO", "2", "AUTH", "default", "nopass", "SETNAME", "me"});
  ExpectSame({"ACL", "SETUSER", "alice", "on", ">pw"});
  ExpectSame({"CONFIG", "SET", "masteruser", "bob", "masterauth", "secret"});
  ExpectSame({"CONFIG", "SET", "masterauth", "s2", "nosuchparam", "x", "requirepass", "s3"});
  ExpectSame({"AUTH", "a", "b", "c"});
  ExpectSame({"ACL", "DELUSER", "alice"});
  ExpectSameMasked({"SLOWLOG", "GET", "8"});
  SendBoth({"CONFIG", "SET", "masteruser", "", "masterauth", ""});
}

// MONITOR shows a redacted command as the slow log does.
TEST_F(OpsDiffTest, MonitorShowsRedactedArguments) {
  ClientPair monitor = ConnectPair();
  EXPECT_EQ(monitor.rill->Command({"MONITOR"}), "+OK\r\n");
  EXPECT_EQ(monitor.redis->Command({"MONITOR"}), "+OK\r\n");
  SendBoth({"AUTH", "nobody", "secret"});
  SendBoth({"HELLO", "2", "AUTH", "default", "nopass"});
  const std::regex kStamp("^\\+\\d+\\.\\d+ \\[0 127\\.0\\.0\\.1:\\d+\\] ");
  for (const char* expected : {"\"AUTH\" \"(redacted)\" \"(redacted)\"\r\n",
                               "\"HELLO\" \"2\" \"AUTH\" \"(redacted)\" \"(redacted)\"\r\n"}) {
    const std::string rill_line = std::regex_replace(monitor.rill->ReadReply(), kStamp, "");
    const std::string redis_line = std::regex_replace(monitor.redis->ReadReply(), kStamp, "");
    EXPECT_EQ(rill_line, expected);
    EXPECT_EQ(redis_line, expected);
  }
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
