// AOF rewrites: the manifest switch and history removal, writes during a rewrite, a rewrite
// that fails or is cut short by a crash, scheduling around BGSAVE, the automatic growth
// trigger, and INFO persistence's aof_* fields. Runs against redis-server too with
// RILL_TEST_AGAINST_REDIS=1.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/aof_support.h"
#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

std::set<std::string> FileNames(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out.insert(e.path().filename().string());
  }
  return out;
}

// The pid of a child process of `pid` (the rewrite child), or -1.
pid_t ChildOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t child = -1;
  if (in >> child) return child;
  return -1;
}

class AofRewriteTest : public ::testing::Test {
 protected:
  std::string aof_dir() const { return dir_.path() + "/appendonlydir"; }

  std::unique_ptr<ServerProcess> Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--appendonly", "yes", "--appendfsync", "always"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    auto server = StartServerOn(RillServerBinary(), dir_.path(), args, &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  static std::string Info(RespClient& c, const std::string& field) {
    return InfoField(c, "persistence", field);
  }
  static bool WaitRewriteDone(RespClient& c) {
    return WaitUntil([&] {
      return Info(c, "aof_rewrite_in_progress") == "0" && Info(c, "aof_rewrite_scheduled") == "0";
    });
  }

  DataDir dir_;
};

TEST_F(AofRewriteTest, RewriteSwitchesTheManifestAndRemovesHistory) {
  auto server = Start();
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  for (int i = 0; i < 50; ++i) c->Command({"SET", "k" + std::to_string(i), std::to_string(i)});
  EXPECT_EQ(Info(*c, "aof_rewrites"), "0");
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  ASSERT_TRUE(WaitRewriteDone(*c));
  ASSERT_TRUE(WaitUntil([&] {
    return FileNames(aof_dir()) == std::set<std::string>{"appendonly.aof.2.base.rdb",
                                                         "appendonly.aof.2.incr.aof",
                                                         "appendonly.aof.manifest"};
  })) << ReadManifest(aof_dir());
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  EXPECT_EQ(Info(*c, "aof_rewrites"), "1");
  EXPECT_EQ(Info(*c, "aof_last_bgrewrite_status"), "ok");
  const uint64_t base_size = std::filesystem::file_size(aof_dir() + "/appendonly.aof.2.base.rdb");
  EXPECT_EQ(Info(*c, "aof_base_size"), std::to_string(base_size));
  EXPECT_EQ(Info(*c, "aof_current_size"), std::to_string(base_size));
  // New writes grow the current size by exactly what reaches the INCR file.
  ASSERT_EQ(c->Command({"SET", "after", "1"}), "+OK\r\n");
  const uint64_t incr_size = std::filesystem::file_size(aof_dir() + "/appendonly.aof.2.incr.aof");
  EXPECT_GT(incr_size, 0u);
  EXPECT_EQ(Info(*c, "aof_current_size"), std::to_string(base_size + incr_size));
  EXPECT_EQ(Info(*c, "aof_buffer_length"), "0");

  // The next rewrite without preamble writes commands.
  ASSERT_EQ(c->Command({"CONFIG", "SET", "aof-use-rdb-preamble", "no"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  ASSERT_TRUE(WaitRewriteDone(*c));
  ASSERT_TRUE(WaitUntil([&] {
    return FileNames(aof_dir()) == std::set<std::string>{"appendonly.aof.3.base.aof",
                                                         "appendonly.aof.3.incr.aof",
                                                         "appendonly.aof.manifest"};
  }));
  const std::vector<AofCommand> base = ReadAofFile(aof_dir() + "/appendonly.aof.3.base.aof");
  ASSERT_FALSE(base.empty());
  EXPECT_EQ(base.front(), (AofCommand{"SELECT", "0"}));
  EXPECT_EQ(base.size(), 52u);  // SELECT + 51 SETs
  server->Stop(SIGKILL);
  server = Start();
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"DBSIZE"}), ":51\r\n");
}

// A rewrite without preamble writes hashes as HMSET and sets as SADD, at most 64 items per
// command (Redis's AOF_REWRITE_ITEMS_PER_CMD; a hash's items are pairs). That every type
// survives a rewrite and a restart is AofPersistenceTest.EveryTypeSurvivesARestart...
TEST_F(AofRewriteTest, HashesAndSetsAreWrittenInBatchesOf64Items) {
  auto server = Start({"--aof-use-rdb-preamble", "no"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  FillEveryType(*c);
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  ASSERT_TRUE(WaitRewriteDone(*c));
  ASSERT_TRUE(WaitUntil([&] { return FileNames(aof_dir()).count("appendonly.aof.2.base.aof"); }));
  int hmsets = 0, hmset_pairs = 0, sadds = 0, sadd_members = 0;
  for (const AofCommand& cmd : ReadAofFile(aof_dir() + "/appendonly.aof.2.base.aof")) {
    if (cmd.size() > 1 && cmd[0] == "HMSET" && cmd[1] == "hash:big") {
      EXPECT_LE(cmd.size(), 2u + 2 * 64);
      ++hmsets;
      hmset_pairs += static_cast<int>(cmd.size() - 2) / 2;
    } else if (cmd.size() > 1 && cmd[0] == "SADD" && cmd[1] == "set:bigint") {
      EXPECT_LE(cmd.size(), 2u + 64);
      ++sadds;
      sadd_members += static_cast<int>(cmd.size() - 2);
    }
  }
  EXPECT_EQ(hmsets, 11);  // 700 pairs
  EXPECT_EQ(hmset_pairs, 700);
  EXPECT_EQ(sadds, 10);  // 600 members
  EXPECT_EQ(sadd_members, 600);
}

TEST_F(AofRewriteTest, WritesDuringARewriteGoToTheNewIncrAndACrashLosesNothing) {
  // A slow child: 20 ms per key.
  auto server = Start({"--rdb-key-save-delay", "20000"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  for (int i = 0; i < 100; ++i) c->Command({"SET", "k" + std::to_string(i), "v"});
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  EXPECT_EQ(Info(*c, "aof_rewrite_in_progress"), "1");
  EXPECT_EQ(c->Command({"BGREWRITEAOF"}),
            "-ERR Background append only file rewriting already in progress\r\n");
  EXPECT_EQ(c->Command({"BGSAVE"}),
            "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
            "SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n");
  // The INCR file for writes after the fork is already in the manifest.
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  ASSERT_EQ(c->Command({"SET", "during", "1"}), "+OK\r\n");
  EXPECT_EQ(ReadIncrCommands(aof_dir()).back(), (AofCommand{"SET", "during", "1"}));
  // A crash before the rewrite ends: the old BASE and both INCR files hold everything.
  server->Stop(SIGKILL);
  server = Start();
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"DBSIZE"}), ":101\r\n");
  EXPECT_EQ(c->Command({"GET", "during"}), "$1\r\n1\r\n");
}

TEST_F(AofRewriteTest, AFailedRewriteKeepsTheOldFilesAndIsReported) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "needs the child of a rill-server";
  auto server = Start({"--rdb-key-save-delay", "50000"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  for (int i = 0; i < 100; ++i) c->Command({"SET", "k" + std::to_string(i), "v"});
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  pid_t child = -1;
  ASSERT_TRUE(WaitUntil([&] { return (child = ChildOf(server->pid())) > 0; }));
  kill(child, SIGKILL);
  ASSERT_TRUE(WaitUntil([&] { return Info(*c, "aof_rewrite_in_progress") == "0"; }));
  EXPECT_EQ(Info(*c, "aof_last_bgrewrite_status"), "err");
  EXPECT_EQ(Info(*c, "aof_rewrites_consecutive_failures"), "1");
  EXPECT_NE(server->ReadLog().find("Background AOF rewrite terminated by signal 9"),
            std::string::npos);
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  // No temporary file is left behind.
  EXPECT_TRUE(WaitUntil([&] {
    for (const std::string& name : FileNames(dir_.path())) {
      if (name.rfind("temp-", 0) == 0) return false;
    }
    return true;
  }));
  ASSERT_EQ(c->Command({"SET", "after", "1"}), "+OK\r\n");
  server->Stop(SIGKILL);
  server = Start();
  ASSERT_TRUE(server);
  EXPECT_EQ(ConnectTo(*server)->Command({"DBSIZE"}), ":101\r\n");
}

TEST_F(AofRewriteTest, RewriteRequestedDuringBgsaveIsScheduled) {
  auto server = Start({"--rdb-key-save-delay", "20000"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  for (int i = 0; i < 20; ++i) c->Command({"SET", "k" + std::to_string(i), "v"});
  ASSERT_EQ(c->Command({"BGSAVE"}), "+Background saving started\r\n");
  EXPECT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting scheduled\r\n");
  EXPECT_EQ(Info(*c, "aof_rewrite_scheduled"), "1");
  EXPECT_EQ(Info(*c, "aof_pending_rewrite"), "1");
  ASSERT_TRUE(WaitUntil([&] { return Info(*c, "aof_rewrites") == "1"; }));
  ASSERT_TRUE(WaitRewriteDone(*c));
  EXPECT_EQ(Info(*c, "aof_last_bgrewrite_status"), "ok");
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof.2.base.rdb seq 2 type b\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
}

TEST_F(AofRewriteTest, GrowthPastThePercentageTriggersARewrite) {
  auto server = Start({"--auto-aof-rewrite-min-size", "10kb", "--auto-aof-rewrite-percentage",
                       "100", "--aof-use-rdb-preamble", "no"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  const std::string value(200, 'x');
  // Below the minimum size nothing happens, whatever the growth.
  for (int i = 0; i < 20; ++i) c->Command({"SET", "k" + std::to_string(i), value});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Info(*c, "aof_rewrites"), "0");
  for (int i = 0; i < 60; ++i) c->Command({"SET", "k" + std::to_string(i % 30), value});
  ASSERT_TRUE(WaitUntil([&] { return Info(*c, "aof_rewrites") == "1"; }));
  ASSERT_TRUE(WaitRewriteDone(*c));
  EXPECT_NE(server->ReadLog().find("Starting automatic rewriting of AOF on "), std::string::npos);
  // The new BASE (plus what reached the new INCR while the child worked) is the reference for
  // the next growth.
  const uint64_t base = std::filesystem::file_size(aof_dir() + "/appendonly.aof.2.base.aof");
  const uint64_t incr = std::filesystem::file_size(aof_dir() + "/appendonly.aof.2.incr.aof");
  const uint64_t reference = std::stoull(Info(*c, "aof_base_size"));
  EXPECT_GE(reference, base);
  EXPECT_LE(reference, base + incr);
  EXPECT_EQ(ReadAofFile(aof_dir() + "/appendonly.aof.2.base.aof").size(), 31u);  // SELECT + 30
}

TEST_F(AofRewriteTest, RewriteWithAppendonlyOffWritesOnlyABase) {
  std::string error;
  auto server = StartServerOn(RillServerBinary(), dir_.path(), {}, &error);
  ASSERT_TRUE(server) << error;
  auto c = ConnectTo(*server);
  ASSERT_EQ(c->Command({"SET", "k", "v"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  ASSERT_TRUE(WaitRewriteDone(*c));
  EXPECT_EQ(Info(*c, "aof_enabled"), "0");
  EXPECT_EQ(ReadManifest(aof_dir()), "file appendonly.aof.1.base.rdb seq 1 type b\n");
}

}  // namespace
}  // namespace rill::testing
