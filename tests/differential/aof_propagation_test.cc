// What reaches the append-only file, compared with redis-server 7.0 command by command: the
// same commands go to both servers (appendonly yes), then both INCR files are read back and
// compared after normalising the absolute times each server took from its own clock.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/aof_support.h"
#include "tests/support/differential.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class AofPropagationTest : public ::testing::Test {
 protected:
  static constexpr int kExtraClients = 3;

  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
    const std::vector<std::string> args = {
        "--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"};
    std::string error;
    rill_ = StartServerOn(RillServerBinary(), rill_dir_.path(), args, &error);
    ASSERT_NE(rill_, nullptr) << error;
    redis_ = StartServerOn(RedisServerBinary(), redis_dir_.path(), args, &error);
    ASSERT_NE(redis_, nullptr) << error;
    for (int i = 0; i <= kExtraClients; ++i) {
      rill_clients_.push_back(ConnectTo(*rill_));
      redis_clients_.push_back(ConnectTo(*redis_));
      ASSERT_TRUE(rill_clients_.back() && redis_clients_.back());
    }
    // Keys expire only when a command touches them, so both logs see the same deletions.
    Both({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  }

  // Sends `argv` on client `c` of both servers and expects the same reply (up to the times
  // each server takes from its own clock, such as XADD's automatic IDs).
  void Both(const Argv& argv, int c = 0) {
    const int64_t now = WallClockMs();
    const std::string rill = NormalizeTimesInText(rill_clients_[c]->Command(argv), now);
    const std::string redis = NormalizeTimesInText(redis_clients_[c]->Command(argv), now);
    EXPECT_EQ(EscapeBytes(rill), EscapeBytes(redis)) << "reply to " << FormatCommands({argv});
  }
  // Sends without reading (a command that blocks), then gives both servers time to park it.
  void Send(const Argv& argv, int c) {
    ASSERT_TRUE(rill_clients_[c]->Send(argv));
    ASSERT_TRUE(redis_clients_[c]->Send(argv));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  void Read(int c) {
    const int64_t now = WallClockMs();
    const std::string rill = NormalizeTimesInText(rill_clients_[c]->ReadReply(), now);
    const std::string redis = NormalizeTimesInText(redis_clients_[c]->ReadReply(), now);
    EXPECT_EQ(EscapeBytes(rill), EscapeBytes(redis)) << "reply read on client " << c;
  }
  static void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  void ExpectSameLog() {
    const int64_t now = WallClockMs();
    std::vector<AofCommand> rill, redis;
    for (const AofCommand& c : ReadIncrCommands(rill_dir_.path() + "/appendonlydir")) {
      rill.push_back(NormalizeTimes(c, now));
    }
    for (const AofCommand& c : ReadIncrCommands(redis_dir_.path() + "/appendonlydir")) {
      redis.push_back(NormalizeTimes(c, now));
    }
    EXPECT_FALSE(redis.empty());
    EXPECT_EQ(FormatCommands(rill), FormatCommands(redis));
  }

  DataDir rill_dir_, redis_dir_;
  std::unique_ptr<ServerProcess> rill_, redis_;
  std::vector<std::unique_ptr<RespClient>> rill_clients_, redis_clients_;
};

TEST_F(AofPropagationTest, StringsAndRelativeExpiriesBecomeAbsolute) {
  for (const Argv& argv : std::vector<Argv>{
           {"SET", "a", "1"},
           {"SET", "b", "2", "EX", "100"},
           {"SET", "c", "3", "PX", "100000", "NX"},
           {"set", "d", "4", "exat", "99999999999"},
           {"SET", "e", "5", "NX", "PXAT", "99999999999999", "GET"},
           {"SET", "e2", "5", "PXAT", "99999999999999"},
           {"SET", "f", "v", "get", "GeT"},
           {"SET", "f", "w", "KEEPTTL"},
           {"SET", "f", "x", "XX"},
           {"SET", "f", "y", "NX"},
           {"SETEX", "g", "100", "v"},
           {"PSETEX", "h", "100000", "v"},
           {"SETNX", "h", "z"},
           {"SETNX", "h2", "z"},
           {"GETEX", "a"},
           {"GETEX", "a", "EX", "100"},
           {"GETEX", "a", "PERSIST"},
           {"GETEX", "a", "PERSIST"},
           {"GETEX", "a", "PX", "100000"},
           {"GETEX", "a", "EXAT", "99999999999"},
           {"GETEX", "a", "PXAT", "1"},
           {"EXPIRE", "b", "200"},
           {"EXPIRE", "b", "300", "GT"},
           {"PEXPIRE", "b", "5000000", "lt"},
           {"EXPIREAT", "b", "9999999999", "XX"},
           {"PEXPIREAT", "b", "99999999999999", "GT"},
           {"EXPIRE", "b", "100", "NX"},
           {"PERSIST", "b"},
           {"PERSIST", "b"},
           {"EXPIRE", "b", "-1"},
           {"SET", "b", "1"},
           {"PEXPIRE", "b", "0"},
           {"SET", "b", "1"},
           {"EXPIREAT", "b", "1"},
           {"EXPIRE", "nokey", "10"},
           {"INCRBYFLOAT", "fl", "1.5"},
           {"INCRBYFLOAT", "fl", "1e3"},
           {"INCRBYFLOAT", "fl", "-0.1"},
           {"SETEX", "fl2", "1000", "10"},
           {"INCRBYFLOAT", "fl2", "0.5"},
           {"GETSET", "gs", "1"},
           {"GETDEL", "gs"},
           {"GETDEL", "gs"},
           {"MSET", "m1", "1", "m2", "2"},
           {"MSETNX", "m1", "1", "m3", "3"},
           {"MSETNX", "n1", "1", "n3", "3"},
           {"INCR", "n"},
           {"DECRBY", "n", "3"},
           {"INCRBY", "n", "10"},
           {"DECR", "n"},
           {"APPEND", "n", "x"},
           {"SETRANGE", "n", "5", "yy"},
           {"GET", "n"},
           {"STRLEN", "n"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

// Hash and set writes as Redis logs them: HINCRBYFLOAT as HSET with its result, SPOP as SREM
// (or DEL when it took everything), STORE commands as sent (or not at all when nothing
// changed), no-op writes not at all.
TEST_F(AofPropagationTest, HashesAndSetsLogDeterministicForms) {
  for (const Argv& argv : std::vector<Argv>{
           {"HSET", "h", "a", "1", "b", "2"},
           {"HSET", "h", "a", "1"},
           {"HSETNX", "h", "a", "x"},
           {"HSETNX", "h", "c", "3"},
           {"HMSET", "h", "d", "4"},
           {"HINCRBY", "h", "n", "5"},
           {"HINCRBY", "h", "a", "x"},
           {"HINCRBYFLOAT", "h", "f", "1.5"},
           {"HINCRBYFLOAT", "h", "f", "1e3"},
           {"HINCRBYFLOAT", "h", "f", "-0.1"},
           {"HINCRBYFLOAT", "h", "a", "3.0e-5"},
           {"HDEL", "h", "nope"},
           {"HDEL", "h", "a", "b"},
           {"HGETALL", "h"},
           {"HDEL", "h", "c", "d", "n", "f"},
           {"SADD", "s", "1", "2", "3"},
           {"SADD", "s", "1"},
           {"SREM", "s", "9"},
           {"SREM", "s", "1"},
           {"SMOVE", "s", "t", "9"},
           {"SMOVE", "s", "t", "2"},
           {"SMOVE", "s", "s", "3"},
           {"SADD", "one", "x"},
           {"SPOP", "one"},
           // One member: a whole set comes in the set's own order, random in Redis.
           {"SADD", "p", "a"},
           {"SPOP", "p", "2"},
           {"SPOP", "p", "2"},
           {"SPOP", "t", "0"},
           {"SADD", "a", "1", "2", "3"},
           {"SADD", "b", "2", "3", "4"},
           {"SINTERSTORE", "i", "a", "b"},
           {"SUNIONSTORE", "u", "a", "b"},
           {"SDIFFSTORE", "d", "a", "b"},
           {"SINTERSTORE", "none", "a", "missing"},
           {"SINTERSTORE", "i", "a", "missing"},
           {"SDIFFSTORE", "a", "a", "a"},
           {"EXPIRE", "b", "100"},
           {"HSET", "exp", "f", "v"},
           {"PEXPIRE", "exp", "100000"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

// SPOP with a count below the set's size logs one SREM per popped member in one MULTI/EXEC (the
// members are random, so this is checked on Rill's log against its own reply).
TEST_F(AofPropagationTest, SpopWithCountLogsEachPoppedMember) {
  Both({"SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8"});
  const std::string reply = rill_clients_[0]->Command({"SPOP", "s", "3"});
  std::vector<std::string> popped;
  for (size_t at = reply.find("$1\r\n"); at != std::string::npos;
       at = reply.find("$1\r\n", at + 1)) {
    popped.push_back(reply.substr(at + 4, 1));
  }
  ASSERT_EQ(popped.size(), 3u) << EscapeBytes(reply);
  std::vector<AofCommand> expected = {
      {"SELECT", "0"}, {"SADD", "s", "1", "2", "3", "4", "5", "6", "7", "8"}, {"MULTI"}};
  for (const std::string& m : popped) expected.push_back({"SREM", "s", m});
  expected.push_back({"EXEC"});
  EXPECT_EQ(FormatCommands(ReadIncrCommands(rill_dir_.path() + "/appendonlydir")),
            FormatCommands(expected));
}

TEST_F(AofPropagationTest, BlockingPopsBecomeTheirNonBlockingForms) {
  for (const Argv& argv : std::vector<Argv>{
           {"RPUSH", "l", "a", "b", "c", "d", "e", "f", "g", "h"},
           {"BLPOP", "l", "0"},
           {"BRPOP", "nope", "l", "0"},
           {"BLMOVE", "l", "l2", "LEFT", "right", "0"},
           {"BRPOPLPUSH", "l", "l2", "0"},
           {"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "1"},
           {"LMPOP", "2", "nope", "l", "RIGHT"},
           {"BLMPOP", "0", "2", "nope", "l2", "RIGHT", "COUNT", "5"},
           {"LMPOP", "1", "l", "LEFT", "COUNT", "10"},
           {"LPOP", "nothing"},
           {"LPUSH", "q", "1", "2", "3"},
           {"LPUSHX", "nothing", "1"},
           {"LSET", "q", "0", "x"},
           {"LINSERT", "q", "BEFORE", "x", "y"},
           {"LINSERT", "q", "BEFORE", "zz", "y"},
           {"LREM", "q", "0", "y"},
           {"LTRIM", "q", "0", "1"},
           {"LPOP", "q", "0"},
           {"RPOP", "q", "5"},
           {"RPUSH", "q", "a", "b"},
           {"RPOPLPUSH", "q", "q2"},
           {"LMOVE", "q2", "q3", "RIGHT", "left"},
           {"MULTI"},
           {"BLPOP", "empty", "0"},
           {"BLPOP", "q", "0"},
           {"EXEC"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

// Sorted sets and geo: blocking and multi-key pops become ZPOPMIN/ZPOPMAX, GEOADD its ZADD of
// cell scores, ZINCRBY and the STORE forms go as sent; a served BZPOPMAX follows the ZADD.
TEST_F(AofPropagationTest, SortedSetsAndGeoLogDeterministicForms) {
  for (const Argv& argv : std::vector<Argv>{
           {"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "1e3", "e"},
           {"ZADD", "z", "NX", "5", "a"},
           {"ZINCRBY", "z", "0.5", "a"},
           {"ZADD", "z", "INCR", "-inf", "b"},
           {"BZPOPMIN", "nope", "z", "0"},
           {"ZMPOP", "2", "nope", "z", "MAX", "COUNT", "2"},
           {"BZMPOP", "0", "1", "z", "MIN"},
           {"ZPOPMAX", "nothing"},
           {"ZREM", "z", "zz"},
           {"ZADD", "src", "1", "x", "2", "y", "3", "w"},
           {"ZRANGESTORE", "dst", "src", "0", "1"},
           {"ZUNIONSTORE", "u", "2", "src", "dst", "WEIGHTS", "1", "2"},
           {"ZREMRANGEBYSCORE", "src", "(1", "2"},
           {"GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
            "Catania"},
           {"GEOADD", "g", "NX", "13.361389", "38.115556", "Palermo"},
           {"GEOSEARCHSTORE", "gs", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"},
           {"GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "gd"},
       }) {
    Both(argv);
  }
  Send({"BZPOPMAX", "w", "0"}, 1);
  Both({"ZADD", "w", "5", "x", "6", "y"});
  Read(1);
  ExpectSameLog();
}

TEST_F(AofPropagationTest, SortStoreIsLoggedAsSentAndOnlyWhenItChangedSomething) {
  for (const Argv& argv : std::vector<Argv>{
           {"RPUSH", "l", "3", "1", "2"},
           {"SADD", "s", "pear", "apple", "fig"},
           {"SET", "w_1", "9"},
           {"SORT", "l"},
           {"SORT_RO", "l", "DESC"},
           {"SORT", "l", "BY", "w_*", "GET", "#", "STORE", "dst"},
           {"SORT", "s", "BY", "nosort", "STORE", "dst2"},
           {"SET", "gone", "x", "EX", "100"},
           {"SORT", "missing", "STORE", "gone"},
           {"SORT", "missing", "STORE", "never"},
           {"SORT", "l", "LIMIT", "5", "5", "STORE", "dst"},
       }) {
    Both(argv);
  }
  Send({"BLPOP", "woken", "0"}, 1);
  Both({"SORT", "l", "DESC", "STORE", "woken"});
  Read(1);
  ExpectSameLog();
}

TEST_F(AofPropagationTest, RestoreLogsAbsoluteDeadlinesAndPastOnesAsDel) {
  Both({"SET", "s", "hello"});
  Both({"RPUSH", "l", "a", "b"});
  const std::string p = BulkValue(redis_clients_[0]->Command({"DUMP", "s"}));
  const std::string lp = BulkValue(redis_clients_[0]->Command({"DUMP", "l"}));
  ASSERT_FALSE(p.empty());
  for (const Argv& argv : std::vector<Argv>{
           {"DUMP", "s"},
           {"RESTORE", "a", "0", p},
           {"RESTORE", "a", "0", p},
           {"RESTORE", "b", "100000", lp},
           {"RESTORE", "c", "4102444800000", p, "ABSTTL", "IDLETIME", "5"},
           {"RESTORE", "a", "1", p, "ABSTTL", "REPLACE"},
           {"RESTORE", "d", "1", p, "ABSTTL"},
           {"RESTORE", "e", "0", "bad payload"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

TEST_F(AofPropagationTest, MigrateIsLoggedAsDelOfTheKeysTheTargetTook) {
  DataDir target_dir;
  std::string error;
  std::unique_ptr<ServerProcess> target =
      StartServerOn(RedisServerBinary(), target_dir.path(), {}, &error);
  ASSERT_NE(target, nullptr) << error;
  const std::string port = std::to_string(target->port());
  for (const Argv& argv : std::vector<Argv>{
           {"SET", "a", "1"},
           {"SET", "b", "2"},
           {"RPUSH", "c", "x"},
           {"MIGRATE", "127.0.0.1", port, "a", "0", "5000", "COPY", "REPLACE"},
           {"MIGRATE", "127.0.0.1", port, "a", "0", "5000", "REPLACE"},
           {"MIGRATE", "127.0.0.1", port, "", "0", "5000", "REPLACE", "KEYS", "b", "nope", "c"},
           {"MIGRATE", "127.0.0.1", port, "nope", "0", "5000"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

TEST_F(AofPropagationTest, BlockedClientsServedByAnotherWriteAreLoggedAfterIt) {
  Send({"blmove", "l", "l2", "left", "right", "0"}, 1);
  Both({"RPUSH", "l", "a", "b"});
  Read(1);
  Send({"BLPOP", "w", "0"}, 1);
  Send({"BRPOPLPUSH", "w", "w3", "0"}, 2);
  Send({"BLMPOP", "0", "2", "x", "w", "RIGHT", "COUNT", "2"}, 3);
  Both({"RPUSH", "w", "1", "2", "3", "4", "5"});
  Read(1);
  Read(2);
  Read(3);
  // Served after a whole transaction: each served client is its own unit, after EXEC's.
  Send({"BLPOP", "t", "0"}, 1);
  Send({"BRPOP", "t", "0"}, 2);
  Both({"MULTI"});
  Both({"RPUSH", "t", "a"});
  Both({"RPUSH", "t", "b"});
  Both({"EXEC"});
  Read(1);
  Read(2);
  // Served in another database.
  Both({"SELECT", "5"}, 1);
  Send({"BLPOP", "d", "0"}, 1);
  Both({"SELECT", "5"});
  Both({"RPUSH", "d", "x"});
  Read(1);
  ExpectSameLog();
}

TEST_F(AofPropagationTest, StreamsLogTheirIdsExactTrimmingAndGroupStateAsClaims) {
  for (const Argv& argv : std::vector<Argv>{
           {"XADD", "s", "*", "f", "v"},
           {"XADD", "s", "MAXLEN", "2", "*", "f", "v"},
           {"XADD", "s", "MAXLEN", "~", "2", "*", "f", "v"},
           {"XADD", "s", "MINID", "~", "0", "LIMIT", "5", "*", "f", "v"},
           {"XADD", "s", "NOMKSTREAM", "MAXLEN", "=", "10", "*", "f", "v"},
           {"XADD", "nos", "NOMKSTREAM", "*", "f", "v"},
           {"xadd", "s", "maxlen", "~", "5", "*", "f", "v"},
           {"XADD", "s", "*", "f", "v", "*", "x"},
           {"XADD", "ids", "5-*", "f", "v"},
           {"XADD", "ids", "5-*", "f", "v"},
           {"XADD", "ids", "7-3", "f", "v"},
           {"XTRIM", "s", "MAXLEN", "3"},
           {"XTRIM", "s", "MAXLEN", "~", "1"},
           {"XTRIM", "s", "MINID", "0"},
           {"XGROUP", "CREATE", "s", "g", "0"},
           {"XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "2"},
           {"XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM"},
           {"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"},
           {"XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"},
           {"XADD", "s", "*", "f", "v"},
           {"XREADGROUP", "GROUP", "g", "carol", "NOACK", "STREAMS", "s", ">"},
           {"XADD", "s", "*", "f", "v"},
           {"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"},
           {"XREADGROUP", "GROUP", "g", "dave", "STREAMS", "s", ">"},
           {"XREADGROUP", "GROUP", "g", "dave", "STREAMS", "s", ">"},
           {"XCLAIM", "s", "g", "bob", "0", "0-1", "6-1"},
           {"XGROUP", "SETID", "s", "g", "0"},
           {"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"},
           {"XGROUP", "CREATECONSUMER", "s", "g", "newc"},
           {"XGROUP", "CREATECONSUMER", "s", "g", "newc"},
           {"XGROUP", "DELCONSUMER", "s", "g", "newc"},
           {"XGROUP", "DESTROY", "s", "g2"},
           {"XGROUP", "DESTROY", "s", "g2"},
           {"XSETID", "s", "999999999999999-0"},
           {"XSETID", "s", "999999999999999-5", "ENTRIESADDED", "100", "MAXDELETEDID", "1-0"},
       }) {
    Both(argv);
  }
  for (int i = 1; i <= 6; ++i) Both({"XADD", "t", std::to_string(i) + "-1", "f", "v"});
  for (const Argv& argv : std::vector<Argv>{
           {"XGROUP", "CREATE", "t", "g", "0"},
           {"XREADGROUP", "GROUP", "g", "a", "COUNT", "4", "STREAMS", "t", ">"},
           {"XCLAIM", "t", "g", "b", "0", "1-1", "2-1", "99-1"},
           {"XCLAIM", "t", "g", "b", "0", "3-1", "RETRYCOUNT", "9", "LASTID", "5-1", "JUSTID"},
           {"XCLAIM", "t", "g", "b", "0", "6-1", "FORCE", "TIME", "1000"},
           {"XDEL", "t", "1-1", "2-1", "77-1"},
           {"XDEL", "t", "77-1"},
           {"XCLAIM", "t", "g", "b", "0", "1-1"},
           {"XAUTOCLAIM", "t", "g", "c", "0", "0", "COUNT", "10"},
           {"XAUTOCLAIM", "t", "g", "c", "0", "0", "JUSTID"},
           {"XACK", "t", "g", "3-1", "4-1", "77-1"},
           {"XACK", "t", "g", "3-1"},
           {"XCLAIM", "t", "g", "bob", "0", "99-0", "LASTID", "200-1"},
           {"XCLAIM", "t", "g", "bob", "0", "99-0", "LASTID", "200-1"},
           {"XADD", "u", "1-1", "f", "v"},
           {"XGROUP", "CREATE", "u", "g", "0"},
           {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "t", "u", ">", ">"},
           {"CONFIG", "SET", "stream-node-max-entries", "2"},
       }) {
    Both(argv);
  }
  for (int i = 1; i <= 7; ++i) Both({"XADD", "w", std::to_string(i) + "-1", "f", "v"});
  Both({"XTRIM", "w", "MAXLEN", "~", "3"});
  Both({"XADD", "w", "MAXLEN", "~", "2", "*", "f", "v"});
  Both({"XTRIM", "w", "MINID", "~", "99999999999999-0"});
  ExpectSameLog();
}

TEST_F(AofPropagationTest, BlockedGroupReadersServedLaterPropagateTheirClaims) {
  Both({"XADD", "s", "1-1", "f", "v"});
  Both({"XGROUP", "CREATE", "s", "g", "$"});
  Send({"XREADGROUP", "GROUP", "g", "w1", "BLOCK", "0", "STREAMS", "s", ">"}, 1);
  Send({"XREADGROUP", "GROUP", "g", "w2", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"}, 2);
  Send({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}, 3);
  Both({"XADD", "s", "2-1", "f", "v"});
  Read(1);
  Read(3);
  Both({"XADD", "s", "3-1", "f", "v"});
  Read(2);
  ExpectSameLog();
}

TEST_F(AofPropagationTest, TransactionsDatabasesAndFlushes) {
  for (const Argv& argv : std::vector<Argv>{
           {"SET", "x", "1"},
           {"MULTI"},
           {"SET", "x", "2"},
           {"EXEC"},
           {"MULTI"},
           {"SET", "x", "3"},
           {"INCR", "x"},
           {"GET", "x"},
           {"EXEC"},
           {"MULTI"},
           {"GET", "x"},
           {"EXEC"},
           {"MULTI"},
           {"SET", "t1", "1"},
           {"SELECT", "3"},
           {"SET", "t2", "2"},
           {"EXEC"},
           {"SET", "y", "1"},
           {"MOVE", "y", "0"},
           {"MOVE", "y", "0"},
           {"SET", "y", "2"},
           {"COPY", "y", "y2", "DB", "0"},
           {"COPY", "y", "y2", "DB", "0"},
           {"COPY", "y", "y2", "DB", "0", "REPLACE"},
           {"RENAME", "y", "y3"},
           {"RENAMENX", "y3", "y4"},
           {"RENAME", "nosuch", "z"},
           {"SELECT", "0"},
           {"DEL", "x", "t1", "zz"},
           {"UNLINK", "nosuch"},
           {"SWAPDB", "0", "3"},
           {"FLUSHDB"},
           {"FLUSHALL"},
           {"FLUSHALL"},
           {"FLUSHDB", "ASYNC"},
           {"SELECT", "1"},
           {"SET", "k", "v"},
       }) {
    Both(argv);
  }
  ExpectSameLog();
}

TEST_F(AofPropagationTest, KeysExpiredOnAccessAreDeletedInTheSameUnit) {
  auto expire_soon = [&](std::initializer_list<const char*> keys) {
    for (const char* k : keys) Both({"SET", k, "1", "PX", "1"});
    Sleep(20);
  };
  expire_soon({"r"});
  Both({"GET", "r"});  // a read: the DEL alone
  expire_soon({"w"});
  Both({"SET", "w", "2"});  // a write: MULTI, DEL, SET, EXEC
  expire_soon({"i"});
  Both({"INCR", "i"});
  expire_soon({"p"});
  Both({"RPUSH", "p", "a"});
  expire_soon({"m1", "m2"});
  Both({"MGET", "m1", "m2"});
  expire_soon({"d"});
  Both({"DEL", "d"});
  expire_soon({"e"});
  Both({"EXPIRE", "e", "100"});
  expire_soon({"t1"});
  Both({"MULTI"});
  Both({"GET", "t1"});
  Both({"SET", "t3", "1"});
  Both({"EXEC"});
  Both({"CONFIG", "SET", "lazyfree-lazy-expire", "yes"});
  expire_soon({"u"});
  Both({"GET", "u"});
  Both({"SET", "u", "1"});
  Both({"EXPIRE", "u", "-5"});
  Both({"SET", "u", "1"});
  Both({"GETEX", "u", "PXAT", "1"});
  ExpectSameLog();
}

// Scripts replicate their effects (Redis 7.0): the commands they ran, in their deterministic
// forms, wrapped in MULTI/EXEC when more than one; a script that wrote nothing leaves nothing;
// EVAL/EVALSHA/FCALL themselves never reach the file; FUNCTION LOAD/DELETE/FLUSH/RESTORE do.
TEST_F(AofPropagationTest, ScriptsPropagateTheirEffects) {
  Both({"EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "one", "v"});
  Both({"EVAL", "redis.call('incr', 'a') redis.call('incr', 'b') return redis.call('get', 'a')",
        "0"});
  Both({"EVAL", "return redis.call('get', 'a')", "0"});
  Both({"EVAL", "redis.call('set', 'e', 1, 'EX', 100) return redis.call('expire', 'a', 50)", "0"});
  Both({"EVAL", "redis.call('select', 2) redis.call('set', 'in2', 'x') return 1", "0"});
  Both({"EVAL", "redis.call('rpush', 'l', 'a', 'b') return redis.call('blpop', 'l', 0)", "0"});
  Both({"EVAL", "return redis.pcall('lpush', 'a', 1)", "0"});
  Both({"EVAL", "redis.call('set', 'partial', 1) error('stop')", "0"});
  Both({"SCRIPT", "LOAD", "return redis.call('incrby', 'n', ARGV[1])"});
  Both({"EVALSHA", "6f1bd0b7d4e0a32b2f0c5fa3ba10ed1d3c2c5c2b", "0"});
  Both({"MULTI"});
  Both({"EVAL", "return redis.call('incr', 'm')", "0"});
  Both({"SET", "after", "1"});
  Both({"EXEC"});
  const std::string lib =
      "#!lua name=plib\nredis.register_function('pf', function(keys, args) "
      "redis.call('set', 'fs', 'v') return redis.call('incr', keys[1]) end)";
  Both({"FUNCTION", "LOAD", lib});
  Both({"FCALL", "pf", "1", "fk"});
  Both({"FUNCTION", "DELETE", "plib"});
  Both({"FUNCTION", "DELETE", "plib"});
  Both({"FUNCTION", "FLUSH"});
  ExpectSameLog();
}

}  // namespace
}  // namespace rill::testing
