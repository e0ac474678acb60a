// Hash commands compared between rill and redis: every command and option, errors, wrong types,
// the deletion of emptied keys, listpack/hashtable encodings and their conversion points, RESP2
// and RESP3, keyspace events, WATCH, and the properties of HRANDFIELD's random replies.
#include <set>
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class HashesDiffTest : public DifferentialTest {
 protected:
  void TearDown() override {
    // The servers live for the whole suite: put back what a test changed.
    SendBoth({"CONFIG", "SET", "hash-max-listpack-entries", "512"});
    SendBoth({"CONFIG", "SET", "hash-max-listpack-value", "64"});
    SendBoth({"CONFIG", "SET", "notify-keyspace-events", ""});
    SendBoth({"HELLO", "2"});
  }

  // Fills `key` with fields f0..f<n-1> = v0..v<n-1>.
  void Fill(const std::string& key, int n, const std::string& value_prefix = "v") {
    std::vector<std::string> argv = {"HSET", key};
    for (int i = 0; i < n; ++i) {
      argv.push_back("f" + std::to_string(i));
      argv.push_back(value_prefix + std::to_string(i));
    }
    ExpectSame(argv);
  }
};

TEST_F(HashesDiffTest, SetGetAndFriends) {
  InBothProtocols([&] {
    ExpectSame({"HSET", "h", "a", "1", "b", "2"});
    ExpectSame({"HSET", "h", "a", "10", "c", "3"});  // one new, one updated
    ExpectSame({"HSET", "h", "a"});
    ExpectSame({"HSET", "h", "a", "1", "b"});
    ExpectSame({"HSET", "h"});
    ExpectSame({"HSETNX", "h", "a", "x"});
    ExpectSame({"HSETNX", "h", "d", "4"});
    ExpectSame({"HSETNX", "new", "f", "v"});
    ExpectSame({"HSETNX", "h", "a"});
    ExpectSame({"HMSET", "h", "e", "5", "a", "11"});
    ExpectSame({"HMSET", "h", "e"});
    ExpectSame({"HGET", "h", "a"});
    ExpectSame({"HGET", "h", "missing"});
    ExpectSame({"HGET", "missing", "a"});
    ExpectSame({"HMGET", "h", "a", "missing", "b", "a"});
    ExpectSame({"HMGET", "missing", "a", "b"});
    ExpectSame({"HMGET", "h"});
    ExpectSame({"HGETALL", "h"});  // a listpack: insertion order, exactly
    ExpectSame({"HKEYS", "h"});
    ExpectSame({"HVALS", "h"});
    ExpectSame({"HGETALL", "missing"});
    ExpectSame({"HKEYS", "missing"});
    ExpectSame({"HVALS", "missing"});
    ExpectSame({"HLEN", "h"});
    ExpectSame({"HLEN", "missing"});
    ExpectSame({"HEXISTS", "h", "a"});
    ExpectSame({"HEXISTS", "h", "zz"});
    ExpectSame({"HEXISTS", "missing", "a"});
    ExpectSame({"HSTRLEN", "h", "a"});
    ExpectSame({"HSTRLEN", "h", "zz"});
    ExpectSame({"HSTRLEN", "missing", "a"});
    // Empty fields and values, binary bytes, integer-looking strings.
    ExpectSame({"HSET", "h", "", "", std::string("b\0in", 4), std::string("\xff\x00\r\n", 4)});
    ExpectSame({"HSET", "h", "007", "-0", "12", "9223372036854775808"});
    ExpectSame({"HGETALL", "h"});
    ExpectSame({"HGET", "h", std::string("b\0in", 4)});
    ExpectSame({"HSTRLEN", "h", std::string("b\0in", 4)});
  });
}

TEST_F(HashesDiffTest, DeleteAndTheEmptiedKey) {
  ExpectSame({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  ExpectSame({"HDEL", "h", "a", "a", "zz"});
  ExpectSame({"HDEL", "h"});
  ExpectSame({"HDEL", "missing", "a"});
  ExpectSame({"HGETALL", "h"});
  ExpectSame({"HDEL", "h", "b", "c"});
  ExpectSame({"EXISTS", "h"});
  ExpectSame({"TYPE", "h"});
  // The same for a hash table.
  ExpectSame({"CONFIG", "SET", "hash-max-listpack-entries", "2"});
  ExpectSame({"HSET", "t", "a", "1", "b", "2", "c", "3"});
  ExpectSame({"OBJECT", "ENCODING", "t"});
  ExpectSame({"HDEL", "t", "a", "b", "c", "d"});
  ExpectSame({"EXISTS", "t"});
}

TEST_F(HashesDiffTest, WrongTypes) {
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"RPUSH", "l", "x"});
  for (const std::string& key : {"s", "l"}) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"HSET", key, "f", "v"},
             {"HSETNX", key, "f", "v"},
             {"HMSET", key, "f", "v"},
             {"HGET", key, "f"},
             {"HMGET", key, "f"},
             {"HGETALL", key},
             {"HKEYS", key},
             {"HVALS", key},
             {"HLEN", key},
             {"HEXISTS", key, "f"},
             {"HDEL", key, "f"},
             {"HINCRBY", key, "f", "1"},
             {"HINCRBYFLOAT", key, "f", "1"},
             {"HSTRLEN", key, "f"},
             {"HRANDFIELD", key},
             {"HRANDFIELD", key, "2", "WITHVALUES"},
             {"HSCAN", key, "0"},
         }) {
      ExpectSame(argv);
    }
  }
  ExpectSame({"HSET", "h", "f", "v"});
  ExpectSame({"GET", "h"});
  ExpectSame({"LPUSH", "h", "x"});
  ExpectSame({"SADD", "h", "x"});
  ExpectSame({"APPEND", "h", "x"});
}

TEST_F(HashesDiffTest, IncrByAndIncrByFloat) {
  InBothProtocols([&] {
    ExpectSame({"HINCRBY", "h", "n", "5"});
    ExpectSame({"HINCRBY", "h", "n", "-10"});
    ExpectSame({"HINCRBY", "h", "n", "0"});
    ExpectSame({"HINCRBY", "h", "big", "9223372036854775807"});
    ExpectSame({"HINCRBY", "h", "big", "1"});
    ExpectSame({"HINCRBY", "h", "small", "-9223372036854775808"});
    ExpectSame({"HINCRBY", "h", "small", "-1"});
    for (const char* bad : {"x", "1.5", "", " 1", "99999999999999999999"}) {
      ExpectSame({"HINCRBY", "h", "n", bad});
    }
    ExpectSame({"HSET", "h", "s", "abc", "sp", " 1", "f", "1.5", "i", "10"});
    ExpectSame({"HINCRBY", "h", "s", "1"});
    ExpectSame({"HINCRBY", "h", "sp", "1"});
    ExpectSame({"HINCRBY", "h", "f", "1"});
    ExpectSame({"HINCRBY", "new", "f", "3"});
    ExpectSame({"HINCRBY", "h", "n"});
    for (const char* inc : {"1.5", "-0.25", "3.0", "1e3", "1.23456789012345678901", "5e-20", "-0",
                            "0x10", "1e400", "-1e400", "10"}) {
      ExpectSame({"HINCRBYFLOAT", "h", "fl", inc});
    }
    ExpectSame({"HINCRBYFLOAT", "h", "i", "0.5"});
    ExpectSame({"HINCRBYFLOAT", "h", "f", "1e308"});
    ExpectSame({"HINCRBYFLOAT", "h", "f", "1e308"});
    for (const char* bad : {"abc", "", " 1", "1 ", "inf", "-inf", "nan", "1e5000"}) {
      ExpectSame({"HINCRBYFLOAT", "h", "fl", bad});
    }
    ExpectSame({"HINCRBYFLOAT", "h", "s", "1"});
    ExpectSame({"HINCRBYFLOAT", "h", "sp", "1"});
    ExpectSame({"HINCRBYFLOAT", "new2", "f", "2.5"});
    ExpectSame({"HGETALL", "h"}, Compare::kSortedPairs);
    ExpectSame({"OBJECT", "ENCODING", "h"});
  });
}

TEST_F(HashesDiffTest, EncodingsAndConversionPoints) {
  ExpectSame({"CONFIG", "SET", "hash-max-listpack-entries", "4"});
  ExpectSame({"CONFIG", "SET", "hash-max-listpack-value", "8"});
  Fill("h", 4);
  ExpectSame({"OBJECT", "ENCODING", "h"});
  ExpectSame({"HSET", "h", "f4", "v4"});  // the fifth field converts after the write
  ExpectSame({"OBJECT", "ENCODING", "h"});
  ExpectSame({"HGETALL", "h"}, Compare::kSortedPairs);
  // Never back, however small it gets.
  ExpectSame({"HDEL", "h", "f0", "f1", "f2", "f3"});
  ExpectSame({"OBJECT", "ENCODING", "h"});
  // A long value or field converts before the write; a long value that HSET only checks.
  ExpectSame({"HSET", "v", "f", "12345678"});
  ExpectSame({"OBJECT", "ENCODING", "v"});
  ExpectSame({"HSET", "v", "f", "123456789"});
  ExpectSame({"OBJECT", "ENCODING", "v"});
  ExpectSame({"HSET", "k", "123456789", "x"});
  ExpectSame({"OBJECT", "ENCODING", "k"});
  // HSETNX checks its arguments' lengths even when the field exists.
  ExpectSame({"HSET", "nx", "f", "v"});
  ExpectSame({"HSETNX", "nx", "f", "a-long-value"});
  ExpectSame({"OBJECT", "ENCODING", "nx"});
  ExpectSame({"HGET", "nx", "f"});
  // HINCRBYFLOAT and HINCRBY results that outgrow the value limit.
  ExpectSame({"HSET", "fl", "f", "1"});
  ExpectSame({"HINCRBYFLOAT", "fl", "f", "0.000001"});
  ExpectSame({"OBJECT", "ENCODING", "fl"});
  ExpectSame({"HSET", "in", "f", "1"});
  ExpectSame({"HINCRBY", "in", "f", "1000000000000"});
  ExpectSame({"OBJECT", "ENCODING", "in"});
  // Limit 0: every hash is a table from its first field.
  ExpectSame({"CONFIG", "SET", "hash-max-listpack-entries", "0"});
  ExpectSame({"HSET", "z", "f", "v"});
  ExpectSame({"OBJECT", "ENCODING", "z"});
  ExpectSame({"CONFIG", "GET", "hash-max-listpack-*"}, Compare::kSortedPairs);
  ExpectSame({"CONFIG", "GET", "hash-max-ziplist-*"}, Compare::kSortedPairs);
}

TEST_F(HashesDiffTest, BigHashesGetAllScanAndDelete) {
  InBothProtocols([&] {
    Fill("big", 2000);
    ExpectSame({"OBJECT", "ENCODING", "big"});
    ExpectSame({"HLEN", "big"});
    ExpectSame({"HGETALL", "big"}, Compare::kSortedPairs);
    ExpectSame({"HKEYS", "big"}, Compare::kSortedArray);
    ExpectSame({"HVALS", "big"}, Compare::kSortedArray);
    ExpectSame({"HGET", "big", "f1999"});
    ExpectSame({"HMGET", "big", "f0", "nope", "f1000"});
    ExpectSameScan({"HSCAN", "big", "0"});
    ExpectSameScan({"HSCAN", "big", "0", "COUNT", "100"});
    ExpectSameScan({"HSCAN", "big", "0", "MATCH", "f1*"});
    ExpectSameScan({"HSCAN", "big", "0", "MATCH", "f1?", "COUNT", "3"});
    for (int i = 0; i < 2000; i += 3) ExpectSame({"HDEL", "big", "f" + std::to_string(i)});
    ExpectSame({"HLEN", "big"});
    ExpectSame({"HGETALL", "big"}, Compare::kSortedPairs);
  });
}

TEST_F(HashesDiffTest, ScanOptionsAndErrors) {
  Fill("h", 10);
  ExpectSame({"HSCAN", "h", "0"});  // a listpack: everything at once, cursor 0
  ExpectSame({"HSCAN", "h", "0", "MATCH", "f1*"});
  ExpectSame({"HSCAN", "h", "0", "COUNT", "1"});
  ExpectSame({"HSCAN", "h", "0", "match", "*", "count", "2", "MATCH", "f2"});
  ExpectSame({"HSCAN", "missing", "0"});
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"HSCAN", "h", "x"},
           {"HSCAN", "h", "-1"},
           {"HSCAN", "h", "18446744073709551615"},
           {"HSCAN", "h", "18446744073709551616"},
           {"HSCAN", "h", "0", "COUNT", "0"},
           {"HSCAN", "h", "0", "COUNT", "-1"},
           {"HSCAN", "h", "0", "COUNT", "x"},
           {"HSCAN", "h", "0", "MATCH"},
           {"HSCAN", "h", "0", "NOVALUES"},
           {"HSCAN", "h", "0", "TYPE", "string"},
           {"HSCAN", "h"},
       }) {
    ExpectSame(argv);
  }
}

// HRANDFIELD's replies are random: the deterministic cases are compared byte for byte, the
// random ones by their properties on each server.
TEST_F(HashesDiffTest, RandField) {
  InBothProtocols([&] {
    ExpectSame({"HRANDFIELD", "missing"});
    ExpectSame({"HRANDFIELD", "missing", "3"});
    ExpectSame({"HRANDFIELD", "missing", "-3", "WITHVALUES"});
    Fill("h", 5);
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"HRANDFIELD", "h", "0"},
             {"HRANDFIELD", "h", "0", "WITHVALUES"},
             {"HRANDFIELD", "h", "5"},  // count >= size: the whole hash, in its order
             {"HRANDFIELD", "h", "100", "WITHVALUES"},
             {"HRANDFIELD", "h", "x"},
             {"HRANDFIELD", "h", "1.5"},
             {"HRANDFIELD", "h", "1", "WITHVALUE"},
             {"HRANDFIELD", "h", "1", "WITHVALUES", "x"},
             {"HRANDFIELD", "h", "-9223372036854775808"},
             {"HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES"},
         }) {
      ExpectSame(argv);
    }
  });
  Fill("h", 5);
  Fill("big", 1000);
  for (const std::string& key : {std::string("h"), std::string("big")}) {
    const int size = key == "h" ? 5 : 1000;
    for (RespClient* c : {&rill_client(), &redis_client()}) {
      const bool is_rill = c == &rill_client();
      SCOPED_TRACE(is_rill ? "rill" : "redis");
      // One field: one of the hash's.
      const std::string one = BulkValue(c->Command({"HRANDFIELD", key}));
      EXPECT_EQ(one.substr(0, 1), "f");
      // Positive counts are distinct, negative ones may repeat and are exactly that long.
      for (int count : {1, 2, size - 1, size / 2 + 1, 7}) {
        if (count <= 0 || count >= size) continue;
        const std::vector<std::string> fields =
            BulkArray(c->Command({"HRANDFIELD", key, std::to_string(count)}));
        EXPECT_EQ(fields.size(), static_cast<size_t>(count));
        EXPECT_EQ(std::set<std::string>(fields.begin(), fields.end()).size(), fields.size());
      }
      const std::vector<std::string> repeated = BulkArray(c->Command({"HRANDFIELD", key, "-50"}));
      EXPECT_EQ(repeated.size(), 50u);
      if (size == 5) {
        EXPECT_LT(std::set<std::string>(repeated.begin(), repeated.end()).size(), 50u);
      }
      // WITHVALUES: pairs whose value belongs to the field.
      const std::vector<std::string> pairs =
          BulkArray(c->Command({"HRANDFIELD", key, "-20", "WITHVALUES"}));
      ASSERT_EQ(pairs.size(), 40u);
      for (size_t i = 0; i < pairs.size(); i += 2) {
        EXPECT_EQ("f" + pairs[i + 1].substr(1), pairs[i]);
      }
    }
  }
}

TEST_F(HashesDiffTest, ArityAndSyntaxErrors) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"HGET", "h"},
           {"HGET", "h", "a", "b"},
           {"HMGET"},
           {"HGETALL"},
           {"HGETALL", "h", "x"},
           {"HKEYS"},
           {"HVALS", "h", "x"},
           {"HLEN"},
           {"HEXISTS", "h"},
           {"HDEL", "h"},
           {"HINCRBY", "h", "f"},
           {"HINCRBYFLOAT", "h", "f", "1", "2"},
           {"HSTRLEN", "h"},
           {"HRANDFIELD"},
           {"HSCAN", "h"},
           {"HSETNX", "h", "f", "v", "x"},
           {"HMSET", "h"},
       }) {
    ExpectSame(argv);
  }
}

TEST_F(HashesDiffTest, GenericCommandsKnowHashes) {
  Fill("h", 3);
  ExpectSame({"TYPE", "h"});
  ExpectSame({"OBJECT", "ENCODING", "h"});
  ExpectSame({"COPY", "h", "h2"});
  ExpectSame({"HGETALL", "h2"});
  ExpectSame({"HSET", "h", "new", "x"});
  ExpectSame({"HGETALL", "h2"});  // the copy is deep
  ExpectSame({"COPY", "h", "h2"});
  ExpectSame({"COPY", "h", "h2", "REPLACE"});
  ExpectSame({"RENAME", "h2", "h3"});
  ExpectSame({"HGETALL", "h3"});
  ExpectSame({"MOVE", "h3", "1"});
  ExpectSame({"EXISTS", "h3"});
  ExpectSame({"SELECT", "1"});
  ExpectSame({"HGETALL", "h3"});
  ExpectSame({"SELECT", "0"});
  ExpectSame({"EXPIRE", "h", "100"});
  ExpectSame({"TTL", "h"});
  ExpectSame({"HSET", "h", "x", "y"});
  ExpectSame({"TTL", "h"});  // writes keep the expiry
  ExpectSame({"PERSIST", "h"});
  ExpectSame({"SET", "s", "v"});
  Fill("big", 600);
  ExpectSame({"OBJECT", "ENCODING", "big"});
  ExpectSameScan({"SCAN", "0", "TYPE", "hash"});
  ExpectSameScan({"SCAN", "0", "TYPE", "HASH"});
  ExpectSame({"DEL", "h", "big"});
  ExpectSame({"UNLINK", "h3", "s"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"HSET", "only", "f", "v"});
  ExpectSame({"RANDOMKEY"});
}

TEST_F(HashesDiffTest, KeyspaceEvents) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__key*@*"});
  const std::vector<std::vector<std::string>> commands = {
      {"HSET", "h", "a", "1", "b", "2"},
      {"HSET", "h", "a", "1"},  // an update is an hset too
      {"HSETNX", "h", "a", "x"},
      {"HSETNX", "h", "c", "3"},
      {"HMSET", "h", "d", "4"},
      {"HINCRBY", "h", "n", "2"},
      {"HINCRBYFLOAT", "h", "n", "0.5"},
      {"HINCRBY", "h", "a", "x"},
      {"HDEL", "h", "zz"},
      {"HDEL", "h", "a", "b"},
      {"HGET", "h", "c"},
      {"HDEL", "h", "c", "d", "n"},
      {"HSET", "h2", "f", "v"},
      {"EXPIRE", "h2", "100"},
      {"RENAME", "h2", "h3"},
      {"DEL", "h3"},
  };
  std::string all;
  for (const auto& argv : commands) {
    ExpectSame(argv);
    all += ExpectSameEventsBeforeMarker(sub, argv[0]);
  }
  EXPECT_NE(all.find("__keyevent@0__:hset"), std::string::npos);
  EXPECT_NE(all.find("__keyevent@0__:hincrbyfloat"), std::string::npos);
  EXPECT_NE(all.find("__keyevent@0__:hdel"), std::string::npos);
}

TEST_F(HashesDiffTest, WatchSeesHashWrites) {
  ClientPair other = ConnectPair();
  for (const std::vector<std::string>& write : std::vector<std::vector<std::string>>{
           {"HSET", "h", "f", "2"},
           {"HDEL", "h", "f"},
           {"HINCRBY", "h", "n", "1"},
           {"HINCRBYFLOAT", "h", "n", "1.5"},
           {"HSETNX", "h", "g", "1"},
       }) {
    ExpectSame({"HSET", "h", "f", "1"});
    ExpectSame({"WATCH", "h"});
    ExpectSamePair(other, write);
    ExpectSame({"MULTI"});
    ExpectSame({"HGET", "h", "f"});
    ExpectSame({"EXEC"});
  }
  // A write that changes nothing does not touch the key.
  ExpectSame({"HSET", "h", "f", "1"});
  ExpectSame({"WATCH", "h"});
  ExpectSamePair(other, {"HSETNX", "h", "f", "1"});
  ExpectSamePair(other, {"HDEL", "h", "nope"});
  ExpectSame({"MULTI"});
  ExpectSame({"HGET", "h", "f"});
  ExpectSame({"EXEC"});
}

// Introspection of the new commands: COMMAND INFO / DOCS, the @hash and @set ACL categories,
// and a user restricted to them.
TEST_F(HashesDiffTest, CommandInfoDocsAndAclCategories) {
  const std::vector<std::string> commands = {
      "hset",        "hsetnx",       "hmset",      "hget",       "hmget",       "hgetall",
      "hkeys",       "hvals",        "hlen",       "hexists",    "hstrlen",     "hdel",
      "hincrby",     "hincrbyfloat", "hrandfield", "hscan",      "sadd",        "srem",
      "scard",       "sismember",    "smismember", "smembers",   "smove",       "sscan",
      "srandmember", "spop",         "sinter",     "sintercard", "sinterstore", "sunion",
      "sunionstore", "sdiff",        "sdiffstore"};
  for (const std::string& name : commands) {
    ExpectSame({"COMMAND", "INFO", name});
    ExpectSame({"COMMAND", "DOCS", name}, Compare::kDocsStructure);
    ExpectSame({"COMMAND", "GETKEYS", name, "k1", "f", "v"});
  }
  ExpectSame({"COMMAND", "GETKEYS", "sintercard", "2", "a", "b", "LIMIT", "1"});
  ExpectSame({"COMMAND", "GETKEYS", "smove", "a", "b", "m"});
  ExpectSame({"COMMAND", "GETKEYS", "sunionstore", "d", "a", "b"});
  ExpectSame({"ACL", "CAT", "hash"}, Compare::kSortedArray);
  ExpectSame({"ACL", "CAT", "set"}, Compare::kSortedArray);
  ExpectSame({"ACL", "SETUSER", "hashonly", "on", "nopass", "~*", "+@hash"});
  ClientPair user = ConnectPair();
  ExpectSamePair(user, {"AUTH", "hashonly", "any"});
  ExpectSamePair(user, {"HSET", "h", "f", "v"});
  ExpectSamePair(user, {"SADD", "s", "m"});
  ExpectSamePair(user, {"HGETALL", "h"});
  ExpectSame({"ACL", "DELUSER", "hashonly"});
}

}  // namespace
}  // namespace rill::testing
