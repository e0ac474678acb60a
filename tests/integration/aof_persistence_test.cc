// The append-only directory across restarts: what is replayed, how a truncated tail, a corrupt
// file or a bad manifest is handled (files left untouched when the server refuses to start),
// start-up without an AOF, migration of a pre-7.0 file, DEBUG LOADAOF, and CONFIG SET
// appendonly at run time. Runs against redis-server too with RILL_TEST_AGAINST_REDIS=1.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/aof_support.h"
#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

const std::vector<std::string> kAofOn = {"--appendonly", "yes", "--appendfsync", "always"};

// Every file of the AOF directory with its bytes.
std::map<std::string, std::string> DirContents(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    out[e.path().filename().string()] = ReadFileBytes(e.path().string());
  }
  return out;
}

std::string LastIncrPath(const std::string& aof_dir) {
  const std::string manifest = ReadManifest(aof_dir);
  size_t pos = manifest.rfind("file ");
  size_t end = manifest.find(' ', pos + 5);
  return aof_dir + "/" + manifest.substr(pos + 5, end - pos - 5);
}


class AofPersistenceTest : public ::testing::Test {
 protected:
  std::string aof_dir() const { return dir_.path() + "/appendonlydir"; }

  std::unique_ptr<ServerProcess> Start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = kAofOn;
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    auto server = StartServerOn(RillServerBinary(), dir_.path(), args, &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  // Starts a server that must refuse to start; returns its log.
  std::string ExpectRefusesToStart(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--dir", dir_.path()};
    args.insert(args.end(), kAofOn.begin(), kAofOn.end());
    args.insert(args.end(), extra.begin(), extra.end());
    ServerProcess server(RillServerBinary(), args);
    std::string error;
    EXPECT_FALSE(server.Start(&error)) << "the server started";
    return error;
  }

  // A server with a few writes in its INCR file, stopped.
  void WriteSomeAndStop() {
    auto server = Start();
    ASSERT_TRUE(server);
    auto c = ConnectTo(*server);
    ASSERT_EQ(c->Command({"SET", "a", "1"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"RPUSH", "l", "x", "y"}), ":2\r\n");
    ASSERT_EQ(c->Command({"SET", "b", "2"}), "+OK\r\n");
    server->Stop(SIGKILL);
  }

  DataDir dir_;
};

TEST_F(AofPersistenceTest, EveryTypeSurvivesARestartFromBaseAndIncrFiles) {
  for (const char* preamble : {"yes", "no"}) {
    SCOPED_TRACE(std::string("aof-use-rdb-preamble ") + preamble);
    DataDir dir;
    std::string error;
    std::vector<std::string> args = kAofOn;
    args.insert(args.end(), {"--aof-use-rdb-preamble", preamble});
    auto server = StartServerOn(RillServerBinary(), dir.path(), args, &error);
    ASSERT_TRUE(server) << error;
    auto c = ConnectTo(*server);
    FillEveryType(*c);
    // Half the data in a BASE, the rest (and changes to the first half) in the INCR file.
    ASSERT_EQ(c->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(
        WaitUntil([&] { return InfoField(*c, "persistence", "aof_rewrite_in_progress") == "0"; }));
    ASSERT_EQ(c->Command({"SELECT", "0"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"SET", "after:rewrite", "1", "EX", "1000"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"RPUSH", "after:list", "p", "q"}), ":2\r\n");
    ASSERT_EQ(c->Command({"INCRBYFLOAT", "after:float", "2.5"}), "$3\r\n2.5\r\n");
    const std::string expected = MaskSeenTimes(DescribeKeyspace(*c));
    server->Stop(SIGKILL);  // no shutdown work: what is on disk is what was acknowledged

    server = StartServerOn(RillServerBinary(), dir.path(), args, &error);
    ASSERT_TRUE(server) << error;
    c = ConnectTo(*server);
    EXPECT_EQ(MaskSeenTimes(DescribeKeyspace(*c)), expected);
    const std::string log = server->ReadLog();
    EXPECT_NE(log.find("DB loaded from base file appendonly.aof.2.base."), std::string::npos)
        << log;
    EXPECT_NE(log.find("DB loaded from incr file appendonly.aof.2.incr.aof"), std::string::npos)
        << log;
  }
}

TEST_F(AofPersistenceTest, TruncatedTailIsCutWhenAllowed) {
  WriteSomeAndStop();
  const std::string incr = LastIncrPath(aof_dir());
  const std::string good = ReadFileBytes(incr);
  // A command cut in the middle, as a crash during write(2) would leave it.
  WriteFileBytes(incr, good + "*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$5\r\nhel");
  auto server = Start({"--aof-load-truncated", "yes"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"GET", "b"}), "$1\r\n2\r\n");
  EXPECT_EQ(c->Command({"EXISTS", "z"}), ":0\r\n");
  const std::string log = server->ReadLog();
  EXPECT_NE(
      log.find("!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset " +
                     std::to_string(good.size()) + " !!!"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is "
                     "enabled"),
            std::string::npos);
  // New writes go after the cut: the file loads cleanly next time.
  EXPECT_EQ(c->Command({"SET", "c", "3"}), "+OK\r\n");
  server->Stop(SIGKILL);
  EXPECT_EQ(ReadFileBytes(incr).substr(0, good.size()), good);
  server = Start({"--aof-load-truncated", "no"});
  ASSERT_TRUE(server);
  EXPECT_EQ(ConnectTo(*server)->Command({"GET", "c"}), "$1\r\n3\r\n");
}

TEST_F(AofPersistenceTest, TruncatedTailRefusedWhenNotAllowedAndFilesUntouched) {
  WriteSomeAndStop();
  const std::string incr = LastIncrPath(aof_dir());
  WriteFileBytes(incr, ReadFileBytes(incr) + "*2\r\n$3\r\nDEL");
  const auto before = DirContents(aof_dir());
  const std::string log = ExpectRefusesToStart({"--aof-load-truncated", "no"});
  EXPECT_NE(log.find("Unexpected end of file reading the append only file "
                     "appendonly.aof.1.incr.aof. You can: 1) Make a backup of your AOF file, then "
                     "use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can "
                     "set the 'aof-load-truncated' configuration option to yes and restart the "
                     "server."),
            std::string::npos)
      << log;
  EXPECT_EQ(DirContents(aof_dir()), before);
}

TEST_F(AofPersistenceTest, TransactionWithoutExecAtTheEndIsReverted) {
  WriteSomeAndStop();
  const std::string incr = LastIncrPath(aof_dir());
  const std::string good = ReadFileBytes(incr);
  WriteFileBytes(incr, good + "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$2\r\nzz\r\n$1\r\n1\r\n");
  auto server = Start();
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"EXISTS", "zz"}), ":0\r\n");
  EXPECT_EQ(c->Command({"GET", "a"}), "$1\r\n1\r\n");
  EXPECT_NE(server->ReadLog().find(
                "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof"),
            std::string::npos);
  server->Stop(SIGKILL);
  EXPECT_EQ(ReadFileBytes(incr), good);
}

TEST_F(AofPersistenceTest, CorruptionInTheMiddleRefusesToStartAndLeavesFilesAlone) {
  WriteSomeAndStop();
  const std::string incr = LastIncrPath(aof_dir());
  std::string bytes = ReadFileBytes(incr);
  // Overwrite the '*' of the second command: not a command where one must start.
  const size_t second = bytes.find("*", 1);
  ASSERT_NE(second, std::string::npos);
  bytes[second] = 'X';
  WriteFileBytes(incr, bytes);
  const auto before = DirContents(aof_dir());
  for (const char* truncated_ok : {"yes", "no"}) {
    const std::string log = ExpectRefusesToStart({"--aof-load-truncated", truncated_ok});
    EXPECT_NE(log.find("Bad file format reading the append only file appendonly.aof.1.incr.aof: "
                       "make a backup of your AOF file, then use ./redis-check-aof --fix "
                       "<filename.manifest>"),
              std::string::npos)
        << log;
    EXPECT_EQ(DirContents(aof_dir()), before);
  }
}

TEST_F(AofPersistenceTest, UnknownCommandRefusesToStart) {
  WriteSomeAndStop();
  const std::string incr = LastIncrPath(aof_dir());
  WriteFileBytes(incr, ReadFileBytes(incr) + "*2\r\n$7\r\nNOSUCHC\r\n$1\r\nk\r\n");
  const auto before = DirContents(aof_dir());
  const std::string log = ExpectRefusesToStart();
  EXPECT_NE(log.find("Unknown command 'NOSUCHC' reading the append only file "
                     "appendonly.aof.1.incr.aof"),
            std::string::npos)
      << log;
  EXPECT_EQ(DirContents(aof_dir()), before);
}

TEST_F(AofPersistenceTest, BadManifestsRefuseToStartEvenWithAppendonlyNo) {
  WriteSomeAndStop();
  const std::string manifest_path = aof_dir() + "/appendonly.aof.manifest";
  const std::string good = ReadFileBytes(manifest_path);
  struct Case {
    std::string manifest;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "Found an empty AOF manifest"},
      {"garbage\n", "Invalid AOF manifest file format"},
      {good + "\n", "Invalid AOF manifest file format"},
      {"file ../escape seq 1 type b\n", "File can't be a path, just a filename"},
      {good + "file appendonly.aof.9.base.rdb seq 9 type b\n",
       "Found duplicate base file information"},
      {good + "file appendonly.aof.1.incr.aof seq 1 type i\n",
       "Found a non-monotonic sequence number"},
      {"file appendonly.aof.1.incr.aof seq 1 type q\n", "Unknown AOF file type"},
      {good.substr(0, good.size() - 1), "The AOF manifest file contains too long line"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    WriteFileBytes(manifest_path, c.manifest);
    const auto before = DirContents(aof_dir());
    for (const char* appendonly : {"yes", "no"}) {
      const std::string log = ExpectRefusesToStart({"--appendonly", appendonly});
      EXPECT_NE(log.find("*** FATAL AOF MANIFEST FILE ERROR ***"), std::string::npos) << log;
      EXPECT_NE(log.find(c.message), std::string::npos) << log;
      EXPECT_EQ(DirContents(aof_dir()), before);
    }
  }
  // A file the manifest lists but the directory lacks.
  WriteFileBytes(manifest_path, good + "file appendonly.aof.2.incr.aof seq 2 type i\n");
  const auto before = DirContents(aof_dir());
  const std::string log = ExpectRefusesToStart();
  EXPECT_NE(log.find("Unable to obtain the AOF file appendonly.aof.2.incr.aof length. stat: "),
            std::string::npos)
      << log;
  EXPECT_EQ(DirContents(aof_dir()), before);
}

TEST_F(AofPersistenceTest, TruncatedFileBeforeTheLastOneIsFatal) {
  // A BASE in AOF form that ends inside a command, followed by an INCR file: only the last
  // file may be cut, so the server refuses and changes nothing. (Redis cuts the BASE before
  // refusing, so that its next start loads a shortened file: a deliberate difference.)
  if (TestingAgainstRedis()) GTEST_SKIP() << "Redis cuts the file before refusing";
  WriteSomeAndStop();
  WriteFileBytes(aof_dir() + "/appendonly.aof.1.base.aof", "*2\r\n$3\r\nDEL\r\n$1");
  WriteFileBytes(aof_dir() + "/appendonly.aof.manifest",
                 "file appendonly.aof.1.base.aof seq 1 type b\n"
                 "file appendonly.aof.1.incr.aof seq 1 type i\n");
  const auto before = DirContents(aof_dir());
  const std::string log = ExpectRefusesToStart({"--aof-load-truncated", "yes"});
  EXPECT_NE(log.find("Fatal error: the truncated file is not the last file"), std::string::npos)
      << log;
  EXPECT_EQ(DirContents(aof_dir()), before);
}

TEST_F(AofPersistenceTest, StartingWithoutAnAofCreatesBaseAndIncrAndIgnoresTheRdb) {
  {
    std::string error;
    auto server = StartServerOn(RillServerBinary(), dir_.path(), {}, &error);
    ASSERT_TRUE(server) << error;
    auto c = ConnectTo(*server);
    ASSERT_EQ(c->Command({"SET", "in:rdb", "1"}), "+OK\r\n");
    ASSERT_EQ(c->Command({"SAVE"}), "+OK\r\n");
  }
  auto server = Start();
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  // As Redis: with appendonly yes only the AOF counts, and there is none yet.
  EXPECT_EQ(c->Command({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  const std::string log = server->ReadLog();
  EXPECT_NE(log.find("Creating AOF base file appendonly.aof.1.base.rdb on server start"),
            std::string::npos);
  EXPECT_NE(log.find("Creating AOF incr file appendonly.aof.1.incr.aof on server start"),
            std::string::npos);
}

TEST_F(AofPersistenceTest, OldStyleAppendOnlyFileIsMigratedIntoTheDirectory) {
  WriteFileBytes(dir_.File("appendonly.aof"),
                 "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$3\r\nyes\r\n");
  auto server = Start();
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"GET", "old"}), "$3\r\nyes\r\n");
  EXPECT_FALSE(FileExists(dir_.File("appendonly.aof")));
  EXPECT_TRUE(FileExists(aof_dir() + "/appendonly.aof"));
  EXPECT_EQ(ReadManifest(aof_dir()),
            "file appendonly.aof seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  EXPECT_NE(server->ReadLog().find("Successfully migrated an old-style AOF file (appendonly.aof) "
                                   "into the AOF directory (appendonlydir)."),
            std::string::npos);
}

TEST_F(AofPersistenceTest, DebugLoadAofReloadsWhatIsOnDisk) {
  auto server = Start({"--enable-debug-command", "yes"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  FillEveryType(*c);
  const std::string expected = MaskAofReplayDrift(DescribeKeyspace(*c));
  EXPECT_EQ(c->Command({"DEBUG", "LOADAOF"}), "+OK\r\n");
  EXPECT_TRUE(MaskAofReplayDrift(DescribeKeyspace(*c)) == expected);
  // The reload is not logged again.
  const size_t before = ReadIncrCommands(aof_dir()).size();
  EXPECT_EQ(c->Command({"DEBUG", "LOADAOF"}), "+OK\r\n");
  EXPECT_EQ(ReadIncrCommands(aof_dir()).size(), before);
}

TEST_F(AofPersistenceTest, ConfigSetAppendonlyAtRunTime) {
  std::string error;
  auto server = StartServerOn(RillServerBinary(), dir_.path(), {}, &error);
  ASSERT_TRUE(server) << error;
  auto c = ConnectTo(*server);
  ASSERT_EQ(c->Command({"SET", "before", "1"}), "+OK\r\n");
  EXPECT_EQ(InfoField(*c, "persistence", "aof_enabled"), "0");
  ASSERT_EQ(c->Command({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
  // Turning on writes a BASE with the data so far, in a rewrite.
  ASSERT_TRUE(WaitUntil([&] {
    return ReadManifest(aof_dir()) ==
           "file appendonly.aof.1.base.rdb seq 1 type b\n"
           "file appendonly.aof.1.incr.aof seq 1 type i\n";
  })) << ReadManifest(aof_dir());
  EXPECT_EQ(InfoField(*c, "persistence", "aof_enabled"), "1");
  ASSERT_EQ(c->Command({"SET", "while:on", "1"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"CONFIG", "SET", "appendonly", "no"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "while:off", "1"}), "+OK\r\n");
  const std::vector<AofCommand> logged = ReadIncrCommands(aof_dir());
  ASSERT_FALSE(logged.empty());
  EXPECT_EQ(logged.back(), (AofCommand{"SET", "while:on", "1"}));
  server->Stop(SIGKILL);
  server = Start();
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"MGET", "before", "while:on", "while:off"}),
            "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n");
}

TEST_F(AofPersistenceTest, EvictedKeysAreLoggedAsDeletionsAndStayGoneAfterARestart) {
  // appendfsync no: written before each reply all the same, without 5,000 fsyncs.
  auto server =
      Start({"--maxmemory", "2mb", "--maxmemory-policy", "allkeys-random", "--appendfsync", "no"});
  ASSERT_TRUE(server);
  auto c = ConnectTo(*server);
  const std::string value(1000, 'v');
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(c->Command({"SET", "key:" + std::to_string(i), value}), "+OK\r\n");
  }
  const std::string info = c->Command({"INFO", "stats"});
  ASSERT_EQ(info.find("evicted_keys:0\r\n"), std::string::npos) << "nothing was evicted";
  const std::string keys_before = c->Command({"DBSIZE"});
  size_t deletions = 0;
  for (const AofCommand& command : ReadIncrCommands(aof_dir())) {
    if (command[0] == "DEL" || command[0] == "UNLINK") ++deletions;
  }
  EXPECT_EQ(":" + std::to_string(5000 - deletions) + "\r\n", keys_before);
  server->Stop(SIGTERM);

  // Replayed without a cap: exactly the keys that were left, not the 5,000 written.
  server = Start();
  ASSERT_TRUE(server);
  c = ConnectTo(*server);
  EXPECT_EQ(c->Command({"DBSIZE"}), keys_before);
}

}  // namespace
}  // namespace rill::testing
