// Append-only directories between Rill and redis-server 7.0, both ways, and redis-check-aof
// on what Rill writes.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/aof_support.h"
#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::copy(
      from, to,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

// Writes whose logged form differs from what was sent: relative expiries, float arithmetic,
// automatic IDs, approximate trimming, blocking pops, group reads, claims.
void RewrittenForms(RespClient& c) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"SELECT", "2"},
           {"SET", "w:ex", "1", "EX", "5000"},
           {"SETEX", "w:setex", "5000", "v"},
           {"SET", "w:get", "1"},
           {"SET", "w:get", "2", "GET"},
           {"INCRBYFLOAT", "w:float", "1.25"},
           {"INCRBYFLOAT", "w:float", "3e2"},
           {"EXPIRE", "w:float", "5000"},
           {"GETEX", "w:get", "PX", "5000000"},
           {"GETSET", "w:getset", "x"},
           {"RPUSH", "w:list", "a", "b", "c", "d", "e"},
           {"BLPOP", "w:list", "0"},
           {"BLMOVE", "w:list", "w:list2", "RIGHT", "LEFT", "0"},
           {"BLMPOP", "0", "1", "w:list", "LEFT", "COUNT", "2"},
           {"XADD", "w:stream", "*", "f", "v"},
           {"XADD", "w:stream", "MAXLEN", "~", "1", "*", "f", "v"},
           {"XADD", "w:stream", "*", "f", "v"},
           {"XGROUP", "CREATE", "w:stream", "g", "0"},
           {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "w:stream", ">"},
           {"XREADGROUP", "GROUP", "g", "c2", "NOACK", "STREAMS", "w:stream", ">"},
           {"XCLAIM", "w:stream", "g", "c3", "0", "0-1", "99999999999999-0"},
           {"XAUTOCLAIM", "w:stream", "g", "c4", "0", "0"},
           {"SELECT", "0"},
       }) {
    const std::string reply = c.Command(argv);
    ASSERT_FALSE(reply.empty() || reply[0] == '-') << argv[0] << " -> " << EscapeBytes(reply);
  }
}

class AofInterchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
  }

  std::unique_ptr<ServerProcess> Start(const std::string& binary, const DataDir& dir,
                                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--appendonly", "yes", "--appendfsync", "always"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    auto server = StartServerOn(binary, dir.path(), args, &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  static void RewriteAndWait(RespClient& c) {
    ASSERT_EQ(c.Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(
        WaitUntil([&] { return InfoField(c, "persistence", "aof_rewrite_in_progress") == "0"; }));
    ASSERT_EQ(InfoField(c, "persistence", "aof_last_bgrewrite_status"), "ok");
  }

  // Writes the standard dataset with `writer`, rewrites, writes more; then loads copies of the
  // directory in both servers. Both loads must agree exactly (up to consumers' seen-times,
  // which a replay sets), and with the writer's live data up to Redis 7.0's replay drift.
  void ExpectBothLoadTheSame(const std::string& writer_binary,
                             const std::vector<std::string>& writer_args) {
    DataDir dir, for_rill, for_redis;
    auto writer = Start(writer_binary, dir, writer_args);
    ASSERT_TRUE(writer);
    auto wc = ConnectTo(*writer);
    FillEveryType(*wc);
    RewriteAndWait(*wc);
    RewrittenForms(*wc);
    const std::string live = DescribeKeyspace(*wc);
    writer->Stop(SIGKILL);
    CopyDir(dir.path(), for_rill.path());
    CopyDir(dir.path(), for_redis.path());

    auto redis = Start(RedisServerBinary(), for_redis);
    ASSERT_TRUE(redis);
    auto rill = Start(RillServerBinary(), for_rill);
    ASSERT_TRUE(rill);
    const std::string in_redis = DescribeKeyspace(*ConnectTo(*redis));
    const std::string in_rill = DescribeKeyspace(*ConnectTo(*rill));
    EXPECT_TRUE(MaskSeenTimes(in_rill) == MaskSeenTimes(in_redis))
        << "Rill and Redis loaded the same directory differently";
    EXPECT_TRUE(MaskAofReplayDrift(in_redis) == MaskAofReplayDrift(live))
        << "the loaded data differs from what the writer had";
  }
};

TEST_F(AofInterchangeTest, RillDirectoryLoadsInRedisAsInRill) {
  for (const char* preamble : {"yes", "no"}) {
    SCOPED_TRACE(std::string("aof-use-rdb-preamble ") + preamble);
    ExpectBothLoadTheSame(RillServerBinary(), {"--aof-use-rdb-preamble", preamble});
  }
}

TEST_F(AofInterchangeTest, RedisDirectoryLoadsInRillAsInRedis) {
  for (const char* preamble : {"yes", "no"}) {
    SCOPED_TRACE(std::string("aof-use-rdb-preamble ") + preamble);
    ExpectBothLoadTheSame(RedisServerBinary(), {"--aof-use-rdb-preamble", preamble});
  }
}

TEST_F(AofInterchangeTest, RedisCheckAofAcceptsEveryDirectoryRillWrites) {
  struct Variant {
    const char* name;
    std::vector<std::string> args;
    bool rewrite;
  };
  const Variant variants[] = {
      {"first start (RDB base, INCR)", {}, false},
      {"after a rewrite with RDB preamble", {}, true},
      {"after a rewrite without preamble", {"--aof-use-rdb-preamble", "no"}, true},
      {"timestamp annotations", {"--aof-timestamp-enabled", "yes"}, true},
  };
  for (const Variant& v : variants) {
    SCOPED_TRACE(v.name);
    DataDir dir;
    auto rill = Start(RillServerBinary(), dir, v.args);
    ASSERT_TRUE(rill);
    auto c = ConnectTo(*rill);
    FillEveryType(*c);
    if (v.rewrite) RewriteAndWait(*c);
    RewrittenForms(*c);
    std::string output;
    EXPECT_TRUE(RedisCheckAof(dir.path() + "/appendonlydir", &output)) << output;
  }
  // A directory created by CONFIG SET appendonly yes at run time.
  DataDir dir;
  std::string error;
  auto rill = StartServerOn(RillServerBinary(), dir.path(), {}, &error);
  ASSERT_TRUE(rill) << error;
  auto c = ConnectTo(*rill);
  FillEveryType(*c);
  ASSERT_EQ(c->Command({"CONFIG", "SET", "appendonly", "yes"}), "+OK\r\n");
  ASSERT_TRUE(WaitUntil([&] {
    return InfoField(*c, "persistence", "aof_rewrite_in_progress") == "0" &&
           InfoField(*c, "persistence", "aof_rewrites") == "1";
  }));
  RewrittenForms(*c);
  std::string output;
  EXPECT_TRUE(RedisCheckAof(dir.path() + "/appendonlydir", &output)) << output;
}

}  // namespace
}  // namespace rill::testing
