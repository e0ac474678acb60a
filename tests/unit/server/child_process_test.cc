// Children that cannot outlive their server (server/persist/child_process.h,
// child_temp_files.h): a report the parent can no longer read ends the child, and the temp files
// of writers that are gone are removed at start while those of live processes stay.
#include "server/persist/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "server/persist/child_temp_files.h"

namespace rill {
namespace {

TEST(ChildReporterDeathTest, ExitsWhenTheParentIsGone) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::signal(SIGPIPE, SIG_IGN);  // as in the server: the write fails with EPIPE
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK) != 0) ::_exit(3);
        ::close(fds[0]);  // the parent's end: gone
        ChildReporter reporter(fds[1]);
        reporter.Finish(1);
        ::_exit(0);  // not reached
      },
      ::testing::ExitedWithCode(1), "");
}

TEST(ChildReporterDeathTest, AFullPipeOnlySkipsTheReport) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK) != 0) ::_exit(3);
        // A parent too busy to read: fill the pipe.
        char block[4096] = {};
        while (::write(fds[1], block, sizeof(block)) > 0) {
        }
        ChildReporter reporter(fds[1]);
        reporter.Finish(1);
        reporter.Finish(2);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(ChildTempFiles, RedisNames) {
  EXPECT_EQ(RdbTempFileName(123), "temp-123.rdb");
  EXPECT_EQ(AofRewriteTempFileName(123), "temp-rewriteaof-123.aof");
  EXPECT_EQ(AofRewriteDoneTempFileName(123), "temp-rewriteaof-bg-123.aof");
}

// The pid of a process that has exited and been reaped.
pid_t DeadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status;
  ::waitpid(pid, &status, 0);
  return pid;
}

TEST(ChildTempFiles, RemovesOnlyFilesOfWritersThatAreGone) {
  std::string pattern = (std::filesystem::temp_directory_path() / "rill-temps-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string dir = pattern;
  const pid_t dead = DeadPid();
  ASSERT_FALSE(ProcessIsAlive(dead));
  ASSERT_TRUE(ProcessIsAlive(::getpid()));
  // A zombie is dead too (an orphaned child nobody reaped yet).
  const pid_t zombie = ::fork();
  if (zombie == 0) ::_exit(0);
  ASSERT_TRUE([&] {
    for (int i = 0; i < 200 && ProcessIsAlive(zombie); ++i) ::usleep(5000);
    return !ProcessIsAlive(zombie);
  }()) << "zombie "
       << zombie << " still counts as alive";

  const std::string d = std::to_string(dead), z = std::to_string(zombie);
  const std::string self = std::to_string(::getpid());
  const std::vector<std::string> stale = {"temp-" + d + ".rdb", "temp-rewriteaof-" + d + ".aof",
                                          "temp-rewriteaof-bg-" + d + ".aof", "temp-" + z + ".rdb"};
  const std::vector<std::string> kept = {"temp-" + self + ".rdb",  // a live writer (this process)
                                         "temp-1.rdb",             // init: alive
                                         "dump.rdb",
                                         "appendonly.aof",
                                         "temp-appendonly.aof.incr",
                                         "temp-abc.rdb",
                                         "temp-" + d + ".rdb.bak",
                                         "temp-+" + d + ".rdb",
                                         "temp--" + d + ".rdb",
                                         "temp-.rdb",
                                         "temp-" + d + "x.rdb",
                                         "temp-rewriteaof-bg-.aof",
                                         "xtemp-" + d + ".rdb",
                                         "temp-99999999999999.rdb"};
  for (const auto& name : stale) std::ofstream(dir + "/" + name) << "x";
  for (const auto& name : kept) std::ofstream(dir + "/" + name) << "x";
  std::filesystem::create_directory(dir + "/temp-" + d + "0.rdb");  // not a regular file

  std::vector<std::string> removed = RemoveStaleChildTempFiles(dir);
  std::sort(removed.begin(), removed.end());
  std::vector<std::string> expected = stale;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(removed, expected);
  for (const auto& name : stale) EXPECT_FALSE(std::filesystem::exists(dir + "/" + name)) << name;
  for (const auto& name : kept) EXPECT_TRUE(std::filesystem::exists(dir + "/" + name)) << name;
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/temp-" + d + "0.rdb"));
  int status;
  ::waitpid(zombie, &status, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rill
