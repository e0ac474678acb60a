// Scripts against a running server: busy scripts (other clients get -BUSY and are still
// answered, SCRIPT KILL / FUNCTION KILL stop a script that wrote nothing, SHUTDOWN NOSAVE ends
// the server), atomicity under concurrent clients, and the effects a script leaves in the AOF
// replayed after a restart. Each test starts its own server; they pass against redis-server
// too (RILL_TEST_AGAINST_REDIS=1).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;

constexpr char kBusyEval[] =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
constexpr char kBusyFunction[] =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
    "NOSAVE.\r\n";

std::string ServerBinary() {
  const char* against = std::getenv("RILL_TEST_AGAINST_REDIS");
  return against != nullptr && std::string(against) == "1" ? RedisServerBinary()
                                                           : RillServerBinary();
}

class ScriptingServerTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    args.insert(args.end(), {"--busy-reply-threshold", "50"});
    std::string error;
    server_ = StartServerOn(ServerBinary(), dir_.path(), args, &error);
    ASSERT_NE(server_, nullptr) << error;
  }
  std::unique_ptr<RespClient> Client() {
    auto c = ConnectTo(*server_);
    EXPECT_TRUE(c);
    return c;
  }
  // Waits until `c` gets -BUSY for PING (the script passed the threshold).
  void WaitBusy(RespClient& c, const std::string& busy) {
    ASSERT_TRUE(WaitUntil([&] { return c.Command({"PING"}) == busy; }, std::chrono::seconds(5)));
  }

  DataDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(ScriptingServerTest, BusyScriptAnswersOthersAndScriptKillStopsIt) {
  Start();
  auto runner = Client();
  auto other = Client();
  ASSERT_TRUE(runner->Send({"EVAL", "local i = 0 while true do i = i + 1 end", "0"}));
  WaitBusy(*other, kBusyEval);
  // Every command but the allowed few gets -BUSY; the server keeps answering.
  EXPECT_EQ(other->Command({"GET", "x"}), kBusyEval);
  EXPECT_EQ(other->Command({"FUNCTION", "STATS"}), kBusyEval);
  EXPECT_EQ(other->Command({"FUNCTION", "KILL"}), kBusyEval);
  EXPECT_EQ(other->Command({"SHUTDOWN"}), kBusyEval);
  EXPECT_EQ(other->Command({"SCRIPT", "KILL"}), "+OK\r\n");
  const std::string killed = runner->ReadReply();
  EXPECT_TRUE(killed.starts_with("-ERR Script killed by user with SCRIPT KILL... script: "))
      << EscapeBytes(killed);
  EXPECT_EQ(other->Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(runner->Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(other->Command({"SCRIPT", "KILL"}), "-NOTBUSY No scripts in execution right now.\r\n");
}

TEST_F(ScriptingServerTest, PcallCannotSwallowTheKill) {
  Start();
  auto runner = Client();
  auto other = Client();
  ASSERT_TRUE(runner->Send(
      {"EVAL", "while true do pcall(function() while true do end end) end", "0"}));
  WaitBusy(*other, kBusyEval);
  EXPECT_EQ(other->Command({"SCRIPT", "KILL"}), "+OK\r\n");
  EXPECT_TRUE(runner->ReadReply().starts_with("-ERR Script killed by user"));
}

TEST_F(ScriptingServerTest, FunctionKillAndFunctionStatsWhileBusy) {
  Start();
  auto runner = Client();
  auto other = Client();
  ASSERT_EQ(other->Command({"FUNCTION", "LOAD",
                            "#!lua name=spin\nredis.register_function('spin', function() while "
                            "true do end end)"}),
            "$4\r\nspin\r\n");
  ASSERT_TRUE(runner->Send({"FCALL", "spin", "0"}));
  WaitBusy(*other, kBusyFunction);
  const std::string stats = other->Command({"FUNCTION", "STATS"});
  EXPECT_NE(stats.find("$4\r\nspin\r\n"), std::string::npos) << EscapeBytes(stats);
  EXPECT_NE(stats.find("$5\r\nFCALL\r\n"), std::string::npos) << EscapeBytes(stats);
  EXPECT_EQ(other->Command({"SCRIPT", "KILL"}), kBusyFunction);
  EXPECT_EQ(other->Command({"FUNCTION", "KILL"}), "+OK\r\n");
  EXPECT_TRUE(runner->ReadReply().starts_with("-ERR Script killed by user"));
  EXPECT_EQ(other->Command({"PING"}), "+PONG\r\n");
}

TEST_F(ScriptingServerTest, ScriptThatWroteIsUnkillableAndShutdownNosaveEndsTheServer) {
  Start({"--appendonly", "yes"});
  auto runner = Client();
  auto other = Client();
  ASSERT_EQ(other->Command({"SET", "before", "1"}), "+OK\r\n");
  ASSERT_TRUE(runner->Send({"EVAL", "redis.call('set', 'x', 'y') while true do end", "0"}));
  WaitBusy(*other, kBusyEval);
  EXPECT_EQ(other->Command({"SCRIPT", "KILL"}),
            "-UNKILLABLE Sorry the script already executed write commands against the dataset. "
            "You can either wait the script termination or kill the server in a hard way using "
            "the SHUTDOWN NOSAVE command.\r\n");
  other->Send({"SHUTDOWN", "NOSAVE"});
  EXPECT_GE(server_->WaitForExit(std::chrono::seconds(10)), 0);
  // The script's half-done write never reached the AOF.
  std::string error;
  server_ = StartServerOn(ServerBinary(), dir_.path(), {"--appendonly", "yes"}, &error);
  ASSERT_NE(server_, nullptr) << error;
  auto after = Client();
  EXPECT_EQ(after->Command({"GET", "before"}), "$1\r\n1\r\n");
  EXPECT_EQ(after->Command({"GET", "x"}), "$-1\r\n");
}

// Scripts are atomic: read-modify-write scripts from many clients lose no update, and a
// reader never sees the two keys a script writes out of step.
TEST_F(ScriptingServerTest, ScriptsAreAtomicUnderConcurrentClients) {
  Start();
  constexpr int kClients = 6;
  constexpr int kIterations = 300;
  const std::string script =
      "local v = tonumber(redis.call('get', KEYS[1]) or '0') "
      "redis.call('set', KEYS[1], v + 1) redis.call('set', KEYS[2], v + 1) return v + 1";
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      auto c = ConnectTo(*server_);
      if (!c) {
        failed = true;
        return;
      }
      for (int i = 0; i < kIterations && !failed; ++i) {
        if (!c->Command({"EVAL", script, "2", "a", "b"}).starts_with(":")) failed = true;
        // Both keys move together.
        const std::string pair = c->Command({"MGET", "a", "b"});
        const size_t mid = pair.size() / 2;
        if (pair.substr(4, mid - 2) != pair.substr(mid + 2)) failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed);
  auto c = Client();
  EXPECT_EQ(c->Command({"GET", "a"}), "$4\r\n1800\r\n");
  EXPECT_EQ(c->Command({"GET", "b"}), "$4\r\n1800\r\n");
}

// The AOF holds what scripts did, not how: scripts that use time and randomness replay to the
// same data.
TEST_F(ScriptingServerTest, EffectsReplayFromTheAofToTheSameData) {
  Start({"--appendonly", "yes", "--appendfsync", "always"});
  auto c = Client();
  const std::string random_writes =
      "math.randomseed(tonumber(redis.call('time')[2])) "
      "for i = 1, 20 do redis.call('set', 'r' .. i, math.random(1000000)) end "
      "redis.call('rpush', 'list', redis.call('time')[1]) "
      "redis.call('set', 'ttl', 'v', 'EX', 1000) return 1";
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(c->Command({"EVAL", random_writes, "0"}), ":1\r\n");
  }
  ASSERT_EQ(c->Command({"FUNCTION", "LOAD",
                        "#!lua name=lib\nredis.register_function('bump', function(keys) "
                        "return redis.call('incrby', keys[1], math.random(100)) end)"}),
            "$3\r\nlib\r\n");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c->Command({"FCALL", "bump", "1", "b"}).starts_with(":"));
  const std::string before = DescribeKeyspace(*c);
  c.reset();
  server_->Stop(SIGTERM);
  std::string error;
  server_ = StartServerOn(ServerBinary(), dir_.path(), {"--appendonly", "yes"}, &error);
  ASSERT_NE(server_, nullptr) << error;
  auto after = Client();
  EXPECT_EQ(DescribeKeyspace(*after), before);
  // The library came back with the AOF too.
  EXPECT_TRUE(after->Command({"FCALL", "bump", "1", "b"}).starts_with(":"));
}

// Libraries are saved in the RDB (RDB_OPCODE_FUNCTION2) and loaded back.
TEST_F(ScriptingServerTest, LibrariesSurviveAnRdbRestart) {
  Start();
  auto c = Client();
  ASSERT_EQ(c->Command({"FUNCTION", "LOAD",
                        "#!lua name=keep\nredis.register_function('hello', function() return "
                        "'hi' end)"}),
            "$4\r\nkeep\r\n");
  ASSERT_EQ(c->Command({"SAVE"}), "+OK\r\n");
  c.reset();
  server_->Stop(SIGKILL);
  std::string error;
  server_ = StartServerOn(ServerBinary(), dir_.path(), {}, &error);
  ASSERT_NE(server_, nullptr) << error;
  auto after = Client();
  EXPECT_EQ(after->Command({"FCALL", "hello", "0"}), "$2\r\nhi\r\n");
}

}  // namespace
}  // namespace rill::testing
