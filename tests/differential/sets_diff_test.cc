// Set commands compared between rill and redis: every command and option, errors, wrong types,
// the deletion of emptied keys, intset/hashtable encodings and their conversion points, RESP2
// and RESP3 (sets as RESP3 sets where Redis uses them), keyspace events, WATCH, and the
// properties of SRANDMEMBER's and SPOP's random replies.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/differential.h"
#include "tests/support/keyspace_snapshot.h"

namespace rill::testing {
namespace {

class SetsDiffTest : public DifferentialTest {
 protected:
  void TearDown() override {
    SendBoth({"CONFIG", "SET", "set-max-intset-entries", "512"});
    SendBoth({"CONFIG", "SET", "notify-keyspace-events", ""});
    SendBoth({"HELLO", "2"});
  }

  // SADD key <prefix>0 .. <prefix>n-1 (integers when prefix is empty).
  void Fill(const std::string& key, int from, int to, const std::string& prefix = "") {
    std::vector<std::string> argv = {"SADD", key};
    for (int i = from; i < to; ++i) argv.push_back(prefix + std::to_string(i));
    ExpectSame(argv);
  }
};

TEST_F(SetsDiffTest, AddRemoveMembership) {
  InBothProtocols([&] {
    ExpectSame({"SADD", "s", "3", "1", "2", "1"});
    ExpectSame({"SADD", "s", "2", "4"});
    ExpectSame({"SADD", "s"});
    ExpectSame({"SMEMBERS", "s"});  // an intset: ascending, exactly
    ExpectSame({"SCARD", "s"});
    ExpectSame({"SCARD", "missing"});
    ExpectSame({"SISMEMBER", "s", "1"});
    ExpectSame({"SISMEMBER", "s", "01"});
    ExpectSame({"SISMEMBER", "s", "x"});
    ExpectSame({"SISMEMBER", "missing", "1"});
    ExpectSame({"SMISMEMBER", "s", "1", "x", "4", "1"});
    ExpectSame({"SMISMEMBER", "missing", "1", "2"});
    ExpectSame({"SMISMEMBER", "s"});
    ExpectSame({"SREM", "s", "1", "1", "x"});
    ExpectSame({"SREM", "s"});
    ExpectSame({"SREM", "missing", "1"});
    ExpectSame({"SMEMBERS", "s"});
    ExpectSame({"SMEMBERS", "missing"});
    ExpectSame({"SREM", "s", "2", "3", "4"});
    ExpectSame({"EXISTS", "s"});
    ExpectSame({"SADD", "t", "a", "", std::string("b\0in", 4), "-1", "1"});
    ExpectSame({"SMEMBERS", "t"}, Compare::kSortedArray);
    ExpectSame({"SISMEMBER", "t", std::string("b\0in", 4)});
    ExpectSame({"SISMEMBER", "t", ""});
    ExpectSame({"SREM", "t", "a", "", std::string("b\0in", 4), "-1", "1"});
    ExpectSame({"EXISTS", "t"});
  });
}

TEST_F(SetsDiffTest, WrongTypes) {
  ExpectSame({"SET", "str", "v"});
  ExpectSame({"HSET", "h", "f", "v"});
  ExpectSame({"SADD", "s", "1"});
  for (const std::string& key : {"str", "h"}) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"SADD", key, "x"},
             {"SREM", key, "x"},
             {"SCARD", key},
             {"SISMEMBER", key, "x"},
             {"SMISMEMBER", key, "x"},
             {"SMEMBERS", key},
             {"SRANDMEMBER", key},
             {"SRANDMEMBER", key, "-3"},
             {"SPOP", key},
             {"SPOP", key, "2"},
             {"SMOVE", key, "s", "x"},
             {"SMOVE", "s", key, "1"},
             {"SMOVE", "missing", key, "1"},
             {"SINTER", "s", key},
             {"SINTER", "missing", key},
             {"SINTERCARD", "2", "s", key},
             {"SINTERSTORE", "d", "s", key},
             {"SUNION", key, "s"},
             {"SUNIONSTORE", "d", "s", key},
             {"SDIFF", "s", key},
             {"SDIFF", "missing", key},
             {"SDIFFSTORE", "d", "s", key},
             {"SSCAN", key, "0"},
         }) {
      ExpectSame(argv);
    }
  }
  ExpectSame({"EXISTS", "d"});
  // A STORE onto a key of another type replaces it.
  ExpectSame({"SINTERSTORE", "str", "s"});
  ExpectSame({"TYPE", "str"});
  ExpectSame({"SUNIONSTORE", "h", "s", "missing"});
  ExpectSame({"TYPE", "h"});
}

TEST_F(SetsDiffTest, EncodingsAndConversionPoints) {
  ExpectSame({"CONFIG", "SET", "set-max-intset-entries", "4"});
  Fill("s", 0, 4);
  ExpectSame({"OBJECT", "ENCODING", "s"});
  ExpectSame({"SADD", "s", "4"});
  ExpectSame({"OBJECT", "ENCODING", "s"});
  ExpectSame({"SREM", "s", "0", "1", "2", "3"});
  ExpectSame({"OBJECT", "ENCODING", "s"});  // never back
  for (const char* member : {"a", "01", "+1", "-0", " 1", "9223372036854775808", "1.0"}) {
    ExpectSame({"DEL", "t"});
    ExpectSame({"SADD", "t", "1", member});
    ExpectSame({"OBJECT", "ENCODING", "t"});
  }
  ExpectSame({"SADD", "w", "-9223372036854775808", "9223372036854775807", "0"});
  ExpectSame({"OBJECT", "ENCODING", "w"});
  ExpectSame({"SMEMBERS", "w"});
  // Results of the STORE commands take the encoding their members call for.
  ExpectSame({"CONFIG", "SET", "set-max-intset-entries", "512"});
  Fill("i1", 0, 10);
  Fill("i2", 5, 15);
  Fill("str", 0, 10, "m");
  ExpectSame({"SINTERSTORE", "d1", "i1", "i2"});
  ExpectSame({"OBJECT", "ENCODING", "d1"});
  ExpectSame({"SUNIONSTORE", "d2", "i1", "str"});
  ExpectSame({"OBJECT", "ENCODING", "d2"});
  ExpectSame({"SDIFFSTORE", "d3", "i2", "i1"});
  ExpectSame({"OBJECT", "ENCODING", "d3"});
  ExpectSame({"SMEMBERS", "d3"});
  ExpectSame({"SMOVE", "str", "newdest", "m1"});
  ExpectSame({"OBJECT", "ENCODING", "newdest"});
  ExpectSame({"SMOVE", "i1", "newint", "1"});
  ExpectSame({"OBJECT", "ENCODING", "newint"});
  ExpectSame({"CONFIG", "SET", "set-max-intset-entries", "0"});
  ExpectSame({"SADD", "z", "1"});
  ExpectSame({"OBJECT", "ENCODING", "z"});
  ExpectSame({"CONFIG", "GET", "set-max-intset-entries"});
}

TEST_F(SetsDiffTest, Algebra) {
  InBothProtocols([&] {
    Fill("a", 0, 20);
    Fill("b", 10, 30);
    Fill("c", 15, 18);
    Fill("sa", 0, 20, "m");
    Fill("sb", 10, 30, "m");
    ExpectSame({"SADD", "mixed", "1", "m1", "15", "m15"});
    const std::vector<std::vector<std::string>> key_lists = {
        {"a"},       {"a", "b"},           {"a", "b", "c"},  {"b", "a"},  {"sa", "sb"},
        {"a", "sa"}, {"mixed", "a", "sa"}, {"a", "missing"}, {"missing"}, {"missing", "a"},
        {"a", "a"},  {"sb", "mixed", "b"}, {"c", "b", "sb"},
    };
    for (const auto& keys : key_lists) {
      for (const char* cmd : {"SINTER", "SUNION", "SDIFF"}) {
        std::vector<std::string> argv = {cmd};
        argv.insert(argv.end(), keys.begin(), keys.end());
        ExpectSame(argv, Compare::kSortedArray);
        std::vector<std::string> store = {absl::StrCat(cmd, "STORE"), "dest"};
        store.insert(store.end(), keys.begin(), keys.end());
        ExpectSame(store);
        ExpectSame({"SMEMBERS", "dest"}, Compare::kSortedArray);
        ExpectSame({"OBJECT", "ENCODING", "dest"});
        ExpectSame({"EXISTS", "dest"});
      }
      std::vector<std::string> card = {"SINTERCARD", std::to_string(keys.size())};
      card.insert(card.end(), keys.begin(), keys.end());
      ExpectSame(card);
      card.push_back("LIMIT");
      for (const char* limit : {"0", "1", "3", "100"}) {
        card.push_back(limit);
        ExpectSame(card);
        card.pop_back();
      }
    }
    // The destination may be one of the sources.
    ExpectSame({"SUNIONSTORE", "a", "a", "c", "sa"});
    ExpectSame({"SCARD", "a"});
    ExpectSame({"SDIFFSTORE", "b", "b", "b"});
    ExpectSame({"EXISTS", "b"});
    // An empty result deletes an existing destination.
    ExpectSame({"SET", "dest", "x"});
    ExpectSame({"SINTERSTORE", "dest", "missing", "a"});
    ExpectSame({"EXISTS", "dest"});
  });
}

TEST_F(SetsDiffTest, InterCardErrors) {
  Fill("s", 0, 5);
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"SINTERCARD", "0", "s"},
           {"SINTERCARD", "-1", "s"},
           {"SINTERCARD", "x", "s"},
           {"SINTERCARD", "2", "s"},
           {"SINTERCARD", "1", "s", "LIMIT"},
           {"SINTERCARD", "1", "s", "LIMIT", "-1"},
           {"SINTERCARD", "1", "s", "LIMIT", "x"},
           {"SINTERCARD", "1", "s", "LIMIT", "1", "LIMIT", "2"},
           {"SINTERCARD", "1", "s", "FOO", "3"},
           {"SINTERCARD", "1", "s", "limit", "2"},
           {"SINTERCARD", "1"},
           {"SINTERCARD", "9223372036854775807", "s"},
           {"SINTER"},
           {"SUNIONSTORE", "d"},
           {"SDIFF"},
       }) {
    ExpectSame(argv);
  }
}

TEST_F(SetsDiffTest, Move) {
  InBothProtocols([&] {
    Fill("a", 0, 3);
    ExpectSame({"SMOVE", "a", "b", "1"});
    ExpectSame({"SMOVE", "a", "b", "1"});
    ExpectSame({"SMOVE", "a", "a", "0"});
    ExpectSame({"SMOVE", "a", "a", "9"});
    ExpectSame({"SMOVE", "missing", "a", "0"});
    ExpectSame({"SMOVE", "missing", "missing2", "0"});
    ExpectSame({"SADD", "b", "2"});
    ExpectSame({"SMOVE", "a", "b", "2"});  // already there: only removed from a
    ExpectSame({"SMEMBERS", "a"});
    ExpectSame({"SMEMBERS", "b"});
    ExpectSame({"SMOVE", "a", "b", "0"});  // empties a
    ExpectSame({"EXISTS", "a"});
    ExpectSame({"SMEMBERS", "b"});
    ExpectSame({"SMOVE", "b", "c", "x"});
    ExpectSame({"SMOVE", "b"});
  });
}

TEST_F(SetsDiffTest, PopAndRandMemberDeterministicCases) {
  InBothProtocols([&] {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"SPOP", "missing"},
             {"SPOP", "missing", "0"},
             {"SPOP", "missing", "3"},
             {"SRANDMEMBER", "missing"},
             {"SRANDMEMBER", "missing", "3"},
             {"SRANDMEMBER", "missing", "-3"},
         }) {
      ExpectSame(argv);
    }
    Fill("s", 0, 5);
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"SPOP", "s", "0"},
             {"SPOP", "s", "-1"},
             {"SPOP", "s", "x"},
             {"SPOP", "s", "1", "2"},
             {"SRANDMEMBER", "s", "0"},
             {"SRANDMEMBER", "s", "5"},  // count >= size: the whole set (an intset, in order)
             {"SRANDMEMBER", "s", "100"},
             {"SRANDMEMBER", "s", "x"},
             {"SRANDMEMBER", "s", "-9223372036854775808"},
             {"SRANDMEMBER", "s", "1", "2"},
         }) {
      ExpectSame(argv);
    }
    ExpectSame({"SPOP", "s", "5"}, Compare::kSortedArray);  // everything: the key goes
    ExpectSame({"EXISTS", "s"});
    Fill("s", 0, 3);
    ExpectSame({"SPOP", "s", "100"}, Compare::kSortedArray);
    ExpectSame({"EXISTS", "s"});
    ExpectSame({"SADD", "one", "x"});
    ExpectSame({"SPOP", "one"});
    ExpectSame({"EXISTS", "one"});
  });
}

TEST_F(SetsDiffTest, PopAndRandMemberProperties) {
  Fill("ints", 0, 10);
  Fill("strs", 0, 1000, "m");
  for (RespClient* c : {&rill_client(), &redis_client()}) {
    SCOPED_TRACE(c == &rill_client() ? "rill" : "redis");
    for (const std::string key : {"ints", "strs"}) {
      const int size = key == "ints" ? 10 : 1000;
      for (int count : {1, 3, size / 2, size - 1}) {
        const auto members = BulkArray(c->Command({"SRANDMEMBER", key, std::to_string(count)}));
        EXPECT_EQ(members.size(), static_cast<size_t>(count));
        EXPECT_EQ(std::set<std::string>(members.begin(), members.end()).size(), members.size());
        for (const std::string& m : members) {
          EXPECT_EQ(c->Command({"SISMEMBER", key, m}), ":1\r\n") << m;
        }
      }
      const auto repeated = BulkArray(c->Command({"SRANDMEMBER", key, "-40"}));
      EXPECT_EQ(repeated.size(), 40u);
      if (size == 10) {
        EXPECT_LT(std::set<std::string>(repeated.begin(), repeated.end()).size(), 40u);
      }
    }
    // SPOP takes distinct members out; the set keeps the rest.
    for (int count : {1, 3, 400}) {
      const std::string before = c->Command({"SCARD", "strs"});
      const auto popped = BulkArray(c->Command({"SPOP", "strs", std::to_string(count)}));
      EXPECT_EQ(popped.size(), static_cast<size_t>(count));
      EXPECT_EQ(std::set<std::string>(popped.begin(), popped.end()).size(), popped.size());
      for (const std::string& m : popped) {
        EXPECT_EQ(c->Command({"SISMEMBER", "strs", m}), ":0\r\n") << m;
      }
    }
    EXPECT_EQ(c->Command({"SCARD", "strs"}), ":596\r\n");
    const std::string one = BulkValue(c->Command({"SPOP", "ints"}));
    EXPECT_EQ(c->Command({"SISMEMBER", "ints", one}), ":0\r\n");
    EXPECT_EQ(c->Command({"SCARD", "ints"}), ":9\r\n");
  }
}

TEST_F(SetsDiffTest, ScanOptionsAndErrors) {
  Fill("s", 0, 10);
  ExpectSame({"SSCAN", "s", "0"});  // an intset: everything at once, in order
  ExpectSame({"SSCAN", "s", "0", "MATCH", "1*"});
  ExpectSame({"SSCAN", "s", "0", "COUNT", "1"});
  ExpectSame({"SSCAN", "missing", "0"});
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"SSCAN", "s", "x"},
           {"SSCAN", "s", "0", "COUNT", "0"},
           {"SSCAN", "s", "0", "MATCH"},
           {"SSCAN", "s", "0", "TYPE", "set"},
           {"SSCAN", "s"},
       }) {
    ExpectSame(argv);
  }
  Fill("big", 0, 3000, "member:");
  ExpectSameScan({"SSCAN", "big", "0"});
  ExpectSameScan({"SSCAN", "big", "0", "COUNT", "200", "MATCH", "member:1*"});
  ExpectSame({"SMEMBERS", "big"}, Compare::kSortedArray);
}

TEST_F(SetsDiffTest, GenericCommandsKnowSets) {
  Fill("s", 0, 5);
  Fill("t", 0, 600, "m");
  for (const char* key : {"s", "t"}) {
    ExpectSame({"TYPE", key});
    ExpectSame({"OBJECT", "ENCODING", key});
  }
  ExpectSame({"COPY", "t", "t2"});
  ExpectSame({"SREM", "t", "m1"});
  ExpectSame({"SCARD", "t2"});
  ExpectSame({"RENAME", "s", "s2"});
  ExpectSame({"SMEMBERS", "s2"});
  ExpectSame({"MOVE", "s2", "2"});
  ExpectSame({"SELECT", "2"});
  ExpectSame({"SMEMBERS", "s2"});
  ExpectSame({"SELECT", "0"});
  ExpectSame({"SET", "str", "x"});
  ExpectSameScan({"SCAN", "0", "TYPE", "set"});
  ExpectSame({"DEL", "t"});
  // UNLINK of a set bigger than LAZYFREE_THRESHOLD (64) frees it on the lazy-free thread.
  SendBoth({"CONFIG", "RESETSTAT"});
  ExpectSame({"UNLINK", "t2"});
  ExpectSame({"DBSIZE"});
  for (RespClient* c : {&rill_client(), &redis_client()}) {
    SCOPED_TRACE(c == &rill_client() ? "rill" : "redis");
    EXPECT_EQ(LazyFreedObjects(*c), "1");
  }
  // A small one (an intset) is freed at once: nothing more goes to the thread.
  Fill("small", 0, 5);
  ExpectSame({"UNLINK", "small"});
  EXPECT_NE(BulkValue(rill_client().Command({"INFO", "memory"})).find("lazyfreed_objects:1\r\n"),
            std::string::npos);
}

TEST_F(SetsDiffTest, KeyspaceEvents) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__key*@*"});
  const std::vector<std::vector<std::string>> commands = {
      {"SADD", "s", "1", "2", "3", "4", "5"},
      {"SADD", "s", "1"},
      {"SREM", "s", "9"},
      {"SREM", "s", "1"},
      {"SPOP", "s"},
      {"SPOP", "s", "0"},
      {"SMOVE", "s", "d", "9"},
      {"SADD", "s", "9"},
      {"SMOVE", "s", "d", "9"},
      {"SADD", "x", "a", "b"},
      {"SINTERSTORE", "i", "s", "s"},
      {"SUNIONSTORE", "u", "s", "x"},
      {"SDIFFSTORE", "df", "x", "s"},
      {"SINTERSTORE", "i", "s", "missing"},
      {"SUNIONSTORE", "none", "missing"},
      {"SMOVE", "x", "x", "a"},
      {"SREM", "x", "a", "b"},
      {"SADD", "p", "1", "2", "3"},
      {"SPOP", "p", "2"},
      {"SPOP", "p", "5"},
      {"SADD", "q", "1"},
      {"SMOVE", "q", "r", "1"},
  };
  std::string all;
  for (const auto& argv : commands) {
    if (argv[0] == "SPOP") {
      SendBoth(argv);  // a random member: only the events are compared
    } else {
      ExpectSame(argv);
    }
    all += ExpectSameEventsBeforeMarker(sub, argv[0]);
  }
  // SMOVE publishes srem (and del) for its source and sadd for its destination: Redis 7.0 has
  // no "smove" event.
  EXPECT_EQ(all.find("__keyevent@0__:smove"), std::string::npos);
  for (const char* event :
       {"sadd", "srem", "spop", "sinterstore", "sunionstore", "sdiffstore", "del"}) {
    EXPECT_NE(all.find(absl::StrCat("__keyevent@0__:", event)), std::string::npos) << event;
  }
}

TEST_F(SetsDiffTest, WatchSeesSetWrites) {
  ClientPair other = ConnectPair();
  for (const std::vector<std::string>& write : std::vector<std::vector<std::string>>{
           {"SADD", "s", "2"},
           {"SREM", "s", "1"},
           {"SPOP", "s"},
           {"SMOVE", "s", "t", "1"},
           {"SINTERSTORE", "s", "s"},
           {"SUNIONSTORE", "s", "missing"},
       }) {
    ExpectSame({"DEL", "s"});
    ExpectSame({"SADD", "s", "1"});
    ExpectSame({"WATCH", "s"});
    ExpectSamePair(other, write);
    ExpectSame({"MULTI"});
    ExpectSame({"SCARD", "s"});
    ExpectSame({"EXEC"});
  }
  // Writes that change nothing do not touch the key.
  ExpectSame({"SADD", "s", "1"});
  ExpectSame({"WATCH", "s"});
  ExpectSamePair(other, {"SADD", "s", "1"});
  ExpectSamePair(other, {"SREM", "s", "nope"});
  ExpectSame({"MULTI"});
  ExpectSame({"SCARD", "s"});
  ExpectSame({"EXEC"});
}

}  // namespace
}  // namespace rill::testing
