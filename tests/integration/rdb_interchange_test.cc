// RDB files between Rill and redis-server 7.0, both ways, and files Rill must refuse.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

class RdbInterchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
  }

  // Starts a server of `binary` on `dir`; fails the test if it does not come up.
  std::unique_ptr<ServerProcess> Start(const std::string& binary, const DataDir& dir,
                                       std::vector<std::string> args = {}) {
    std::string error;
    auto server = StartServerOn(binary, dir.path(), std::move(args), &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  void ExpectRedisCheckAccepts(const std::string& path) {
    std::string output;
    EXPECT_TRUE(RedisCheckRdb(path, &output)) << output;
  }
};

TEST_F(RdbInterchangeTest, RillSnapshotLoadsInRedisWithSameContent) {
  for (bool compression : {true, false}) {
    SCOPED_TRACE(compression ? "rdbcompression yes" : "rdbcompression no, rdbchecksum no");
    DataDir dir;
    std::vector<std::string> args;
    if (!compression) args = {"--rdbcompression", "no", "--rdbchecksum", "no"};
    auto rill = Start(RillServerBinary(), dir, args);
    ASSERT_TRUE(rill);
    auto rc = ConnectTo(*rill);
    ASSERT_TRUE(rc);
    FillEveryType(*rc);
    const std::string expected = DescribeKeyspace(*rc);
    ASSERT_EQ(rc->Command({"SAVE"}), "+OK\r\n");
    ExpectRedisCheckAccepts(dir.File("dump.rdb"));
    rill->Stop(SIGKILL);

    // Deep sanitization makes redis-server validate every listpack as it loads.
    auto redis = Start(RedisServerBinary(), dir, {"--sanitize-dump-payload", "yes"});
    ASSERT_TRUE(redis);
    auto redis_client = ConnectTo(*redis);
    ASSERT_TRUE(redis_client);
    EXPECT_EQ(DescribeKeyspace(*redis_client), expected);
    EXPECT_NE(redis->ReadLog().find("Done loading RDB, keys loaded: 34, keys expired: 0."),
              std::string::npos)
        << redis->ReadLog();
  }
}

// With an LRU or LFU policy both servers keep each key's idle time or counter in the file
// (RDB_OPCODE_IDLE / RDB_OPCODE_FREQ): same file size, and Redis reads back what Rill kept.
TEST_F(RdbInterchangeTest, AccessRecordsOfLruAndLfuPoliciesTravelWithTheKeys) {
  for (const char* policy : {"allkeys-lru", "allkeys-lfu"}) {
    SCOPED_TRACE(policy);
    // lfu-decay-time 0: a minute boundary during the test would take one off the counters.
    const std::vector<std::string> args = {"--maxmemory-policy", policy, "--lfu-decay-time", "0"};
    DataDir rill_dir;
    DataDir redis_dir;
    auto rill = Start(RillServerBinary(), rill_dir, args);
    auto redis = Start(RedisServerBinary(), redis_dir, args);
    ASSERT_TRUE(rill && redis);
    auto rc = ConnectTo(*rill);
    auto dc = ConnectTo(*redis);
    for (auto* c : {rc.get(), dc.get()}) {
      ASSERT_EQ(c->Command({"SET", "cold", "1"}), "+OK\r\n");
      ASSERT_EQ(c->Command({"SET", "hot", "2"}), "+OK\r\n");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    for (int i = 0; i < 200; ++i) ASSERT_EQ(rc->Command({"GET", "hot"}), "$1\r\n2\r\n");
    const std::string rill_freq = rc->Command({"OBJECT", "FREQ", "hot"});
    ASSERT_EQ(rc->Command({"SAVE"}), "+OK\r\n");
    ASSERT_EQ(dc->Command({"SAVE"}), "+OK\r\n");
    EXPECT_EQ(std::filesystem::file_size(rill_dir.File("dump.rdb")),
              std::filesystem::file_size(redis_dir.File("dump.rdb")));
    ExpectRedisCheckAccepts(rill_dir.File("dump.rdb"));
    rill->Stop(SIGKILL);
    redis->Stop(SIGKILL);

    auto loaded = Start(RedisServerBinary(), rill_dir, args);
    ASSERT_TRUE(loaded);
    auto lc = ConnectTo(*loaded);
    if (std::string(policy) == "allkeys-lru") {
      const std::string idle = lc->Command({"OBJECT", "IDLETIME", "cold"});
      ASSERT_EQ(idle.front(), ':') << idle;
      EXPECT_GE(std::stoll(idle.substr(1)), 2) << "the idle time was not kept";
      const std::string hot_idle = lc->Command({"OBJECT", "IDLETIME", "hot"});
      EXPECT_TRUE(hot_idle == ":0\r\n" || hot_idle == ":1\r\n") << hot_idle;
    } else {
      ASSERT_NE(rill_freq, ":5\r\n") << "200 reads did not raise the counter";
      EXPECT_EQ(lc->Command({"OBJECT", "FREQ", "hot"}), rill_freq);
      EXPECT_EQ(lc->Command({"OBJECT", "FREQ", "cold"}), ":5\r\n");
    }
  }
}

// The other way: Redis keeps idle times and counters in its file (set here through RESTORE's
// IDLETIME and FREQ, so that no test waits for keys to age), and Rill, loading it with the
// same kind of policy, reports them; with the other kind it ignores them, as Redis does.
TEST_F(RdbInterchangeTest, RillKeepsTheAccessRecordsOfARedisFile) {
  // lfu-decay-time 0: a minute boundary during the test would take one off the counters.
  auto args = [](const char* policy) {
    return std::vector<std::string>{"--maxmemory-policy",     policy, "--lfu-decay-time", "0",
                                    "--enable-debug-command", "yes"};
  };
  using Records = std::vector<std::pair<std::string, int64_t>>;
  // Idle seconds: 10 million (116 days) reaches back across the wrap of the 24-bit LRU clock
  // during part of each of its 194-day turns; either way it must read back whole.
  const Records idle_times = {{"str", 1000}, {"list", 200}, {"edge", 10'000'000}};
  const Records counters = {{"str", 77}, {"list", 200}, {"edge", 0}};

  auto fill = [](RespClient& c, const char* option, const Records& records) {
    ASSERT_EQ(c.Command({"SET", "str", "v"}), "+OK\r\n");
    ASSERT_EQ(c.Command({"RPUSH", "list", "a", "b"}), ":2\r\n");
    ASSERT_EQ(c.Command({"SET", "edge", "1"}), "+OK\r\n");
    ASSERT_EQ(c.Command({"SET", "fresh", "v"}), "+OK\r\n");
    for (const auto& [key, value] : records) {
      const std::string dump = c.Command({"DUMP", key});
      const size_t body = dump.find("\r\n") + 2;
      ASSERT_TRUE(dump.starts_with("$") && body > 2 && dump.size() >= body + 2)
          << EscapeBytes(dump);
      const std::string payload = dump.substr(body, dump.size() - body - 2);
      ASSERT_EQ(c.Command({"RESTORE", key, "0", payload, "REPLACE", option, std::to_string(value)}),
                "+OK\r\n");
    }
  };
  // Idle times: at least what was recorded (the clock only moves on), and not much more.
  auto expect_idle = [&](RespClient& c) {
    for (const auto& [key, value] : idle_times) {
      const int64_t idle = IntegerReply(c, {"OBJECT", "IDLETIME", key});
      EXPECT_GE(idle, value) << key;
      EXPECT_LE(idle, value + 60) << key;
    }
    EXPECT_LE(IntegerReply(c, {"OBJECT", "IDLETIME", "fresh"}), 60);
  };
  auto expect_counters = [&](RespClient& c) {
    for (const auto& [key, value] : counters) {
      EXPECT_EQ(IntegerReply(c, {"OBJECT", "FREQ", key}), value) << key;
    }
    EXPECT_EQ(IntegerReply(c, {"OBJECT", "FREQ", "fresh"}), 5);
  };

  for (bool lfu : {false, true}) {
    const char* policy = lfu ? "allkeys-lfu" : "allkeys-lru";
    SCOPED_TRACE(policy);
    auto expect_kept = [&](RespClient& c) { lfu ? expect_counters(c) : expect_idle(c); };
    DataDir dir, copy;
    auto redis = Start(RedisServerBinary(), dir, args(policy));
    ASSERT_TRUE(redis);
    auto dc = ConnectTo(*redis);
    fill(*dc, lfu ? "FREQ" : "IDLETIME", lfu ? counters : idle_times);
    expect_kept(*dc);
    ASSERT_EQ(dc->Command({"SAVE"}), "+OK\r\n");
    redis->Stop(SIGKILL);
    WriteFileBytes(copy.File("dump.rdb"), ReadFileBytes(dir.File("dump.rdb")));

    auto rill = Start(RillServerBinary(), dir, args(policy));
    ASSERT_TRUE(rill);
    auto rc = ConnectTo(*rill);
    expect_kept(*rc);
    // Rill writes them back and reads them again.
    ASSERT_EQ(rc->Command({"DEBUG", "RELOAD"}), "+OK\r\n");
    expect_kept(*rc);

    // A policy of the other kind has no use for them: the keys are as new.
    auto other = Start(RillServerBinary(), copy, args(lfu ? "allkeys-lru" : "allkeys-lfu"));
    ASSERT_TRUE(other);
    auto oc = ConnectTo(*other);
    for (const auto& [key, value] : idle_times) {
      if (lfu) {
        EXPECT_LE(IntegerReply(*oc, {"OBJECT", "IDLETIME", key}), 60) << key;
      } else {
        EXPECT_EQ(IntegerReply(*oc, {"OBJECT", "FREQ", key}), 5) << key;
      }
    }
  }
}

TEST_F(RdbInterchangeTest, StreamNodesBehaveTheSameAfterTheTrip) {
  // Approximate trimming removes whole nodes and appends decide when a node is full: both
  // depend on the node layout, which must survive the file exactly, in both directions.
  auto same_behaviour = [](RespClient& writer, RespClient& loader) {
    for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
             {"XTRIM", "stream:main", "MAXLEN", "~", "150"},
             {"XADD", "stream:main", "1700000001000-0", "field", "new"},
             {"XADD", "stream:main", "1700000001000-1", "other", "shape"},
             {"XINFO", "STREAM", "stream:main", "FULL"},
             {"XTRIM", "stream:main", "MINID", "~", "1700000000090"},
             {"XINFO", "STREAM", "stream:main"},
         }) {
      EXPECT_EQ(EscapeBytes(writer.Command(cmd)), EscapeBytes(loader.Command(cmd)))
          << cmd[0] << " " << cmd[1];
    }
  };
  for (bool rill_writes : {true, false}) {
    SCOPED_TRACE(rill_writes ? "Rill writes, Redis loads" : "Redis writes, Rill loads");
    const std::string& writer_binary = rill_writes ? RillServerBinary() : RedisServerBinary();
    const std::string& loader_binary = rill_writes ? RedisServerBinary() : RillServerBinary();
    DataDir dir, copy;
    auto writer = Start(writer_binary, dir);
    ASSERT_TRUE(writer);
    auto wc = ConnectTo(*writer);
    FillEveryType(*wc);
    ASSERT_EQ(wc->Command({"SAVE"}), "+OK\r\n");
    WriteFileBytes(copy.File("dump.rdb"), ReadFileBytes(dir.File("dump.rdb")));
    auto loader = Start(loader_binary, copy);
    ASSERT_TRUE(loader);
    auto lc = ConnectTo(*loader);
    same_behaviour(*wc, *lc);
  }
}

TEST_F(RdbInterchangeTest, RedisSnapshotLoadsInRillWithSameContent) {
  struct Variant {
    const char* name;
    std::vector<std::string> redis_args;
  };
  const Variant variants[] = {
      {"defaults", {}},
      // Many small quicklist nodes, each compressed with LZF when it pays.
      {"list-max-listpack-size 4, rdbcompression yes", {"--list-max-listpack-size", "4"}},
      {"rdbchecksum no, rdbcompression no", {"--rdbchecksum", "no", "--rdbcompression", "no"}},
  };
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    DataDir dir;
    auto redis = Start(RedisServerBinary(), dir, v.redis_args);
    ASSERT_TRUE(redis);
    auto redis_client = ConnectTo(*redis);
    FillEveryType(*redis_client);
    // Long compressible list elements: LZF inside quicklist nodes.
    std::vector<std::string> push = {"RPUSH", "list:compressible"};
    for (int i = 0; i < 40; ++i) push.push_back(std::string(300, 'c') + std::to_string(i));
    ASSERT_EQ(redis_client->Command(push), ":40\r\n");
    const std::string expected = DescribeKeyspace(*redis_client);
    ASSERT_EQ(redis_client->Command({"SAVE"}), "+OK\r\n");
    redis->Stop(SIGKILL);

    auto rill = Start(RillServerBinary(), dir);
    ASSERT_TRUE(rill);
    auto rc = ConnectTo(*rill);
    EXPECT_EQ(DescribeKeyspace(*rc), expected);
    EXPECT_NE(rill->ReadLog().find("Loading RDB produced by version 7.0.15"), std::string::npos);
    EXPECT_NE(rill->ReadLog().find("Done loading RDB, keys loaded: 35, keys expired: 0."),
              std::string::npos)
        << rill->ReadLog();
  }
}

TEST_F(RdbInterchangeTest, ExpiredKeysInAFileAreNotLoaded) {
  DataDir dir;
  auto redis = Start(RedisServerBinary(), dir, {"--enable-debug-command", "yes"});
  ASSERT_TRUE(redis);
  auto c = ConnectTo(*redis);
  ASSERT_EQ(c->Command({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "gone", "v", "PX", "50"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"SET", "stays", "v"}), "+OK\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(c->Command({"SAVE"}), "+OK\r\n");  // the expired key is still in the file
  redis->Stop(SIGKILL);
  auto rill = Start(RillServerBinary(), dir);
  ASSERT_TRUE(rill);
  auto rc = ConnectTo(*rill);
  EXPECT_EQ(rc->Command({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(InfoField(*rc, "persistence", "rdb_last_load_keys_expired"), "1");
  EXPECT_EQ(InfoField(*rc, "persistence", "rdb_last_load_keys_loaded"), "1");
}

// Files Rill must refuse: it exits with a message naming the problem and leaves the file as
// it was, so nothing is lost by a later save over it.
class RdbBadFileTest : public RdbInterchangeTest {
 protected:
  std::string GoodFile() {
    DataDir dir;
    auto rill = Start(RillServerBinary(), dir);
    if (!rill) return "";
    auto rc = ConnectTo(*rill);
    FillEveryType(*rc);
    EXPECT_EQ(rc->Command({"SAVE"}), "+OK\r\n");
    return ReadFileBytes(dir.File("dump.rdb"));
  }

  // Starts Rill on a directory holding `bytes` as dump.rdb; expects a refusal whose log holds
  // `message`, and the file untouched.
  void ExpectRefused(const std::string& bytes, const std::string& message) {
    DataDir dir;
    WriteFileBytes(dir.File("dump.rdb"), bytes);
    ServerProcess rill(RillServerBinary(), {"--dir", dir.path(), "--save", "1 1"});
    std::string error;
    EXPECT_FALSE(rill.Start(&error)) << "started on a bad file";
    EXPECT_NE(error.find("Fatal error loading the DB (dump.rdb): " + message), std::string::npos)
        << error;
    EXPECT_TRUE(ReadFileBytes(dir.File("dump.rdb")) == bytes) << "the file was changed";
  }
};

TEST_F(RdbBadFileTest, BadChecksum) {
  std::string file = GoodFile();
  ASSERT_FALSE(file.empty());
  file[file.size() - 2] ^= 0x01;
  ExpectRefused(file, "wrong RDB checksum (stored ");
}

TEST_F(RdbBadFileTest, TruncatedAtSeveralPoints) {
  const std::string file = GoodFile();
  ASSERT_GT(file.size(), 1000u);
  for (size_t len :
       {size_t{9}, size_t{40}, size_t{200}, file.size() / 2, file.size() - 9, file.size() - 1}) {
    SCOPED_TRACE(len);
    // Where the cut falls decides whether a read runs off the end or a count is seen that the
    // bytes left cannot hold; both are reported as truncation.
    ExpectRefused(file.substr(0, len), "unexpected end of file (the file is truncated)");
  }
  ExpectRefused(file.substr(0, 4), "wrong signature (not an RDB file) at offset 0");
}

TEST_F(RdbBadFileTest, Garbage) {
  std::mt19937 rng(2024);
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>(rng()));
  ExpectRefused(garbage, "wrong signature (not an RDB file) at offset 0");
  ExpectRefused("REDIS0010" + garbage, "");
  ExpectRefused("this is not a database\n", "wrong signature");
}

// A FUNCTION library in Redis's file (RDB_OPCODE_FUNCTION2) loads with the keys, and runs.
TEST_F(RdbInterchangeTest, FunctionLibraryFromRedisLoadsAndRuns) {
  DataDir dir;
  auto redis = Start(RedisServerBinary(), dir);
  ASSERT_TRUE(redis);
  auto c = ConnectTo(*redis);
  ASSERT_EQ(c->Command({"SET", "fine", "v"}), "+OK\r\n");
  ASSERT_EQ(c->Command({"FUNCTION", "LOAD",
                        "#!lua name=mylib\nredis.register_function('f', function(keys) return "
                        "redis.call('get', keys[1]) end)"}),
            "$5\r\nmylib\r\n");
  ASSERT_EQ(c->Command({"SAVE"}), "+OK\r\n");
  redis->Stop(SIGKILL);
  auto rill = Start(RillServerBinary(), dir);
  ASSERT_TRUE(rill);
  auto rc = ConnectTo(*rill);
  EXPECT_EQ(rc->Command({"FCALL", "f", "1", "fine"}), "$1\r\nv\r\n");
  EXPECT_EQ(rc->Command({"FUNCTION", "LIST", "LIBRARYNAME", "mylib"}).substr(0, 4), "*1\r\n");
}

// A library that does not compile is refused with the load, as Redis refuses it.
TEST_F(RdbBadFileTest, FunctionLibraryThatDoesNotCompile) {
  DataDir dir;
  auto redis = Start(RedisServerBinary(), dir);
  ASSERT_TRUE(redis);
  auto c = ConnectTo(*redis);
  ASSERT_EQ(c->Command({"FUNCTION", "LOAD",
                        "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"}),
            "$5\r\nmylib\r\n");
  ASSERT_EQ(c->Command({"SAVE"}), "+OK\r\n");
  redis->Stop(SIGKILL);
  std::string bytes = ReadFileBytes(dir.File("dump.rdb"));
  // Break the code in place (same length, so the string's header stays right) and drop the
  // checksum (8 zero bytes: not checked, as Redis does).
  const size_t at = bytes.find("return 1 end");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 12, "return 1 enx");
  bytes.replace(bytes.size() - 8, 8, std::string(8, '\0'));
  DataDir bad;
  WriteFileBytes(bad.File("dump.rdb"), bytes);
  ServerProcess rill(RillServerBinary(), {"--dir", bad.path(), "--save", "1 1"});
  std::string error;
  EXPECT_FALSE(rill.Start(&error)) << "started on a bad file";
  EXPECT_NE(error.find("Failed loading library"), std::string::npos) << error;
  EXPECT_TRUE(ReadFileBytes(bad.File("dump.rdb")) == bytes) << "the file was changed";
}

}  // namespace
}  // namespace rill::testing
