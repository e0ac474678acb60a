// Sorted set commands compared between rill and redis: every option, errors, wrong types,
// ranges at the edges, ties broken by member, both encodings, RESP2 and RESP3, and the blocking
// pops with a second connection.
#include <string>
#include <thread>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class ZSetsDiffTest : public DifferentialTest {
 protected:
  static void Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

  // The same commands in RESP2, then in RESP3 on fresh data.
  template <typename Body>
  void BothProtocols(Body body) {
    body();
    ExpectSame({"FLUSHALL"});
    SendBoth({"HELLO", "3"});
    body();
    SendBoth({"HELLO", "2"});
  }

  // A small (listpack) and a big (skiplist) set with the same shape of data.
  void FillSmallAndBig() {
    ExpectSame({"ZADD", "small", "1", "a", "1", "b", "2", "c", "-inf", "lo", "+inf", "hi", "0",
                "zero", "1.5", "x", "-2.25", "neg"});
    std::vector<std::string> args = {"ZADD", "big"};
    for (int i = 0; i < 300; ++i) {
      args.push_back(std::to_string(i % 23) + "." + std::to_string(i % 4 * 25));
      args.push_back("m" + std::to_string(i * 7919 % 1000));
    }
    args.insert(args.end(), {"-inf", "lo", "+inf", "hi"});
    ExpectSame(args);
    ExpectSame({"OBJECT", "ENCODING", "small"});
    ExpectSame({"OBJECT", "ENCODING", "big"});
  }
};

TEST_F(ZSetsDiffTest, AddOptionsAndReplies) {
  BothProtocols([&] {
    ExpectSame({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
    ExpectSame({"ZADD", "z", "1", "a"});
    ExpectSame({"ZADD", "z", "CH", "5", "a", "2", "b", "9", "new"});
    ExpectSame({"ZADD", "z", "NX", "100", "a", "4", "d"});
    ExpectSame({"ZADD", "z", "XX", "100", "a", "4", "e"});
    ExpectSame({"ZADD", "z", "XX", "CH", "101", "a", "4", "e"});
    ExpectSame({"ZADD", "z", "GT", "CH", "50", "a", "200", "b", "1", "f"});
    ExpectSame({"ZADD", "z", "LT", "CH", "50", "a", "300", "b"});
    ExpectSame({"ZADD", "z", "INCR", "2.5", "a"});
    ExpectSame({"ZADD", "z", "NX", "INCR", "2.5", "a"});
    ExpectSame({"ZADD", "z", "XX", "INCR", "2.5", "nope"});
    ExpectSame({"ZADD", "z", "GT", "INCR", "-1", "a"});
    ExpectSame({"ZADD", "z", "LT", "INCR", "-1", "a"});
    ExpectSame({"ZADD", "z", "INCR", "+inf", "inf"});
    ExpectSame({"ZADD", "z", "INCR", "-inf", "inf"});
    ExpectSame({"ZADD", "z", "-0", "negzero", "0x10", "hex", "1e3", "exp", " 5", "space"});
    ExpectSame({"ZRANGE", "z", "0", "-1", "WITHSCORES"});
    ExpectSame({"ZADD", "nx", "XX", "1", "a"});
    ExpectSame({"EXISTS", "nx"});
    ExpectSame({"ZADD", "nx", "XX", "INCR", "1", "a"});
    ExpectSame({"ZINCRBY", "z", "1.5", "a"});
    ExpectSame({"ZINCRBY", "z", "-1e300", "new2"});
    ExpectSame({"ZINCRBY", "z", "x", "a"});
    ExpectSame({"ZINCRBY", "z", "nan", "a"});
    ExpectSame({"ZINCRBY", "z", "1", "inf"});
    ExpectSame({"ZINCRBY", "z", "-inf", "inf"});
    ExpectSame({"ZSCORE", "z", "inf"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"ZADD", "z"},
             {"ZADD", "z", "1"},
             {"ZADD", "z", "1", "a", "2"},
             {"ZADD", "z", "NX", "XX", "1", "a"},
             {"ZADD", "z", "GT", "LT", "1", "a"},
             {"ZADD", "z", "GT", "NX", "1", "a"},
             {"ZADD", "z", "INCR", "1", "a", "2", "b"},
             {"ZADD", "z", "nan", "a"},
             {"ZADD", "z", "1", "a", "x", "b"},
             {"ZADD", "z", "", "a"},
             {"ZADD", "z", "1e400", "a"},
             {"ZADD", "z", "CH"},
             {"ZADD", "z", "FOO", "1", "a"},
             {"ZINCRBY", "z", "1"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"ZCARD", "z"});
    ExpectSame({"ZCARD", "missing"});
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"ZADD", "str", "1", "a"});
    ExpectSame({"ZADD", "str", "XX", "1", "a"});
    ExpectSame({"ZINCRBY", "str", "1", "a"});
    ExpectSame({"ZCARD", "str"});
    ExpectSame({"ZADD", "str", "x", "a"});  // the score error comes before the type
  });
}

TEST_F(ZSetsDiffTest, RemScoreRankCount) {
  BothProtocols([&] {
    FillSmallAndBig();
    for (const char* key : {"small", "big", "missing", "str"}) {
      if (std::string(key) == "str") ExpectSame({"SET", "str", "v"});
      ExpectSame({"ZSCORE", key, "a"});
      ExpectSame({"ZSCORE", key, "lo"});
      ExpectSame({"ZSCORE", key, "nope"});
      ExpectSame({"ZMSCORE", key, "a", "nope", "hi", "lo", "m7"});
      ExpectSame({"ZRANK", key, "a"});
      ExpectSame({"ZRANK", key, "hi"});
      ExpectSame({"ZRANK", key, "m7"});
      ExpectSame({"ZREVRANK", key, "lo"});
      ExpectSame({"ZREVRANK", key, "nope"});
      ExpectSame({"ZCOUNT", key, "-inf", "+inf"});
      ExpectSame({"ZCOUNT", key, "(1", "2"});
      ExpectSame({"ZCOUNT", key, "1", "(1"});
      ExpectSame({"ZCOUNT", key, "(1", "(1"});
      ExpectSame({"ZCOUNT", key, "5", "1"});
      ExpectSame({"ZCOUNT", key, "(-inf", "(+inf"});
      ExpectSame({"ZCOUNT", key, "x", "1"});
      ExpectSame({"ZCOUNT", key, "1", "nan"});
      ExpectSame({"ZCOUNT", key, "", "("});
      ExpectSame({"ZLEXCOUNT", key, "-", "+"});
      ExpectSame({"ZLEXCOUNT", key, "[a", "(c"});
      ExpectSame({"ZLEXCOUNT", key, "a", "c"});
      ExpectSame({"ZLEXCOUNT", key, "+", "-"});
    }
    ExpectSame({"ZREM", "small", "a", "nope", "a", "b"});
    ExpectSame({"ZREM", "big", "m7", "m14"});
    ExpectSame({"ZREM", "missing", "a"});
    ExpectSame({"ZREM", "str", "a"});
    ExpectSame({"ZADD", "one", "1", "a"});
    ExpectSame({"ZREM", "one", "a", "b"});
    ExpectSame({"EXISTS", "one"});
    ExpectSame({"ZRANGE", "small", "0", "-1", "WITHSCORES"});
    ExpectSame({"ZCARD", "big"});
  });
}

TEST_F(ZSetsDiffTest, RangeFormsAtTheEdges) {
  BothProtocols([&] {
    FillSmallAndBig();
    for (const char* key : {"small", "big", "missing"}) {
      for (const auto& r : std::vector<std::pair<std::string, std::string>>{{"0", "-1"},
                                                                            {"0", "0"},
                                                                            {"-1", "-1"},
                                                                            {"-3", "-2"},
                                                                            {"2", "1"},
                                                                            {"-100", "100"},
                                                                            {"5", "1000"},
                                                                            {"1000", "2000"},
                                                                            {"-1000", "-900"}}) {
        ExpectSame({"ZRANGE", key, r.first, r.second});
        ExpectSame({"ZRANGE", key, r.first, r.second, "WITHSCORES"});
        ExpectSame({"ZRANGE", key, r.first, r.second, "REV", "WITHSCORES"});
        ExpectSame({"ZREVRANGE", key, r.first, r.second, "WITHSCORES"});
      }
      for (const auto& r : std::vector<std::pair<std::string, std::string>>{{"-inf", "+inf"},
                                                                            {"1", "2"},
                                                                            {"(1", "2"},
                                                                            {"1", "(2"},
                                                                            {"(1", "(1"},
                                                                            {"2", "1"},
                                                                            {"-inf", "(0"},
                                                                            {"(-inf", "-inf"},
                                                                            {"10.25", "+inf"}}) {
        ExpectSame({"ZRANGEBYSCORE", key, r.first, r.second});
        ExpectSame({"ZRANGEBYSCORE", key, r.first, r.second, "WITHSCORES", "LIMIT", "1", "3"});
        ExpectSame({"ZREVRANGEBYSCORE", key, r.second, r.first, "WITHSCORES"});
        ExpectSame({"ZREVRANGEBYSCORE", key, r.second, r.first, "LIMIT", "2", "-1"});
        ExpectSame({"ZRANGE", key, r.first, r.second, "BYSCORE", "LIMIT", "0", "5"});
        ExpectSame({"ZRANGE", key, r.second, r.first, "BYSCORE", "REV", "WITHSCORES"});
        for (const char* off : {"-1", "0", "1", "299", "305", "100000"}) {
          ExpectSame({"ZRANGEBYSCORE", key, r.first, r.second, "LIMIT", off, "2"});
        }
        ExpectSame({"ZREMRANGEBYSCORE", "missing", r.first, r.second});
      }
    }
    // Lex ranges are defined on sets whose scores are all equal (Redis's answer on mixed scores
    // depends on its skiplist's random levels).
    std::vector<std::string> lex_big = {"ZADD", "biglex"};
    for (int i = 0; i < 300; ++i) {
      lex_big.push_back("0");
      lex_big.push_back("m" + std::to_string(i * 7919 % 1000));
    }
    ExpectSame(lex_big);
    for (const char* key : {"small", "biglex", "missing"}) {
      for (const auto& r : std::vector<std::pair<std::string, std::string>>{{"-", "+"},
                                                                            {"[a", "[c"},
                                                                            {"(a", "(c"},
                                                                            {"[m1", "(m5"},
                                                                            {"+", "-"},
                                                                            {"[", "+"},
                                                                            {"(", "[z"},
                                                                            {"-", "(m"}}) {
        ExpectSame({"ZRANGEBYLEX", key, r.first, r.second});
        ExpectSame({"ZRANGEBYLEX", key, r.first, r.second, "LIMIT", "1", "2"});
        ExpectSame({"ZREVRANGEBYLEX", key, r.second, r.first});
        ExpectSame({"ZRANGE", key, r.first, r.second, "BYLEX", "LIMIT", "0", "3"});
      }
    }
    // Lex on a set whose scores are all equal: ordered by member bytes.
    ExpectSame({"ZADD", "lex", "0", "b", "0", "a", "0", "aa", "0", "\xff", "0", "", "0", "B"});
    ExpectSame({"ZRANGEBYLEX", "lex", "-", "+"});
    ExpectSame({"ZRANGEBYLEX", "lex", "[a", "(b"});
    ExpectSame({"ZRANGEBYLEX", "lex", "(", "+"});
    ExpectSame({"ZREVRANGEBYLEX", "lex", "+", "[aa"});
    ExpectSame({"ZLEXCOUNT", "lex", "[", "[\xff"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"ZRANGE", "small", "0", "1", "LIMIT", "0", "1"},
             {"ZRANGE", "small", "a", "b", "BYLEX", "WITHSCORES"},
             {"ZRANGE", "small", "0", "1", "BYSCORE", "BYLEX"},
             {"ZRANGE", "small", "0", "1", "REV", "REV"},
             {"ZRANGE", "small", "x", "1"},
             {"ZRANGE", "small", "0", "1", "FOO"},
             {"ZRANGE", "small", "0", "1", "LIMIT", "0"},
             {"ZRANGE", "small", "0", "1", "BYSCORE", "LIMIT", "x", "1"},
             {"ZRANGEBYSCORE", "small", "x", "1"},
             {"ZRANGEBYSCORE", "small", "0", "1", "BYSCORE"},
             {"ZRANGEBYSCORE", "small", "0", "1", "REV"},
             {"ZRANGEBYLEX", "small", "a", "+"},
             {"ZRANGEBYLEX", "small", "-", "+", "WITHSCORES"},
             {"ZREVRANGE", "small", "0", "1", "REV"},
             {"ZREVRANGE", "small", "0", "1", "LIMIT", "0", "1"},
             {"ZREMRANGEBYRANK", "small", "x", "1"},
             {"ZREMRANGEBYSCORE", "small", "(", "x"},
             {"ZREMRANGEBYLEX", "small", "a", "b"},
             {"ZRANGESTORE", "d", "small", "0", "1", "WITHSCORES"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"ZRANGE", "str", "0", "-1"});
    ExpectSame({"ZRANGE", "str", "x", "-1"});  // the argument error comes first
    ExpectSame({"ZRANGEBYSCORE", "str", "0", "1"});
    ExpectSame({"ZREMRANGEBYRANK", "str", "0", "1"});
  });
}

TEST_F(ZSetsDiffTest, RangeStoreAndRemoveRanges) {
  FillSmallAndBig();
  ExpectSame({"ZRANGESTORE", "d", "small", "0", "-1"});
  ExpectSame({"OBJECT", "ENCODING", "d"});
  ExpectSame({"ZRANGE", "d", "0", "-1", "WITHSCORES"});
  ExpectSame({"ZRANGESTORE", "d", "big", "-inf", "(5", "BYSCORE"});
  ExpectSame({"OBJECT", "ENCODING", "d"});
  ExpectSame({"ZRANGESTORE", "d", "big", "(5", "-inf", "BYSCORE", "REV", "LIMIT", "0", "200"});
  ExpectSame({"OBJECT", "ENCODING", "d"});
  ExpectSame({"ZRANGE", "d", "0", "-1", "WITHSCORES"});
  ExpectSame({"ZRANGESTORE", "d", "small", "-", "[c", "BYLEX"});
  ExpectSame({"ZRANGESTORE", "d", "missing", "0", "-1"});
  ExpectSame({"EXISTS", "d"});
  ExpectSame({"ZRANGESTORE", "d", "small", "5", "1"});
  ExpectSame({"SET", "str", "v"});
  ExpectSame({"EXPIRE", "str", "100"});
  ExpectSame({"ZRANGESTORE", "str", "small", "0", "1"});
  ExpectSame({"TTL", "str"});
  ExpectSame({"TYPE", "str"});
  ExpectSame({"ZRANGESTORE", "small", "small", "1", "2"});
  ExpectSame({"ZRANGE", "small", "0", "-1", "WITHSCORES"});
  ExpectSame({"ZREMRANGEBYRANK", "big", "0", "9"});
  ExpectSame({"ZREMRANGEBYRANK", "big", "-5", "-1"});
  ExpectSame({"ZREMRANGEBYRANK", "big", "10", "5"});
  ExpectSame({"ZREMRANGEBYSCORE", "big", "(3", "5"});
  ExpectSame({"ZREMRANGEBYLEX", "small", "[b", "(x"});
  ExpectSame({"ZRANGE", "big", "0", "-1", "WITHSCORES"});
  ExpectSame({"ZREMRANGEBYSCORE", "big", "-inf", "+inf"});
  ExpectSame({"EXISTS", "big"});
  ExpectSame({"ZREMRANGEBYRANK", "missing", "0", "-1"});
}

TEST_F(ZSetsDiffTest, PopsAndMPop) {
  BothProtocols([&] {
    FillSmallAndBig();
    ExpectSame({"ZPOPMIN", "small"});
    ExpectSame({"ZPOPMAX", "small"});
    ExpectSame({"ZPOPMIN", "small", "2"});
    ExpectSame({"ZPOPMAX", "small", "0"});
    ExpectSame({"ZPOPMIN", "big", "3"});
    ExpectSame({"ZPOPMAX", "big", "3"});
    ExpectSame({"ZPOPMIN", "missing"});
    ExpectSame({"ZPOPMIN", "missing", "0"});
    ExpectSame({"ZPOPMIN", "missing", "5"});
    for (const char* bad : {"-1", "x", "1.5"}) ExpectSame({"ZPOPMIN", "small", bad});
    ExpectSame({"ZPOPMIN", "small", "1", "2"});
    ExpectSame({"ZPOPMAX", "small", "100"});
    ExpectSame({"EXISTS", "small"});
    ExpectSame({"ZMPOP", "2", "missing", "big", "MIN"});
    ExpectSame({"ZMPOP", "2", "missing", "big", "MAX", "COUNT", "4"});
    ExpectSame({"ZMPOP", "1", "missing", "MIN"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"ZMPOP", "0", "big", "MIN"},
             {"ZMPOP", "x", "big", "MIN"},
             {"ZMPOP", "2", "big", "MIN"},
             {"ZMPOP", "1", "big", "MIDDLE"},
             {"ZMPOP", "1", "big", "MIN", "COUNT", "0"},
             {"ZMPOP", "1", "big", "MIN", "COUNT", "x"},
             {"ZMPOP", "1", "big", "MIN", "COUNT", "1", "COUNT", "2"},
             {"ZMPOP", "1", "big", "MIN", "FOO"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"ZPOPMIN", "str"});
    ExpectSame({"ZMPOP", "2", "missing", "str", "MIN"});
    ExpectSame({"ZMPOP", "2", "big", "str", "MIN"});
  });
}

TEST_F(ZSetsDiffTest, BlockingPopsWithDataOrErrors) {
  BothProtocols([&] {
    ExpectSame({"ZADD", "z", "1", "a", "2", "b", "3", "c"});
    ExpectSame({"BZPOPMIN", "missing", "z", "0"});
    ExpectSame({"BZPOPMAX", "z", "1.5"});
    ExpectSame({"BZMPOP", "0", "2", "missing", "z", "MAX", "COUNT", "5"});
    ExpectSame({"EXISTS", "z"});
    ExpectSame({"BZPOPMIN", "missing", "0.01"});
    ExpectSame({"BZMPOP", "0.01", "1", "missing", "MIN"});
    for (const char* t : {"-1", "x", "inf", "nan", "1e400"}) ExpectSame({"BZPOPMIN", "z", t});
    ExpectSame({"BZMPOP", "x", "1", "z", "MIDDLE"});
    ExpectSame({"BZMPOP", "x", "0", "z", "MIN"});
    ExpectSame({"BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"});
    ExpectSame({"SET", "s", "v"});
    ExpectSame({"BZPOPMIN", "missing", "s", "0"});
    ExpectSame({"BZMPOP", "0", "1", "s", "MIN"});
  });
}

TEST_F(ZSetsDiffTest, BlockedClientsServedInOrder) {
  ClientPair first = ConnectPair();
  ClientPair second = ConnectPair();
  ClientPair third = ConnectPair();
  SendPair(first, {"BZPOPMIN", "q1", "q2", "0"});
  Settle();
  SendPair(second, {"BZPOPMAX", "q2", "0"});
  Settle();
  SendPair(third, {"BZMPOP", "0", "1", "q2", "MIN", "COUNT", "2"});
  Settle();
  ExpectSame({"ZADD", "q2", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  ExpectSameRead(first, "BZPOPMIN served by ZADD");
  ExpectSameRead(second, "BZPOPMAX served next");
  ExpectSameRead(third, "BZMPOP served last");
  ExpectSame({"ZRANGE", "q2", "0", "-1", "WITHSCORES"});
  // A transaction's adds serve a waiter once EXEC ends.
  SendPair(first, {"BZPOPMIN", "t", "0"});
  Settle();
  ExpectSame({"MULTI"});
  ExpectSame({"ZADD", "t", "5", "x"});
  ExpectSame({"ZADD", "t", "1", "y"});
  ExpectSame({"EXEC"});
  ExpectSameRead(first, "BZPOPMIN served by MULTI/EXEC");
  // ZINCRBY and ZUNIONSTORE create sets too.
  SendPair(first, {"BZPOPMAX", "u", "0"});
  Settle();
  ExpectSame({"ZINCRBY", "u", "7", "m"});
  ExpectSameRead(first, "BZPOPMAX served by ZINCRBY");
  // Timeout and CLIENT UNBLOCK.
  SendPair(first, {"BZPOPMIN", "none", "0.05"});
  ExpectSameRead(first, "BZPOPMIN timeout");
  SendPair(first, {"BZMPOP", "0.05", "1", "none", "MAX"});
  ExpectSameRead(first, "BZMPOP timeout");
  std::string rill_id = first.rill->Command({"CLIENT", "ID"});
  std::string redis_id = first.redis->Command({"CLIENT", "ID"});
  auto id_of = [](const std::string& reply) { return reply.substr(1, reply.size() - 3); };
  SendPair(first, {"BZPOPMIN", "none", "0"});
  Settle();
  ExpectSameReplies("CLIENT UNBLOCK id",
                    rill_client().Command({"CLIENT", "UNBLOCK", id_of(rill_id)}),
                    redis_client().Command({"CLIENT", "UNBLOCK", id_of(redis_id)}));
  ExpectSameRead(first, "BZPOPMIN after CLIENT UNBLOCK");
  SendPair(first, {"BZPOPMIN", "none", "0"});
  Settle();
  ExpectSameReplies("CLIENT UNBLOCK id ERROR",
                    rill_client().Command({"CLIENT", "UNBLOCK", id_of(rill_id), "ERROR"}),
                    redis_client().Command({"CLIENT", "UNBLOCK", id_of(redis_id), "ERROR"}));
  ExpectSameRead(first, "BZPOPMIN after CLIENT UNBLOCK ERROR");
}

TEST_F(ZSetsDiffTest, UnionInterDiffAndCard) {
  BothProtocols([&] {
    ExpectSame({"ZADD", "a", "1", "x", "2", "y", "3", "z", "+inf", "i"});
    ExpectSame({"ZADD", "b", "10", "y", "20", "z", "30", "w", "-inf", "i"});
    std::vector<std::string> big = {"ZADD", "big"};
    for (int i = 0; i < 200; ++i) {
      big.push_back(std::to_string(i));
      big.push_back("m" + std::to_string(i));
    }
    big.insert(big.end(), {"5", "x", "6", "y"});
    ExpectSame(big);
    for (const char* op : {"ZUNION", "ZINTER", "ZDIFF"}) {
      ExpectSame({op, "2", "a", "b"});
      ExpectSame({op, "2", "a", "b", "WITHSCORES"});
      ExpectSame({op, "3", "a", "b", "big", "WITHSCORES"});
      ExpectSame({op, "2", "a", "missing", "WITHSCORES"});
      ExpectSame({op, "1", "missing"});
      ExpectSame({op, "2", "a", "a", "WITHSCORES"});
    }
    for (const char* op : {"ZUNION", "ZINTER"}) {
      ExpectSame({op, "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES"});
      ExpectSame({op, "2", "a", "b", "WEIGHTS", "0", "0", "WITHSCORES"});
      ExpectSame({op, "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"});
      ExpectSame({op, "2", "a", "b", "AGGREGATE", "max", "WEIGHTS", "1", "-1", "WITHSCORES"});
      ExpectSame({op, "2", "a", "b", "WEIGHTS", "1", "x"});
      ExpectSame({op, "2", "a", "b", "WEIGHTS", "1"});
      ExpectSame({op, "2", "a", "b", "AGGREGATE", "AVG"});
      ExpectSame({op, "2", "a", "b", "AGGREGATE"});
    }
    ExpectSame({"ZDIFF", "2", "a", "b", "WEIGHTS", "1", "2"});
    ExpectSame({"ZINTERCARD", "2", "a", "b"});
    ExpectSame({"ZINTERCARD", "2", "a", "big", "LIMIT", "1"});
    ExpectSame({"ZINTERCARD", "2", "a", "big", "LIMIT", "0"});
    ExpectSame({"ZINTERCARD", "1", "big"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"ZINTERCARD", "0", "a"},
             {"ZINTERCARD", "x", "a"},
             {"ZINTERCARD", "2", "a"},
             {"ZINTERCARD", "1", "a", "LIMIT", "-1"},
             {"ZINTERCARD", "1", "a", "LIMIT", "x"},
             {"ZINTERCARD", "1", "a", "WITHSCORES"},
             {"ZUNION", "0", "a"},
             {"ZUNION", "-1", "a"},
             {"ZUNION", "3", "a", "b"},
             {"ZUNIONSTORE", "d", "0", "a"},
             {"ZINTERSTORE", "d", "1", "a", "WITHSCORES"},
             {"ZDIFFSTORE", "d", "2", "a", "b", "AGGREGATE", "SUM"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"});
    ExpectSame({"ZRANGE", "d", "0", "-1", "WITHSCORES"});
    ExpectSame({"OBJECT", "ENCODING", "d"});
    ExpectSame({"ZINTERSTORE", "d", "2", "a", "big", "AGGREGATE", "MAX"});
    ExpectSame({"ZRANGE", "d", "0", "-1", "WITHSCORES"});
    ExpectSame({"ZUNIONSTORE", "d2", "2", "a", "big"});
    ExpectSame({"OBJECT", "ENCODING", "d2"});
    ExpectSame({"ZDIFFSTORE", "d", "2", "a", "a"});
    ExpectSame({"EXISTS", "d"});
    ExpectSame({"ZDIFFSTORE", "d", "2", "big", "a"});
    ExpectSame({"ZCARD", "d"});
    ExpectSame({"ZINTERSTORE", "a", "2", "a", "b"});
    ExpectSame({"ZRANGE", "a", "0", "-1", "WITHSCORES"});
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"ZUNION", "2", "a", "str"});
    ExpectSame({"ZUNIONSTORE", "str", "1", "a"});
    ExpectSame({"TYPE", "str"});
  });
}

TEST_F(ZSetsDiffTest, RandMemberShapes) {
  BothProtocols([&] {
    FillSmallAndBig();
    ExpectSame({"ZRANDMEMBER", "missing"});
    ExpectSame({"ZRANDMEMBER", "missing", "5"});
    ExpectSame({"ZRANDMEMBER", "small", "0"});
    // At least the whole set: every member, in order.
    ExpectSame({"ZRANDMEMBER", "small", "8"});
    ExpectSame({"ZRANDMEMBER", "small", "100", "WITHSCORES"});
    ExpectSame({"ZRANDMEMBER", "big", "1000", "WITHSCORES"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"ZRANDMEMBER", "small", "x"},
             {"ZRANDMEMBER", "small", "1", "FOO"},
             {"ZRANDMEMBER", "small", "1", "WITHSCORES", "x"},
             {"ZRANDMEMBER", "small", "-9223372036854775808"},
             {"ZRANDMEMBER", "small", "9223372036854775807", "WITHSCORES"},
             // CVE-2023-22458's bound: |count| <= LONG_MAX / 2 with WITHSCORES.
             {"ZRANDMEMBER", "small", "-9223372036854775807", "WITHSCORES"},
             {"ZRANDMEMBER", "small", "-4611686018427387904", "WITHSCORES"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"ZRANDMEMBER", "str"});
    ExpectSame({"ZRANDMEMBER", "str", "1"});
  });
  // Random picks: the shapes and the membership, not the choice.
  for (const char* key : {"small", "big"}) {
    for (const char* count : {"3", "-5", "1", "-1"}) {
      const std::string reply = Rill({"ZRANDMEMBER", key, count, "WITHSCORES"});
      const std::vector<std::string> got = BulkArray(reply);
      const int n = std::abs(std::stoi(count));
      ASSERT_EQ(got.size(), static_cast<size_t>(2 * n)) << reply;
      for (size_t i = 0; i < got.size(); i += 2) {
        EXPECT_EQ(Rill({"ZSCORE", key, got[i]}),
                  "$" + std::to_string(got[i + 1].size()) + "\r\n" + got[i + 1] + "\r\n");
      }
    }
  }
}

TEST_F(ZSetsDiffTest, Scan) {
  FillSmallAndBig();
  ExpectSame({"ZSCAN", "small", "0"});
  ExpectSame({"ZSCAN", "small", "0", "MATCH", "*o*", "COUNT", "1"});
  ExpectSameScan({"ZSCAN", "big", "0"}, 2);
  ExpectSameScan({"ZSCAN", "big", "0", "COUNT", "7", "MATCH", "m1*"}, 2);
  ExpectSame({"ZSCAN", "missing", "0"});
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"ZSCAN", "big", "x"},
           {"ZSCAN", "big", "-"},
           {"ZSCAN", "big", "0", "COUNT", "0"},
           {"ZSCAN", "big", "0", "COUNT", "x"},
           {"ZSCAN", "big", "0", "TYPE", "zset"},
           {"ZSCAN", "big", "0", "MATCH"},
       }) {
    ExpectSame(bad);
  }
  ExpectSame({"SET", "str", "v"});
  ExpectSame({"ZSCAN", "str", "0"});
}

TEST_F(ZSetsDiffTest, KeyCommandsOnSortedSets) {
  FillSmallAndBig();
  ExpectSame({"TYPE", "big"});
  ExpectSame({"COPY", "big", "c"});
  ExpectSame({"ZRANGE", "c", "0", "-1", "WITHSCORES"});
  ExpectSame({"OBJECT", "ENCODING", "c"});
  ExpectSame({"RENAME", "c", "r"});
  ExpectSame({"ZCARD", "r"});
  ExpectSame({"EXPIRE", "r", "100"});
  ExpectSame({"TTL", "r"});
  ExpectSameScan({"SCAN", "0", "TYPE", "zset"});
  ExpectSame({"DEL", "small", "r"});
  ExpectSame({"EXISTS", "small", "r"});
  ExpectSame({"CONFIG", "SET", "zset-max-listpack-entries", "2"});
  ExpectSame({"ZADD", "z", "1", "a", "2", "b"});
  ExpectSame({"OBJECT", "ENCODING", "z"});
  ExpectSame({"ZADD", "z", "3", "c"});
  ExpectSame({"OBJECT", "ENCODING", "z"});
  ExpectSame({"ZADD", "hint", "1", "a", "1", "a", "1", "a"});  // three pairs: created big
  ExpectSame({"OBJECT", "ENCODING", "hint"});
  ExpectSame({"CONFIG", "SET", "zset-max-listpack-entries", "128"});
  ExpectSame({"CONFIG", "SET", "zset-max-listpack-value", "3"});
  ExpectSame({"ZADD", "v", "1", "abc"});
  ExpectSame({"OBJECT", "ENCODING", "v"});
  ExpectSame({"ZADD", "v", "1", "abcd"});
  ExpectSame({"OBJECT", "ENCODING", "v"});
  ExpectSame({"CONFIG", "SET", "zset-max-listpack-value", "64"});
}

}  // namespace
}  // namespace rill::testing
