// The server side of RDB snapshots: BGSAVE under writes, save points, SHUTDOWN, DEBUG RELOAD,
// INFO persistence and MISCONF, the last two against redis-server step by step.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/server_fixture.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

std::unique_ptr<ServerProcess> StartRill(const DataDir& dir, std::vector<std::string> args = {}) {
  std::string error;
  auto server = StartServerOn(RillServerBinary(), dir.path(), std::move(args), &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

// Sends many commands in one pipeline and checks every reply.
void Pipeline(RespClient& c, const std::vector<std::vector<std::string>>& commands,
              const std::string& expected_reply) {
  std::string bytes;
  for (const auto& argv : commands) bytes += EncodeCommand(argv);
  ASSERT_TRUE(c.SendRaw(bytes));
  for (size_t i = 0; i < commands.size(); ++i) {
    ASSERT_EQ(c.ReadReply(), expected_reply) << "command " << i;
  }
}

std::string Key(int i) { return "key:" + std::to_string(i); }

// Runs `expect` after DEBUG RELOAD and again after a SIGKILL restart from dump.rdb with the same
// `args`; `rill` and `c` then point at the restarted server.
void ExpectAfterReloadAndRestart(const DataDir& dir, const std::vector<std::string>& args,
                                 std::unique_ptr<ServerProcess>& rill,
                                 std::unique_ptr<RespClient>& c,
                                 const std::function<void(RespClient&)>& expect) {
  {
    SCOPED_TRACE("DEBUG RELOAD");
    ASSERT_EQ(c->Command({"DEBUG", "RELOAD"}), "+OK\r\n");
    expect(*c);
  }
  SCOPED_TRACE("restart from dump.rdb");
  rill->Stop(SIGKILL);
  rill = StartRill(dir, args);
  ASSERT_TRUE(rill);
  c = ConnectTo(*rill);
  expect(*c);
}

TEST(RdbServerTest, BgsaveWritesTheDataAsOfTheFork) {
  DataDir dir;
  // 40 us per key keeps the child busy for about two seconds.
  auto rill = StartRill(dir, {"--rdb-key-save-delay", "40"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  constexpr int kKeys = 50000;
  std::vector<std::vector<std::string>> sets;
  for (int i = 0; i < kKeys; ++i) sets.push_back({"SET", Key(i), "original-" + std::to_string(i)});
  Pipeline(*c, sets, "+OK\r\n");
  ASSERT_EQ(c->Command({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_bgsave_in_progress"), "1");
  EXPECT_EQ(InfoField(*c, "persistence", "current_save_keys_total"), "50000");
  EXPECT_EQ(c->Command({"BGSAVE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(c->Command({"BGSAVE", "SCHEDULE"}), "-ERR Background save already in progress\r\n");
  EXPECT_EQ(c->Command({"SAVE"}), "-ERR Background save already in progress\r\n");

  // Writes while the child works: none of them may reach the snapshot.
  std::vector<std::vector<std::string>> changes;
  for (int i = 0; i < 1000; ++i) changes.push_back({"SET", Key(i), "changed"});
  for (int i = 0; i < 1000; ++i) changes.push_back({"SET", "new:" + std::to_string(i), "x"});
  Pipeline(*c, changes, "+OK\r\n");
  std::vector<std::vector<std::string>> dels;
  for (int i = 1000; i < 2000; ++i) dels.push_back({"DEL", Key(i)});
  Pipeline(*c, dels, ":1\r\n");
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_bgsave_in_progress"), "1")
      << "the child finished before the writes; raise rdb-key-save-delay";
  EXPECT_TRUE(WaitUntil([&] {
    return InfoField(*c, "persistence", "current_save_keys_processed") != "0";
  })) << "no progress report from the child";
  EXPECT_NE(InfoField(*c, "stats", "total_forks"), "0");
  ASSERT_TRUE(WaitForBgsaveDone(*c));
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_last_bgsave_status"), "ok");
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_changes_since_last_save"), "3000");
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_saves"), "1");
  EXPECT_EQ(InfoField(*c, "persistence", "current_save_keys_total"), "0");
  EXPECT_NE(InfoField(*c, "persistence", "rdb_last_bgsave_time_sec"), "-1");
  EXPECT_NE(rill->ReadLog().find("Background saving terminated with success"), std::string::npos);
  EXPECT_NE(rill->ReadLog().find(":C "), std::string::npos) << "the child logs as 'C'";
  std::string check;
  EXPECT_TRUE(RedisCheckRdb(dir.File("dump.rdb"), &check)) << check;
  rill->Stop(SIGKILL);

  auto reloaded = StartRill(dir);
  ASSERT_TRUE(reloaded);
  auto r = ConnectTo(*reloaded);
  EXPECT_EQ(r->Command({"DBSIZE"}), ":50000\r\n");
  EXPECT_EQ(r->Command({"GET", Key(0)}), "$10\r\noriginal-0\r\n");
  EXPECT_EQ(r->Command({"GET", Key(1500)}), "$13\r\noriginal-1500\r\n");
  EXPECT_EQ(r->Command({"EXISTS", "new:0"}), ":0\r\n");
}

// Reads during a BGSAVE do not update the keys' LRU/LFU bits, so they do not copy the pages
// the child shares (as Redis skips the update while a child is active); afterwards they do.
TEST(RdbServerTest, ReadsDuringABgsaveLeaveAccessBitsAlone) {
  DataDir dir;
  auto rill = StartRill(dir, {"--rdb-key-save-delay", "100", "--maxmemory-policy", "allkeys-lfu",
                              "--lfu-log-factor", "0", "--lfu-decay-time", "0"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  std::vector<std::vector<std::string>> sets;
  for (int i = 0; i < 20000; ++i) sets.push_back({"SET", Key(i), "v"});
  Pipeline(*c, sets, "+OK\r\n");
  // lfu-log-factor 0: every access adds one to the counter (new keys start at 5); decay time 0:
  // a minute boundary during the test takes nothing away.
  EXPECT_EQ(c->Command({"OBJECT", "FREQ", Key(7)}), ":5\r\n");
  EXPECT_EQ(c->Command({"GET", Key(7)}), "$1\r\nv\r\n");
  EXPECT_EQ(c->Command({"OBJECT", "FREQ", Key(7)}), ":6\r\n");
  ASSERT_EQ(c->Command({"BGSAVE"}), "+Background saving started\r\n");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c->Command({"GET", Key(7)}), "$1\r\nv\r\n");
  EXPECT_EQ(c->Command({"OBJECT", "FREQ", Key(7)}), ":6\r\n");
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_bgsave_in_progress"), "1")
      << "the child finished before the reads; raise rdb-key-save-delay";
  ASSERT_TRUE(WaitForBgsaveDone(*c));
  EXPECT_EQ(c->Command({"GET", Key(7)}), "$1\r\nv\r\n");
  EXPECT_EQ(c->Command({"OBJECT", "FREQ", Key(7)}), ":7\r\n");
}

TEST(RdbServerTest, SavePointsTriggerABackgroundSave) {
  DataDir dir;
  auto rill = StartRill(dir, {"--save", "1 3"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  ASSERT_EQ(c->Command({"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$3\r\n1 3\r\n");
  ASSERT_EQ(c->Command({"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "b", "2"}), "+OK\r\n");
  // Two changes are below the save point: nothing happens.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_saves"), "0");
  EXPECT_FALSE(FileExists(dir.File("dump.rdb")));
  ASSERT_EQ(c->Command({"SET", "c", "3"}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] { return InfoField(*c, "persistence", "rdb_saves") == "1"; }));
  ASSERT_TRUE(WaitForBgsaveDone(*c));
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_changes_since_last_save"), "0");
  EXPECT_NE(rill->ReadLog().find("3 changes in 1 seconds. Saving..."), std::string::npos)
      << rill->ReadLog();
  // CONFIG SET save takes effect at once.
  ASSERT_EQ(c->Command({"CONFIG", "SET", "save", ""}), "+OK\r\n");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c->Command({"SET", "d", "4"}), "+OK\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(InfoField(*c, "persistence", "rdb_saves"), "1");
  rill->Stop(SIGKILL);
  auto reloaded = StartRill(dir);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(ConnectTo(*reloaded)->Command({"MGET", "a", "b", "c", "d"}),
            "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n");
}

TEST(RdbServerTest, ShutdownSavesWhenSavePointsAreSet) {
  DataDir dir;
  {
    auto rill = StartRill(dir, {"--save", "3600 1"});
    ASSERT_TRUE(rill);
    auto c = ConnectTo(*rill);
    ASSERT_EQ(c->Command({"SET", "k", "saved at shutdown"}), "+OK\r\n");
    ASSERT_TRUE(c->Send({"SHUTDOWN"}));
    ASSERT_TRUE(c->ReadUntilClosed().has_value());
    const int status = rill->WaitForExit(std::chrono::seconds(10));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_NE(rill->ReadLog().find("Saving the final RDB snapshot before exiting."),
              std::string::npos);
  }
  {
    auto rill = StartRill(dir, {"--save", "3600 1"});
    ASSERT_TRUE(rill);
    auto c = ConnectTo(*rill);
    EXPECT_EQ(c->Command({"GET", "k"}), "$17\r\nsaved at shutdown\r\n");
    ASSERT_EQ(c->Command({"SET", "k2", "not saved"}), "+OK\r\n");
    ASSERT_TRUE(c->Send({"SHUTDOWN", "NOSAVE"}));
    ASSERT_TRUE(c->ReadUntilClosed().has_value());
    rill->WaitForExit(std::chrono::seconds(10));
  }
  {
    // No save points: a plain SHUTDOWN does not save, SIGTERM neither; SHUTDOWN SAVE does.
    auto rill = StartRill(dir);
    ASSERT_TRUE(rill);
    auto c = ConnectTo(*rill);
    EXPECT_EQ(c->Command({"EXISTS", "k2"}), ":0\r\n");
    ASSERT_EQ(c->Command({"SET", "k3", "v"}), "+OK\r\n");
    ASSERT_TRUE(c->Send({"SHUTDOWN", "SAVE"}));
    ASSERT_TRUE(c->ReadUntilClosed().has_value());
    rill->WaitForExit(std::chrono::seconds(10));
  }
  {
    auto rill = StartRill(dir, {"--save", "3600 1"});
    ASSERT_TRUE(rill);
    auto c = ConnectTo(*rill);
    EXPECT_EQ(c->Command({"GET", "k3"}), "$1\r\nv\r\n");
    ASSERT_EQ(c->Command({"SET", "k4", "by sigterm"}), "+OK\r\n");
    const int status = rill->Stop(SIGTERM, std::chrono::seconds(10));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto rill = StartRill(dir);
  ASSERT_TRUE(rill);
  EXPECT_EQ(ConnectTo(*rill)->Command({"GET", "k4"}), "$10\r\nby sigterm\r\n");
  std::string check;
  EXPECT_TRUE(RedisCheckRdb(dir.File("dump.rdb"), &check)) << check;
}

TEST(RdbServerTest, ShutdownKillsARunningBgsaveChild) {
  DataDir dir;
  auto rill = StartRill(dir, {"--rdb-key-save-delay", "100000"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  ASSERT_EQ(c->Command({"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "b", "2"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"BGSAVE"}), "+Background saving started\r\n");
  ASSERT_TRUE(c->Send({"SHUTDOWN", "NOSAVE"}));
  ASSERT_TRUE(c->ReadUntilClosed(std::chrono::seconds(10)).has_value());
  EXPECT_NE(rill->WaitForExit(std::chrono::seconds(10)), -1);
  EXPECT_NE(rill->ReadLog().find("There is a child saving an .rdb. Killing it!"),
            std::string::npos);
  // Neither a snapshot nor the child's temp file is left behind.
  EXPECT_FALSE(FileExists(dir.File("dump.rdb")));
  std::string listing;
  RunShell("ls " + dir.path(), &listing);
  EXPECT_EQ(listing, "");
}

TEST(RdbServerTest, DebugReloadKeepsEverything) {
  DataDir dir;
  auto rill = StartRill(dir, {"--enable-debug-command", "yes"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  FillEveryType(*c);
  const std::string before = DescribeKeyspace(*c);
  ASSERT_EQ(c->Command({"DEBUG", "RELOAD"}), "+OK\r\n");
  EXPECT_EQ(DescribeKeyspace(*c), before);
  // NOSAVE loads the file as it is: a write since the last save disappears.
  ASSERT_EQ(c->Command({"SET", "after", "the save"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"DEBUG", "RELOAD", "NOSAVE"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"EXISTS", "after"}), ":0\r\n");
  EXPECT_EQ(DescribeKeyspace(*c), before);
  // NOFLUSH MERGE adds the file on top of the data in memory.
  ASSERT_EQ(c->Command({"SET", "only-in-memory", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"EXISTS", "only-in-memory", "raw"}), ":2\r\n");
  EXPECT_EQ(c->Command({"DEBUG", "RELOAD", "BOGUS"}),
            "-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n");
  EXPECT_NE(rill->ReadLog().find("DB reloaded by DEBUG RELOAD"), std::string::npos);
}

// Keys loaded from a file are stamped on the server's LRU clock: idle times keep counting from
// the load, and keys read since then are recent (what allkeys-lru evicts by).
TEST(RdbServerTest, LoadedKeysHaveIdleTimesOnTheServersClock) {
  DataDir dir;
  auto rill = StartRill(dir, {"--enable-debug-command", "yes"});
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  ASSERT_EQ(c->Command({"SET", "cold", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "hot", "2"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"DEBUG", "RELOAD"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"OBJECT", "IDLETIME", "cold"}), ":0\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ASSERT_EQ(c->Command({"GET", "hot"}), "$1\r\n2\r\n");
  ASSERT_EQ(c->Command({"SET", "new", "3"}), "+OK\r\n");
  const std::string cold = c->Command({"OBJECT", "IDLETIME", "cold"});
  ASSERT_EQ(cold.front(), ':') << cold;
  EXPECT_GE(std::stoll(cold.substr(1)), 2);
  EXPECT_LE(std::stoll(cold.substr(1)), 10);
  EXPECT_EQ(c->Command({"OBJECT", "IDLETIME", "hot"}), ":0\r\n");
  EXPECT_EQ(c->Command({"OBJECT", "IDLETIME", "new"}), ":0\r\n");
}

// With an LFU policy the counters go into the file (RDB_OPCODE_FREQ) and come back from it:
// through DEBUG RELOAD, a restart from dump.rdb and the RDB base of an AOF.
TEST(RdbServerTest, LfuCountersSurviveReloadsAndRestarts) {
  DataDir dir;
  // lfu-log-factor 0: every read adds one to the counter (new keys start at 5); decay time 0: a
  // minute boundary during the test takes nothing away.
  const std::vector<std::string> args = {
      "--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor",       "0",
      "--lfu-decay-time",   "0",           "--enable-debug-command", "yes"};
  auto rill = StartRill(dir, args);
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  ASSERT_EQ(c->Command({"SET", "hot", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"RPUSH", "list", "a", "b"}), ":2\r\n");
  ASSERT_EQ(c->Command({"SET", "cold", "2"}), "+OK\r\n");
  for (int i = 0; i < 4; ++i) ASSERT_EQ(c->Command({"GET", "hot"}), "$1\r\n1\r\n");
  for (int i = 0; i < 2; ++i) ASSERT_EQ(c->Command({"LLEN", "list"}), ":2\r\n");
  auto expect_counters = [](RespClient& client) {
    EXPECT_EQ(IntegerReply(client, {"OBJECT", "FREQ", "hot"}), 9);
    EXPECT_EQ(IntegerReply(client, {"OBJECT", "FREQ", "list"}), 7);
    EXPECT_EQ(IntegerReply(client, {"OBJECT", "FREQ", "cold"}), 5);
  };
  expect_counters(*c);
  ASSERT_NO_FATAL_FAILURE(ExpectAfterReloadAndRestart(dir, args, rill, c, expect_counters));
  {
    SCOPED_TRACE("restart from the AOF's RDB base");
    ASSERT_EQ(c->Command({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
    ASSERT_TRUE(WaitUntil([&] {
      return InfoField(*c, "persistence", "aof_rewrite_in_progress") == "0" &&
             InfoField(*c, "persistence", "aof_rewrites") == "1";
    }));
    rill->Stop(SIGKILL);
    std::filesystem::remove(dir.File("dump.rdb"));
    std::vector<std::string> aof_args = args;
    aof_args.insert(aof_args.end(), {"--appendonly", "yes"});
    rill = StartRill(dir, aof_args);
    ASSERT_TRUE(rill);
    c = ConnectTo(*rill);
    EXPECT_NE(rill->ReadLog().find("Reading RDB base file on AOF loading"), std::string::npos);
    expect_counters(*c);
  }
}

// With an LRU policy the idle times go into the file (RDB_OPCODE_IDLE) and come back from it:
// a key idle before a reload or restart is still idle after it.
TEST(RdbServerTest, LruIdleTimesSurviveReloadsAndRestarts) {
  DataDir dir;
  const std::vector<std::string> args = {"--maxmemory-policy", "allkeys-lru",
                                         "--enable-debug-command", "yes"};
  auto rill = StartRill(dir, args);
  ASSERT_TRUE(rill);
  auto c = ConnectTo(*rill);
  ASSERT_EQ(c->Command({"SET", "cold", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"RPUSH", "list", "a"}), ":1\r\n");
  ASSERT_EQ(c->Command({"SET", "hot", "2"}), "+OK\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ASSERT_EQ(c->Command({"GET", "hot"}), "$1\r\n2\r\n");
  // The upper bounds only say the idle time is the one kept, not one from some other clock.
  auto expect_idle = [](RespClient& client) {
    const int64_t cold = IntegerReply(client, {"OBJECT", "IDLETIME", "cold"});
    EXPECT_GE(cold, 2);
    EXPECT_LE(cold, 60);
    const int64_t list = IntegerReply(client, {"OBJECT", "IDLETIME", "list"});
    EXPECT_GE(list, 2);
    EXPECT_LE(list, 60);
    EXPECT_LE(IntegerReply(client, {"OBJECT", "IDLETIME", "hot"}), 1);
  };
  ExpectAfterReloadAndRestart(dir, args, rill, c, expect_idle);
}

// The same steps on Rill and on redis-server: INFO persistence fields and the MISCONF refusal
// after a failed BGSAVE, cleared by a good one.
class RdbSideBySideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
    for (int side = 0; side < 2; ++side) {
      // A directory named like a file: renaming the snapshot onto it fails.
      mkdir(dirs_[side].File("blocked").c_str(), 0755);
      WriteFileBytes(dirs_[side].File("blocked/keep"), "x");
      std::string error;
      servers_[side] =
          StartServerOn(side == 0 ? RillServerBinary() : RedisServerBinary(), dirs_[side].path(),
                        {"--save", "3600 100000", "--enable-protected-configs", "yes"}, &error);
      ASSERT_NE(servers_[side], nullptr) << error;
      clients_[side] = ConnectTo(*servers_[side]);
      ASSERT_NE(clients_[side], nullptr);
    }
  }

  // Sends to both; expects the same reply.
  std::string Both(const std::vector<std::string>& argv) {
    const std::string rill = clients_[0]->Command(argv);
    const std::string redis = clients_[1]->Command(argv);
    EXPECT_EQ(EscapeBytes(rill), EscapeBytes(redis)) << argv[0];
    return rill;
  }

  void ExpectSameFields(const std::string& step) {
    static const char* kFields[] = {
        "loading",
        "current_cow_size",
        "current_fork_perc",
        "current_save_keys_processed",
        "current_save_keys_total",
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
        "rdb_last_bgsave_status",
        "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec",
        "rdb_saves",
        "rdb_last_load_keys_expired",
        "rdb_last_load_keys_loaded",
    };
    for (const char* f : kFields) {
      std::string rill = InfoField(*clients_[0], "persistence", f);
      std::string redis = InfoField(*clients_[1], "persistence", f);
      // A duration in whole seconds depends on the machine; whether it is set (-1 or not)
      // does not.
      if (std::string_view(f) == "rdb_last_bgsave_time_sec") {
        rill = rill == "-1" ? "-1" : "set";
        redis = redis == "-1" ? "-1" : "set";
      }
      EXPECT_EQ(rill, redis) << f << " after " << step;
    }
  }

  void BgsaveBothAndWait() {
    Both({"BGSAVE"});
    ASSERT_TRUE(WaitForBgsaveDone(*clients_[0]));
    ASSERT_TRUE(WaitForBgsaveDone(*clients_[1]));
  }

  DataDir dirs_[2];
  std::unique_ptr<ServerProcess> servers_[2];
  std::unique_ptr<RespClient> clients_[2];
};

TEST_F(RdbSideBySideTest, InfoPersistenceAndMisconf) {
  ExpectSameFields("start");
  Both({"SET", "a", "1"});
  Both({"SET", "b", "2"});
  Both({"DEL", "b"});
  ExpectSameFields("three writes");
  BgsaveBothAndWait();
  ExpectSameFields("a good BGSAVE");
  Both({"SAVE"});
  ExpectSameFields("SAVE");

  Both({"CONFIG", "SET", "dbfilename", "blocked"});
  BgsaveBothAndWait();
  ExpectSameFields("a failed BGSAVE");
  EXPECT_EQ(InfoField(*clients_[0], "persistence", "rdb_last_bgsave_status"), "err");
  const std::string misconf = Both({"SET", "a", "2"});
  EXPECT_TRUE(misconf.starts_with("-MISCONF ")) << misconf;
  Both({"PING"});
  Both({"GET", "a"});  // reads still work
  Both({"MULTI"});
  Both({"SET", "a", "3"});
  Both({"EXEC"});
  Both({"MULTI"});
  Both({"GET", "a"});
  Both({"EXEC"});
  // SHUTDOWN cannot save either, so it refuses to exit.
  Both({"SHUTDOWN"});
  Both({"PING"});
  ExpectSameFields("refused writes");

  Both({"CONFIG", "SET", "dbfilename", "dump.rdb"});
  BgsaveBothAndWait();
  ExpectSameFields("a good BGSAVE again");
  Both({"SET", "a", "4"});
  Both({"PING"});
  // stop-writes-on-bgsave-error no: a failure no longer blocks writes.
  Both({"CONFIG", "SET", "dbfilename", "blocked"});
  Both({"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"});
  BgsaveBothAndWait();
  Both({"SET", "a", "5"});
  ExpectSameFields("failure without stop-writes");
  std::string check;
  EXPECT_TRUE(RedisCheckRdb(dirs_[0].File("dump.rdb"), &check)) << check;
}

TEST_F(RdbSideBySideTest, ShutdownForceExitsEvenWhenTheSaveFails) {
  Both({"SET", "a", "1"});
  Both({"CONFIG", "SET", "dbfilename", "blocked"});
  for (int side = 0; side < 2; ++side) {
    ASSERT_TRUE(clients_[side]->Send({"SHUTDOWN", "FORCE"}));
    auto bytes = clients_[side]->ReadUntilClosed(std::chrono::seconds(10));
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(*bytes, "");
    EXPECT_NE(servers_[side]->WaitForExit(std::chrono::seconds(10)), -1);
    EXPECT_NE(servers_[side]->ReadLog().find("Error trying to save the DB. Exit anyway."),
              std::string::npos);
  }
}

TEST_F(RdbSideBySideTest, BgsaveArgumentsAndScheduling) {
  Both({"BGSAVE", "NOW"});
  Both({"BGSAVE", "SCHEDULE", "extra"});
  Both({"LASTSAVE", "extra"});
  Both({"SHUTDOWN", "SAVE", "NOSAVE"});
  Both({"SHUTDOWN", "ABORT"});
  Both({"SHUTDOWN", "NOW", "ABORT"});
  // BGSAVE inside a transaction is scheduled (Redis cannot fork inside EXEC).
  Both({"MULTI"});
  Both({"BGSAVE"});
  Both({"EXEC"});
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*clients_[0], "persistence", "rdb_saves") == "1" &&
           InfoField(*clients_[1], "persistence", "rdb_saves") == "1";
  }));
  ASSERT_TRUE(WaitForBgsaveDone(*clients_[0]));
  ASSERT_TRUE(WaitForBgsaveDone(*clients_[1]));
  ExpectSameFields("a scheduled BGSAVE");
}

}  // namespace
}  // namespace rill::testing
