// SORT and SORT_RO compared between rill and redis-server 7.0: numeric and ALPHA order, every
// option (BY with `*` and `->field` patterns and nosort, LIMIT, GET, ASC/DESC, STORE), Redis's
// errors, wrong types and missing keys, RESP2 and RESP3, what STORE changes (the destination,
// its events, the dirty counter, WATCH and blocked pops), scripts, and the ACL rule for BY/GET
// patterns.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/support/acl_differential.h"
#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class SortDiffTest : public DifferentialTest {
 protected:
  void TearDown() override {
    SendBoth({"CONFIG", "SET", "notify-keyspace-events", ""});
    SendBoth({"HELLO", "2"});
  }

  static void Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

  // A list `key` of `values`, and weights: w_<v> strings and h_<v> hashes (field "f").
  void Weights(const Argv& values, const Argv& weights) {
    for (size_t i = 0; i < values.size(); ++i) {
      ExpectSame({"SET", "w_" + values[i], weights[i]});
      ExpectSame({"HSET", "h_" + values[i], "f", weights[i], "name", "n" + values[i]});
    }
  }
};

TEST_F(SortDiffTest, NumericOrderOfLists) {
  InBothProtocols([&] {
    ExpectSame({"RPUSH", "l", "3", "1", "2", "10", "-5", "2.5", "1e2", "-inf", "inf", "0x10", " 7",
                "", "01", "1.0", "-0", "0"});
    ExpectSame({"SORT", "l"});
    ExpectSame({"SORT", "l", "ASC"});
    ExpectSame({"SORT", "l", "DESC"});
    ExpectSame({"SORT", "l", "desc", "asc"});
    ExpectSame({"SORT_RO", "l"});
    ExpectSame({"SORT_RO", "l", "DESC", "LIMIT", "2", "3"});
    // Ties between equal numbers fall back to the bytes, in both directions.
    ExpectSame({"RPUSH", "ties", "1", "1.0", "01", "1e0", "+1", "2", "0.5"});
    ExpectSame({"SORT", "ties"});
    ExpectSame({"SORT", "ties", "DESC"});
    // Big integers round as doubles.
    ExpectSame({"RPUSH", "big", "9223372036854775807", "9223372036854775806",
                "-9223372036854775808", "18446744073709551616"});
    ExpectSame({"SORT", "big"});
  });
}

// Issue 21: with a BY pattern and a LIMIT that leaves something out, Redis sorts with its partial
// quicksort, and elements of equal weight (missing weights, equal ALPHA weights) come out in
// that algorithm's order, not in the list's. Lists long enough (> 40) for every pivot rule.
TEST_F(SortDiffTest, TiedWeightsUnderByAndLimitComeOutInRedisOrder) {
  Argv rpush = {"RPUSH", "l"};
  for (int i = 0; i < 120; ++i) rpush.push_back(absl::StrCat("e", i));
  ExpectSame(rpush);
  // Weights in 4 classes (many ties); every fifth element has no weight at all.
  for (int i = 0; i < 120; ++i) {
    if (i % 5 != 0) ExpectSame({"SET", absl::StrCat("w_e", i), absl::StrCat("k", i % 4)});
  }
  for (const Argv& limit : {Argv{"0", "10"}, Argv{"5", "30"}, Argv{"100", "50"}, Argv{"119", "1"},
                            Argv{"0", "119"}, Argv{"1", "-1"}, Argv{"0", "0"}, Argv{"200", "5"}}) {
    SCOPED_TRACE(absl::StrCat("LIMIT ", limit[0], " ", limit[1]));
    ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", limit[0], limit[1]});
    ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA", "DESC", "LIMIT", limit[0], limit[1]});
    ExpectSame(
        {"SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", limit[0], limit[1], "GET", "#", "GET", "w_*"});
    ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", limit[0], limit[1], "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
  }
  // Without a LIMIT (or one that keeps everything) the sort is stable: the list's order.
  ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA"});
  ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA", "LIMIT", "0", "120"});
}

TEST_F(SortDiffTest, ScoresThatAreNotDoubles) {
  for (const char* bad : {"x", "nan", "1e400", "-1e400", "1e-400", "1 ", "1x", "0x", "--1"}) {
    SCOPED_TRACE(bad);
    ExpectSame({"DEL", "l"});
    ExpectSame({"RPUSH", "l", "1", bad, "2"});
    ExpectSame({"SORT", "l"});
    ExpectSame({"SORT", "l", "LIMIT", "0", "1"});
    ExpectSame({"SORT", "l", "STORE", "dst"});
    ExpectSame({"EXISTS", "dst"});
    ExpectSame({"SORT", "l", "ALPHA"});
    ExpectSame({"SORT", "l", "BY", "nosort"});
  }
  // A weight that is not a number fails too; a missing one weighs 0.
  ExpectSame({"RPUSH", "k", "a", "b", "c"});
  ExpectSame({"SET", "w_a", "2"});
  ExpectSame({"SET", "w_b", "oops"});
  ExpectSame({"SORT", "k", "BY", "w_*"});
  ExpectSame({"SET", "w_b", "-1"});
  ExpectSame({"SORT", "k", "BY", "w_*"});
  ExpectSame({"SORT", "k", "BY", "w_*", "DESC"});
}

TEST_F(SortDiffTest, AlphaOrder) {
  InBothProtocols([&] {
    ExpectSame({"RPUSH", "l", "banana", "Apple", "apple", "10", "9", "", "b", "ab", "a b", "Z",
                "\xc3\xa9t\xc3\xa9", "~", "_x"});
    ExpectSame({"SORT", "l", "ALPHA"});
    ExpectSame({"SORT", "l", "ALPHA", "DESC"});
    ExpectSame({"SORT", "l", "ALPHA", "LIMIT", "3", "4"});
    ExpectSame({"SORT", "l", "ALPHA", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"SORT", "l", "ALPHA", "DESC", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
  });
}

TEST_F(SortDiffTest, Limit) {
  ExpectSame({"RPUSH", "l", "5", "3", "9", "1", "7"});
  ExpectSame({"SADD", "s", "5", "3", "9", "1", "7"});
  ExpectSame({"ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  for (const char* key : {"l", "s", "z", "missing"}) {
    for (const Argv& limit : std::vector<Argv>{{"0", "2"},
                                               {"1", "3"},
                                               {"-3", "2"},
                                               {"2", "-1"},
                                               {"2", "-100"},
                                               {"0", "0"},
                                               {"4", "10"},
                                               {"5", "1"},
                                               {"100", "1"},
                                               {"-100", "-100"},
                                               {"2", "9223372036854775807"},
                                               {"9223372036854775807", "2"},
                                               {"-9223372036854775808", "9223372036854775807"}}) {
      SCOPED_TRACE(absl::StrCat(key, " LIMIT ", limit[0], " ", limit[1]));
      const std::string alpha = std::string(key) == "z" ? "ALPHA" : "ASC";
      ExpectSame({"SORT", key, "LIMIT", limit[0], limit[1], alpha});
      ExpectSame({"SORT", key, "LIMIT", limit[0], limit[1], alpha, "DESC"});
      ExpectSame({"SORT", key, "BY", "nosort", "LIMIT", limit[0], limit[1]});
      ExpectSame({"SORT", key, "BY", "nosort", "LIMIT", limit[0], limit[1], "DESC"});
      ExpectSame(
          {"SORT", key, "BY", "nosort", "LIMIT", limit[0], limit[1], "GET", "#", "GET", "x"});
      ExpectSame({"SORT", key, "LIMIT", limit[0], limit[1], alpha, "STORE", "dst"});
      ExpectSame({"LRANGE", "dst", "0", "-1"});
    }
  }
  // The last LIMIT wins; bad numbers and missing arguments.
  ExpectSame({"SORT", "l", "LIMIT", "0", "1", "LIMIT", "1", "2"});
  ExpectSame({"SORT", "l", "LIMIT", "a", "1"});
  ExpectSame({"SORT", "l", "LIMIT", "0", "1.5"});
  ExpectSame({"SORT", "l", "LIMIT", "0", "9223372036854775808"});
  ExpectSame({"SORT", "l", "LIMIT", "0"});
  ExpectSame({"SORT", "l", "LIMIT"});
  ExpectSame({"SORT", "l", "LIMIT", "0", "1", "2"});
}

TEST_F(SortDiffTest, ByPatterns) {
  InBothProtocols([&] {
    ExpectSame({"RPUSH", "l", "a", "b", "c", "d", "e"});
    Weights({"a", "b", "c", "d"}, {"30", "10", "20", "10"});
    ExpectSame({"SORT", "l", "BY", "w_*"});
    ExpectSame({"SORT", "l", "BY", "w_*", "DESC"});
    ExpectSame({"SORT", "l", "BY", "w_*", "LIMIT", "1", "2"});
    ExpectSame({"SORT", "l", "BY", "w_*", "DESC", "LIMIT", "0", "3"});
    ExpectSame({"SORT", "l", "BY", "h_*->f"});
    ExpectSame({"SORT", "l", "BY", "h_*->f", "DESC", "LIMIT", "1", "10"});
    ExpectSame({"SORT", "l", "BY", "h_*->nosuchfield"});
    // Hash fields by ALPHA; a string key read as a hash (and the reverse) weighs nothing.
    ExpectSame({"SORT", "l", "BY", "h_*->name", "ALPHA"});
    ExpectSame({"SORT", "l", "BY", "h_*->name", "ALPHA", "DESC"});
    ExpectSame({"SORT", "l", "BY", "w_*->f"});
    ExpectSame({"SORT", "l", "BY", "h_*"});
    ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA"});
    ExpectSame({"SORT", "l", "BY", "w_*", "ALPHA", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    // "->" with nothing after it is part of the key name; only the first `*` is replaced.
    ExpectSame({"SET", "a->", "3"});
    ExpectSame({"SET", "b->", "1"});
    ExpectSame({"SORT", "l", "BY", "*->"});
    ExpectSame({"SET", "x_a_*", "2"});
    ExpectSame({"SET", "x_b_*", "1"});
    ExpectSame({"SORT", "l", "BY", "x_*_*"});
    ExpectSame({"SORT", "l", "BY", "*"});
    // The element itself as the key.
    ExpectSame({"SET", "a", "5"});
    ExpectSame({"SET", "c", "1"});
    ExpectSame({"SORT", "l", "BY", "*"});
    // A pattern without `*` does not sort: the list's own order, reversed by DESC.
    ExpectSame({"SORT", "l", "BY", "nosort"});
    ExpectSame({"SORT", "l", "BY", "nosort", "DESC"});
    ExpectSame({"SORT", "l", "BY", "nosort", "ALPHA"});
    ExpectSame({"SORT", "l", "BY", "nosort", "BY", "w_*"});
    ExpectSame({"SORT", "l", "BY", "w_*", "BY", "nosort"});
    ExpectSame({"SORT", "l", "BY", ""});
    ExpectSame({"SORT", "l", "BY", "#"});
    ExpectSame({"SORT", "l", "BY"});
  });
}

TEST_F(SortDiffTest, GetPatterns) {
  InBothProtocols([&] {
    ExpectSame({"RPUSH", "l", "3", "1", "2"});
    ExpectSame({"SET", "obj_1", "one"});
    ExpectSame({"SET", "obj_3", "three"});
    ExpectSame({"HSET", "o_1", "name", "uno", "n", "1"});
    ExpectSame({"HSET", "o_2", "name", "dos"});
    ExpectSame({"RPUSH", "obj_2", "not a string"});
    ExpectSame({"SORT", "l", "GET", "obj_*"});
    ExpectSame({"SORT", "l", "GET", "#"});
    ExpectSame({"SORT", "l", "GET", "#", "GET", "obj_*", "GET", "o_*->name", "GET", "o_*->n"});
    ExpectSame({"SORT", "l", "GET", "fixed"});
    ExpectSame({"SORT", "l", "GET", "o_*->"});
    ExpectSame({"SORT", "l", "GET", "obj_*", "DESC", "LIMIT", "1", "1"});
    ExpectSame({"SORT", "l", "BY", "nosort", "GET", "obj_*", "GET", "#"});
    ExpectSame({"SORT", "l", "BY", "o_*->name", "ALPHA", "GET", "o_*->name"});
    ExpectSame({"SORT", "l", "GET", "#", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    // Missing values are stored as empty strings.
    ExpectSame({"SORT", "l", "GET", "obj_*", "GET", "o_*->name", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"SORT", "l", "GET"});
    ExpectSame({"SORT", "l", "GET", "#", "GET"});
    ExpectSame({"SORT", "missing", "GET", "#"});
  });
}

TEST_F(SortDiffTest, SetsAndSortedSets) {
  InBothProtocols([&] {
    ExpectSame({"SADD", "ints", "5", "-2", "17", "3"});
    ExpectSame({"SADD", "strs", "pear", "apple", "fig", "kiwi", "10"});
    ExpectSame({"SORT", "ints"});
    ExpectSame({"SORT", "ints", "DESC", "LIMIT", "1", "2"});
    ExpectSame({"SORT", "strs", "ALPHA"});
    ExpectSame({"SORT", "strs", "ALPHA", "DESC", "LIMIT", "1", "3"});
    ExpectSame({"SORT", "strs"});
    // An intset's own order is ascending in both servers.
    ExpectSame({"SORT", "ints", "BY", "nosort"});
    ExpectSame({"SORT", "ints", "BY", "nosort", "LIMIT", "1", "2"});
    // Stored, an unsorted set is sorted (ALPHA) so that the result does not depend on the
    // server's hash order; also from a script.
    ExpectSame({"SORT", "strs", "BY", "nosort", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"SORT", "strs", "BY", "nosort", "DESC", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"SORT", "ints", "BY", "nosort", "GET", "#", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"EVAL", "return redis.call('SORT', KEYS[1], 'BY', 'nosort')", "1", "strs"});
    ExpectSame({"EVAL", "return redis.call('SORT_RO', KEYS[1], 'BY', 'nosort', 'LIMIT', 1, 2)", "1",
                "strs"});
    ExpectSame(
        {"EVAL", "return redis.call('SORT', KEYS[1], 'BY', 'w_*', 'GET', '#')", "1", "ints"});

    ExpectSame({"ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb", "-1", "10"});
    ExpectSame({"OBJECT", "ENCODING", "z"});
    ExpectSame({"SORT", "z", "ALPHA"});
    ExpectSame({"SORT", "z", "ALPHA", "DESC", "LIMIT", "1", "2"});
    ExpectSame({"SORT", "z"});
    // Any SORT turns a sorted set into a skiplist, even SORT_RO.
    ExpectSame({"OBJECT", "ENCODING", "z"});
    ExpectSame({"ZADD", "z2", "3", "c", "1", "a", "2", "b"});
    ExpectSame({"SORT_RO", "z2", "BY", "nosort"});
    ExpectSame({"OBJECT", "ENCODING", "z2"});
    // nosort keeps the score order, reversed by DESC, with LIMIT counted from its end.
    ExpectSame({"SORT", "z", "BY", "nosort"});
    ExpectSame({"SORT", "z", "BY", "nosort", "DESC"});
    ExpectSame({"SORT", "z", "BY", "nosort", "LIMIT", "1", "3"});
    ExpectSame({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "3"});
    ExpectSame({"SORT", "z", "BY", "nosort", "DESC", "LIMIT", "4", "3"});
    ExpectSame({"SORT", "z", "BY", "nosort", "STORE", "dst"});
    ExpectSame({"LRANGE", "dst", "0", "-1"});
    ExpectSame({"ZRANGE", "z", "0", "-1", "WITHSCORES"});
  });
}

TEST_F(SortDiffTest, WrongTypesMissingKeysAndSyntax) {
  InBothProtocols([&] {
    ExpectSame({"SET", "str", "1"});
    ExpectSame({"HSET", "h", "f", "1"});
    ExpectSame({"XADD", "st", "1-1", "f", "v"});
    for (const char* key : {"str", "h", "st"}) {
      ExpectSame({"SORT", key});
      ExpectSame({"SORT_RO", key, "ALPHA"});
      ExpectSame({"SORT", key, "STORE", "dst"});
    }
    ExpectSame({"SORT", "missing"});
    ExpectSame({"SORT_RO", "missing", "DESC", "ALPHA", "LIMIT", "0", "1"});
    ExpectSame({"SORT", "missing", "STORE", "dst"});
    // Options are parsed before the key is looked up.
    ExpectSame({"SORT", "str", "BOGUS"});
    ExpectSame({"SORT", "str", "LIMIT", "x", "1"});
    ExpectSame({"SORT", "missing", "STORE"});
    ExpectSame({"SORT_RO", "missing", "STORE", "dst"});
    ExpectSame({"SORT_RO", "str", "STORE", "dst"});
    ExpectSame({"EXISTS", "dst"});
    ExpectSame({"SORT"});
    ExpectSame({"SORT_RO"});
    for (const Argv& line : std::vector<Argv>{{"SORT", "l", "BY", "x", "STORE", "a", "STORE", "b",
                                               "LIMIT", "1", "2", "GET", "store"},
                                              {"SORT", "l", "GET", "store", "x"},
                                              {"SORT", "l", "STORE"},
                                              {"SORT_RO", "l", "STORE", "a"},
                                              {"SORT", "l", "LIMIT", "store", "a", "store", "b"}}) {
      Argv argv = {"COMMAND", "GETKEYSANDFLAGS"};
      argv.insert(argv.end(), line.begin(), line.end());
      ExpectSame(argv);
    }
    ExpectSame({"sort", "missing", "alpha", "Desc", "limit", "0", "1", "by", "x", "get", "#"});
  });
}

TEST_F(SortDiffTest, StoreReplacesDeletesAndSignals) {
  ExpectSame({"RPUSH", "l", "3", "1", "2"});
  ExpectSame({"SET", "dst", "old", "EX", "100"});
  ExpectSameEffects({{"SORT", "l", "STORE", "dst"},
                     {"SORT", "l", "DESC", "STORE", "dst"},
                     {"SORT", "l", "GET", "#", "GET", "nope_*", "STORE", "dst"},
                     {"SORT", "l", "LIMIT", "0", "0", "STORE", "dst"},
                     {"SORT", "l", "LIMIT", "0", "0", "STORE", "dst"},
                     {"SORT", "missing", "STORE", "dst"},
                     {"SORT", "l", "STORE", "l"},
                     {"SORT", "l", "BY", "w_*"},
                     {"SORT_RO", "l"}});
  ExpectSame({"TYPE", "dst"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  // The stored list has no expiry and the list encoding of its size.
  ExpectSame({"SET", "dst", "old", "EX", "100"});
  ExpectSame({"SORT", "l", "STORE", "dst"});
  ExpectSame({"TTL", "dst"});
  ExpectSame({"OBJECT", "ENCODING", "dst"});
  Argv big = {"RPUSH", "big"};
  for (int i = 0; i < 300; ++i) big.push_back(std::to_string(i * 7919 % 300));
  ExpectSame(big);
  ExpectSame({"SORT", "big", "STORE", "dst"});
  ExpectSame({"OBJECT", "ENCODING", "dst"});
  ExpectSame({"LRANGE", "dst", "0", "-1"});
  ExpectSame({"SORT", "big", "DESC", "LIMIT", "10", "5"});
}

TEST_F(SortDiffTest, StoreWakesBlockedPopsAndTouchesWatch) {
  ExpectSame({"RPUSH", "l", "3", "1", "2"});
  ClientPair waiter = ConnectPair();
  SendPair(waiter, {"BLPOP", "dst", "0"});
  Settle();
  ExpectSame({"SORT", "l", "STORE", "dst"});
  ExpectSameRead(waiter, "BLPOP dst served by SORT ... STORE");
  ExpectSame({"LRANGE", "dst", "0", "-1"});

  ClientPair watcher = ConnectPair();
  ExpectSamePair(watcher, {"WATCH", "dst"});
  ExpectSame({"SORT", "l", "DESC", "STORE", "dst"});
  ExpectSamePair(watcher, {"MULTI"});
  ExpectSamePair(watcher, {"GET", "x"});
  ExpectSamePair(watcher, {"EXEC"});
  // An empty result that deletes the destination touches it too; one that deletes nothing not.
  ExpectSamePair(watcher, {"WATCH", "dst"});
  ExpectSame({"SORT", "missing", "STORE", "dst"});
  ExpectSamePair(watcher, {"MULTI"});
  ExpectSamePair(watcher, {"EXEC"});
  ExpectSamePair(watcher, {"WATCH", "dst"});
  ExpectSame({"SORT", "missing", "STORE", "dst"});
  ExpectSamePair(watcher, {"MULTI"});
  ExpectSamePair(watcher, {"EXEC"});
}

class SortAclDiffTest : public AclDiffTest {};

TEST_F(SortAclDiffTest, ByAndGetPatternsNeedReadAccessToEveryKey) {
  ExpectSame({"RPUSH", "l", "3", "1", "2"});
  ExpectSame({"SET", "w_1", "9"});
  const std::vector<Argv> users = {
      {"ACL", "SETUSER", "prefix", "on", ">pw", "~l*", "+@all"},
      {"ACL", "SETUSER", "question", "on", ">pw", "~?", "~l", "+@all"},
      {"ACL", "SETUSER", "readall", "on", ">pw", "%R~*", "+@all"},
      {"ACL", "SETUSER", "writeall", "on", ">pw", "%W~*", "~l", "+@all"},
      {"ACL", "SETUSER", "all", "on", ">pw", "allkeys", "+@all"},
      {"ACL", "SETUSER", "noread", "on", ">pw", "%W~*", "+@all"},
      // The selector with every key does not allow SORT: not enough.
      {"ACL", "SETUSER", "split", "on", ">pw", "~l", "+@all", "(~* +get)"},
      {"ACL", "SETUSER", "selector", "on", ">pw", "~l", "+get", "(~* +sort)"},
  };
  for (const Argv& u : users) ExpectSame(u);
  for (const char* user :
       {"prefix", "question", "readall", "writeall", "all", "split", "selector"}) {
    SCOPED_TRACE(user);
    ClientPair p = LoginPair(user, "pw");
    for (const Argv& argv : std::vector<Argv>{{"SORT", "l"},
                                              {"SORT", "l", "BY", "nosort"},
                                              {"SORT", "l", "BY", "w_*"},
                                              {"SORT", "l", "GET", "#"},
                                              {"SORT", "l", "GET", "w_*"},
                                              {"SORT", "l", "BOGUS", "GET", "#"},
                                              {"SORT", "l", "GET", "#", "BOGUS"},
                                              {"SORT", "l", "BY", "w_*", "GET", "#"},
                                              {"SORT_RO", "l", "BY", "w_*"},
                                              {"SORT", "l", "BY", "nosort", "STORE", "l2"}}) {
      ExpectSamePair(p, argv);
    }
  }
}

}  // namespace
}  // namespace rill::testing
