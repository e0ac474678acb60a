// Background children cannot outlive the server that forked them (hardening issue, finding 2).
// A BGSAVE child once kept running after its server was killed with SIGKILL and, seconds later,
// renamed its stale snapshot over dump.rdb, replacing what the restarted server had saved since.
// Now a child writes only under a temp name, dies with its parent (and exits on a broken report
// pipe), the parent renames; a restart removes the temp files of children that are gone.
//
// Each case: a slow child (rdb-key-save-delay), SIGKILL of the server mid-way, restart on the
// same directory, a write and a save, then a wait until the old child is gone, a restart, and
// the newest write must be there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Keys and per-key delay of the slow child: at least 2 s of work, far longer than the steps of
// the test before the kill.
constexpr int kKeys = 20000;
constexpr const char* kKeySaveDelayUs = "100";

// The pid from the server's log line "... started by pid N" (BGSAVE or BGREWRITEAOF), -1 if none.
pid_t ChildPidFromLog(const std::string& log) {
  static const std::regex kStarted("started by pid (\\d+)");
  std::smatch m;
  if (!std::regex_search(log, m, kStarted)) return -1;
  return static_cast<pid_t>(std::stol(m[1]));
}

// A process is gone once it no longer exists or is a zombie (nobody may have reaped the orphan).
bool ProcessGone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (text.empty()) return true;
  const size_t paren = text.rfind(')');
  return paren == std::string::npos || text.substr(paren + 2, 1) == "Z";
}

// Names of the files in `dir` that start with "temp-" (outside the AOF directory).
std::vector<std::string> TempFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("temp-")) out.push_back(name);
  }
  return out;
}

std::unique_ptr<ServerProcess> Start(const DataDir& dir, const std::vector<std::string>& args) {
  std::string error;
  auto server = StartServerOn(RillServerBinary(), dir.path(), args, &error);
  EXPECT_NE(server, nullptr) << error;
  return server;
}

// Starts a slow child with `start_command` on a populated server, kills the server with
// SIGKILL while the child works and returns the child's pid.
pid_t KillServerDuringChild(const DataDir& dir, const std::vector<std::string>& args,
                            const std::string& start_command, const std::string& in_progress) {
  auto server = Start(dir, args);
  if (!server) return -1;
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"DEBUG", "POPULATE", std::to_string(kKeys)}), "+OK\r\n");
  EXPECT_EQ(c->Command({"CONFIG", "SET", "rdb-key-save-delay", kKeySaveDelayUs}), "+OK\r\n");
  const std::string reply = c->Command({start_command});
  EXPECT_TRUE(reply.starts_with("+Background")) << reply;
  EXPECT_EQ(InfoField(*c, "persistence", in_progress), "1");
  const pid_t child = ChildPidFromLog(server->ReadLog());
  EXPECT_GT(child, 0) << server->ReadLog();
  std::this_thread::sleep_for(milliseconds(200));  // the child is well into its work
  EXPECT_FALSE(ProcessGone(child)) << "the child finished before the kill: make it slower";
  server->Stop(SIGKILL);
  return child;
}

TEST(ChildLifetime, KilledDuringBgsaveTheOldChildCannotOverwriteNewerData) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "Redis's child lingers and its temp file stays";
  DataDir dir;
  const std::vector<std::string> args = {"--enable-debug-command", "yes"};
  const pid_t child = KillServerDuringChild(dir, args, "BGSAVE", "rdb_bgsave_in_progress");
  ASSERT_GT(child, 0);

  // The child dies with its parent (before: it ran on for seconds).
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(child); }, seconds(2)))
      << "BGSAVE child " << child << " outlived its server";

  // A restarted server saves newer data. Nothing was saved before, so it starts empty.
  auto server = Start(dir, args);
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(c->Command({"SET", "newest", "v1"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"SAVE"}), "+OK\r\n");
  // Whatever the old child still does, it has done it once it is gone.
  ASSERT_TRUE(WaitUntil([&] { return ProcessGone(child); }, seconds(20)));
  server->Stop(SIGKILL);

  server = Start(dir, args);
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"GET", "newest"}), "$2\r\nv1\r\n");
  EXPECT_EQ(c->Command({"DBSIZE"}), ":1\r\n");
  // The dead child's temp file was removed at start.
  EXPECT_TRUE(TempFiles(dir.path()).empty())
      << "left over: " << TempFiles(dir.path()).front() << "\n"
      << server->ReadLog();
}

TEST(ChildLifetime, KilledDuringBgrewriteaofTheOldChildLeavesNothingBehind) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "Redis's child lingers and its temp file stays";
  DataDir dir;
  const std::vector<std::string> args = {"--enable-debug-command", "yes", "--appendonly", "yes"};
  const pid_t child = KillServerDuringChild(dir, args, "BGREWRITEAOF", "aof_rewrite_in_progress");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(WaitUntil([&] { return ProcessGone(child); }, seconds(2)))
      << "AOF rewrite child " << child << " outlived its server";

  // The restarted server writes, and saves with a rewrite of its own (no delay now).
  auto server = Start(dir, args);
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"SET", "newest", "v1"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
  ASSERT_TRUE(
      WaitUntil([&] { return InfoField(*c, "persistence", "aof_rewrite_in_progress") == "0"; }));
  EXPECT_EQ(c->Command({"SET", "after-rewrite", "v2"}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] { return ProcessGone(child); }, seconds(20)));
  server->Stop(SIGKILL);

  server = Start(dir, args);
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"GET", "newest"}), "$2\r\nv1\r\n");
  EXPECT_EQ(c->Command({"GET", "after-rewrite"}), "$2\r\nv2\r\n");
  EXPECT_TRUE(TempFiles(dir.path()).empty())
      << "left over: " << TempFiles(dir.path()).front() << "\n"
      << server->ReadLog();
}

}  // namespace
}  // namespace rill::testing
