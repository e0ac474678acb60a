// Sorted sets in RDB files between redis-server 7.0 and Rill, both ways: Redis writes them
// (listpack and skiplist encodings), Rill loads and saves them, redis-check-rdb accepts Rill's
// file and Redis reads back the same members, scores and encodings.
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "tests/support/persistence_support.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

const std::vector<std::string> kKeys = {"small", "big", "long", "ints"};

void Fill(RespClient& c) {
  ASSERT_EQ(c.Command({"ZADD", "small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "-0", "z",
                       "100000", "12345", "1e17", "e", "1.5e300", "g"}),
            ":8\r\n");
  for (int i = 0; i < 300; ++i) {
    c.Command({"ZADD", "big", std::to_string(i % 41) + ".25", "member:" + std::to_string(i)});
  }
  c.Command({"ZADD", "big", "-0", "negzero", "-inf", "low", "inf", "high"});
  c.Command({"ZADD", "long", "3", std::string(100, 'x'), "4", "y"});
  for (int i = 0; i < 20; ++i)
    c.Command({"ZADD", "ints", std::to_string(i * 1000), std::to_string(i)});
}

// Members, scores and encoding of every key, as Redis answers (the one oracle for both files).
std::string Describe(RespClient& c) {
  std::string out;
  for (const std::string& key : kKeys) {
    out += key + " " + c.Command({"OBJECT", "ENCODING", key}) +
           c.Command({"ZRANGE", key, "0", "-1", "WITHSCORES"}) + "\n";
  }
  return out;
}

TEST(RdbZSetInterchangeTest, RedisFileThroughRillBackToRedis) {
  if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
  DataDir dir;
  std::string error;
  auto redis = StartServerOn(RedisServerBinary(), dir.path(), {}, &error);
  ASSERT_NE(redis, nullptr) << error;
  auto dc = ConnectTo(*redis);
  ASSERT_TRUE(dc);
  Fill(*dc);
  const std::string expected = Describe(*dc);
  std::vector<std::string> encodings;
  for (const std::string& key : kKeys)
    encodings.push_back(dc->Command({"OBJECT", "ENCODING", key}));
  ASSERT_NE(expected.find("small $8\r\nlistpack"), std::string::npos) << expected;
  ASSERT_NE(expected.find("big $8\r\nskiplist"), std::string::npos) << expected;
  ASSERT_EQ(dc->Command({"SAVE"}), "+OK\r\n");
  redis->Stop(SIGTERM);

  auto rill = StartServerOn(RillServerBinary(), dir.path(), {}, &error);
  ASSERT_NE(rill, nullptr) << error;
  auto rc = ConnectTo(*rill);
  ASSERT_TRUE(rc);
  EXPECT_EQ(rc->Command({"DBSIZE"}), ":4\r\n");
  EXPECT_EQ(rc->Command({"TYPE", "big"}), "+zset\r\n");
  // The same encodings as Redis chose (OBJECT ENCODING names Redis's, whatever Rill stores).
  for (size_t i = 0; i < kKeys.size(); ++i) {
    EXPECT_EQ(rc->Command({"OBJECT", "ENCODING", kKeys[i]}), encodings[i]) << kKeys[i];
  }
  ASSERT_EQ(rc->Command({"SAVE"}), "+OK\r\n");
  std::string output;
  EXPECT_TRUE(RedisCheckRdb(dir.File("dump.rdb"), &output)) << output;
  rill->Stop(SIGKILL);

  auto again =
      StartServerOn(RedisServerBinary(), dir.path(), {"--sanitize-dump-payload", "yes"}, &error);
  ASSERT_NE(again, nullptr) << error;
  auto ac = ConnectTo(*again);
  ASSERT_TRUE(ac);
  EXPECT_EQ(Describe(*ac), expected);
}

}  // namespace
}  // namespace rill::testing
