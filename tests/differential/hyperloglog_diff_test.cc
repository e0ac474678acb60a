// HyperLogLog commands (PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST): the same requests to rill and
// redis-server 7.0 must give the same replies and leave the same bytes (GET), sparse and dense,
// so that an HLL written by either server counts the same in the other.
#include <random>
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;
using namespace std::string_literals;

class HyperLogLogDiffTest : public DifferentialTest {
 protected:
  // PFADD key e<from> .. e<to-1> on both, then the replies of GET, PFCOUNT and GET again (the
  // cached cardinality PFCOUNT stored) compared.
  void AddRangeAndCompare(const std::string& key, int from, int to,
                          const std::string& prefix = "e") {
    Argv argv = {"PFADD", key};
    for (int i = from; i < to; ++i) argv.push_back(prefix + std::to_string(i));
    ExpectSame(argv);
    ExpectSame({"GET", key});
    ExpectSame({"PFCOUNT", key});
    ExpectSame({"GET", key});
  }

  // A sparse HLL's bytes: the HYLL header (cache invalid) and `body`.
  static std::string Sparse(const std::string& body) {
    return "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80"s + body;
  }
};

TEST_F(HyperLogLogDiffTest, AddAndCountSmallSets) {
  ExpectSame({"PFADD", "h"});
  ExpectSame({"GET", "h"});
  ExpectSame({"PFCOUNT", "h"});
  ExpectSame({"PFADD", "h", "a", "b", "c"});
  ExpectSame({"PFADD", "h", "a", "b", "c"});
  ExpectSame({"GET", "h"});
  ExpectSame({"PFCOUNT", "h"});
  ExpectSame({"GET", "h"});
  ExpectSame({"PFADD", "h", ""});
  ExpectSame({"PFADD", "h", std::string("\0\xff\r\n", 4)});
  ExpectSame({"PFCOUNT", "h"});
  ExpectSame({"PFCOUNT", "missing"});
  ExpectSame({"EXISTS", "missing"});
  ExpectSame({"PFADD", "h2", "x"});
  ExpectSame({"OBJECT", "ENCODING", "h2"});
  ExpectSame({"PFDEBUG", "ENCODING", "h2"});
  ExpectSame({"PFDEBUG", "DECODE", "h"});
  ExpectSame({"PFADD"});
  ExpectSame({"PFCOUNT"});
}

// Sparse forms grown element by element through every kind of opcode split and merge, then
// promoted to dense: the bytes agree at every step.
TEST_F(HyperLogLogDiffTest, SparseGrowthAndPromotionMatchByteForByte) {
  for (int i = 0; i < 400; i += 7) AddRangeAndCompare("grow", i, i + 7);
  ExpectSame({"PFDEBUG", "ENCODING", "grow"});
  ExpectSame({"PFDEBUG", "DECODE", "grow"});
  for (int i = 400; i < 4000; i += 250) AddRangeAndCompare("grow", i, i + 250);
  ExpectSame({"PFDEBUG", "ENCODING", "grow"});
  AddRangeAndCompare("grow", 4000, 30000);
  AddRangeAndCompare("grow", 0, 100);  // nothing new
  ExpectSame({"STRLEN", "grow"});
  // One element at a time, each GET compared.
  for (int i = 0; i < 300; ++i) {
    ExpectSame({"PFADD", "one", "x" + std::to_string(i * 7919)});
    ExpectSame({"GET", "one"});
  }
}

TEST_F(HyperLogLogDiffTest, SparseMaxBytesDecidesThePromotion) {
  for (const char* limit : {"0", "30", "200", "5000", "20000"}) {
    SCOPED_TRACE(limit);
    ExpectSame({"CONFIG", "SET", "hll-sparse-max-bytes", limit});
    const std::string key = std::string("lim") + limit;
    for (int i = 0; i < 3000; i += 300) AddRangeAndCompare(key, i, i + 300, "p");
    ExpectSame({"PFDEBUG", "ENCODING", key});
  }
  ExpectSame({"CONFIG", "SET", "hll-sparse-max-bytes", "3000"});
  ExpectSame({"CONFIG", "GET", "hll-sparse-max-bytes"});
}

TEST_F(HyperLogLogDiffTest, LargeCardinalitiesCountTheSame) {
  std::mt19937_64 rng(5);
  for (int batch = 0; batch < 20; ++batch) {
    Argv argv = {"PFADD", "big"};
    for (int i = 0; i < 5000; ++i) argv.push_back(std::to_string(rng()));
    ExpectSame(argv);
    ExpectSame({"PFCOUNT", "big"});
  }
  ExpectSame({"GET", "big"});
  // Binary elements of every length, including ones long enough for many hash rounds.
  Argv argv = {"PFADD", "bin"};
  for (int len = 0; len < 200; ++len) {
    std::string e(len, '\0');
    for (char& c : e) c = static_cast<char>(rng());
    argv.push_back(e);
  }
  ExpectSame(argv);
  ExpectSame({"GET", "bin"});
  ExpectSame({"PFCOUNT", "bin"});
}

TEST_F(HyperLogLogDiffTest, CountAndMergeOfSeveralKeys) {
  AddRangeAndCompare("s1", 0, 50);
  AddRangeAndCompare("s2", 25, 120);
  AddRangeAndCompare("d1", 0, 20000);
  AddRangeAndCompare("d2", 10000, 40000);
  for (const Argv& argv : std::vector<Argv>{
           {"PFCOUNT", "s1", "s2"},
           {"PFCOUNT", "s1", "missing", "s2"},
           {"PFCOUNT", "s1", "d1"},
           {"PFCOUNT", "d1", "d2", "s2"},
           {"PFCOUNT", "missing", "missing2"},
           {"PFMERGE", "m1", "s1", "s2"},
           {"GET", "m1"},
           {"PFCOUNT", "m1"},
           {"PFMERGE", "m2", "s1", "d1"},
           {"GET", "m2"},
           {"PFMERGE", "s1", "s2"},  // into an existing sparse one
           {"GET", "s1"},
           {"PFMERGE", "d1", "s2", "d2"},  // into an existing dense one
           {"GET", "d1"},
           {"PFCOUNT", "d1"},
           {"PFMERGE", "m3"},
           {"GET", "m3"},
           {"PFMERGE", "m4", "missing"},
           {"GET", "m4"},
           {"PFMERGE", "m5", "m5"},
           {"SET", "ttl", "x"},
           {"DEL", "ttl"},
           {"PFADD", "ttl", "a"},
           {"EXPIRE", "ttl", "100"},
           {"PFMERGE", "ttl", "s2"},
           {"TTL", "ttl"},
           {"GET", "ttl"},
           {"OBJECT", "ENCODING", "m1"},
           {"PFMERGE"},
       }) {
    ExpectSame(argv);
  }
}

TEST_F(HyperLogLogDiffTest, WrongTypesAndCorruptValues) {
  ExpectSame({"RPUSH", "list", "a"});
  ExpectSame({"SET", "str", "hello world, not an hll"});
  ExpectSame({"SET", "int", "123456789012345678"});
  ExpectSame({"SET", "short", "HYLL"});
  ExpectSame({"SET", "enc2", "HYLL\x02\0\0\0\0\0\0\0\0\0\0\0"s});
  ExpectSame({"SET", "dense_short", "HYLL\x00\0\0\0\0\0\0\0\0\0\0\0abc"s});
  ExpectSame({"SET", "few", Sparse("\x7f\xfe")});       // 16383 registers
  ExpectSame({"SET", "many", Sparse("\x7f\xff\x00")});  // 16385
  ExpectSame({"SET", "valover", Sparse("\x7f\xfc\x8f\x8f")});
  ExpectSame({"SET", "empty_body", Sparse("")});
  ExpectSame({"PFADD", "good", "a", "b"});
  for (const char* key : {"list", "str", "int", "short", "enc2", "dense_short", "few", "many",
                          "valover", "empty_body"}) {
    SCOPED_TRACE(key);
    ExpectSame({"PFADD", key, "x"});
    ExpectSame({"PFADD", key});
    ExpectSame({"PFCOUNT", key});
    ExpectSame({"PFCOUNT", key, "good"});
    ExpectSame({"PFCOUNT", "good", key});
    ExpectSame({"PFMERGE", "dest", "good", key});
    ExpectSame({"PFMERGE", key, "good"});
    ExpectSame({"PFDEBUG", "ENCODING", key});
    ExpectSame({"PFDEBUG", "DECODE", key});
    ExpectSame({"PFDEBUG", "GETREG", key});
    ExpectSame({"PFDEBUG", "TODENSE", key});
    ExpectSame({"GET", key});
    ExpectSame({"EXISTS", "dest"});
  }
  // Elements that land in the registers the corrupt form does cover still change it.
  ExpectSame({"SET", "few2", Sparse("\x7f\xfe")});
  for (int i = 0; i < 20; ++i) ExpectSame({"PFADD", "few2", "q" + std::to_string(i)});
  ExpectSame({"GET", "few2"});
}

TEST_F(HyperLogLogDiffTest, CachedCardinalityIsTrustedAndRefreshed) {
  AddRangeAndCompare("c", 0, 100);
  // A value whose cache says 12345 and is marked valid: PFCOUNT trusts it.
  std::string value = BulkValue(Rill({"GET", "c"}));
  ASSERT_GE(value.size(), 16u);
  value.replace(8, 8, "\x39\x30\0\0\0\0\0\0"s);
  ExpectSame({"SET", "c", value});
  ExpectSame({"PFCOUNT", "c"});
  ExpectSame({"PFCOUNT", "c", "c"});  // the union is always computed
  // Stale: recomputed and stored.
  value[15] = '\x80';
  ExpectSame({"SET", "c", value});
  ExpectSame({"PFCOUNT", "c"});
  ExpectSame({"GET", "c"});
  ExpectSame({"OBJECT", "ENCODING", "c"});
}

TEST_F(HyperLogLogDiffTest, DebugSubcommands) {
  AddRangeAndCompare("h", 0, 30);
  for (const Argv& argv : std::vector<Argv>{{"PFDEBUG", "ENCODING", "h"},
                                            {"PFDEBUG", "decode", "h"},
                                            {"PFDEBUG", "GETREG", "h"},
                                            {"PFDEBUG", "ENCODING", "h"},
                                            {"GET", "h"},
                                            {"PFDEBUG", "DECODE", "h"},
                                            {"PFDEBUG", "TODENSE", "h"},
                                            {"PFADD", "h2", "z"},
                                            {"PFDEBUG", "TODENSE", "h2"},
                                            {"PFDEBUG", "TODENSE", "h2"},
                                            {"GET", "h2"},
                                            {"PFDEBUG", "NOPE", "h"},
                                            {"PFDEBUG", "NO\0PE"s, "h"},
                                            {"PFDEBUG", "NOPE", "missing"},
                                            {"PFDEBUG", "GETREG", "missing"},
                                            {"PFDEBUG", "GETREG"},
                                            {"PFDEBUG", "GETREG", "h", "x"},
                                            {"PFSELFTEST"},
                                            {"PFSELFTEST", "x"}}) {
    ExpectSame(argv);
  }
}

TEST_F(HyperLogLogDiffTest, EventsAndDirtyCounts) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__keyevent@*"});
  AddRangeAndCompare("d", 0, 5000);
  const std::vector<Argv> commands = {
      {"PFADD", "p", "a", "b"},
      {"PFADD", "p", "a", "b"},
      {"PFADD", "p", "c", "d", "e"},
      {"PFCOUNT", "p"},
      {"PFCOUNT", "p"},
      {"PFCOUNT", "p", "d"},
      {"PFADD", "d", "new1", "new2"},
      {"PFADD", "d", "new1"},
      {"PFCOUNT", "d"},
      {"PFMERGE", "m", "p", "d"},
      {"PFMERGE", "m"},
      {"PFDEBUG", "TODENSE", "p"},
      {"PFDEBUG", "TODENSE", "p"},
      {"PFDEBUG", "GETREG", "m"},
      {"PFADD", "e"},
      {"PFADD", "e"},
  };
  for (const Argv& argv : commands) {
    const int64_t rill_before = Dirty(rill_client());
    const int64_t redis_before = Dirty(redis_client());
    const std::string reply = ExpectSame(argv);
    if (argv[1] != "GETREG") {
      EXPECT_EQ(Dirty(rill_client()) - rill_before, Dirty(redis_client()) - redis_before)
          << argv[0] << " " << argv[1];
    }
    ExpectSameEventsBeforeMarker(sub, argv[0]);
  }
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", ""});
}

TEST_F(HyperLogLogDiffTest, Resp3Replies) {
  SendBoth({"HELLO", "3"});
  ExpectSame({"PFADD", "h", "a"});
  ExpectSame({"PFCOUNT", "h"});
  ExpectSame({"PFCOUNT", "h", "missing"});
  ExpectSame({"PFMERGE", "m", "h"});
  ExpectSame({"PFDEBUG", "ENCODING", "h"});
  ExpectSame({"PFDEBUG", "DECODE", "h"});
  ExpectSame({"PFDEBUG", "GETREG", "h"});
  ExpectSame({"SET", "s", "x"});
  ExpectSame({"PFADD", "s", "a"});
  SendBoth({"HELLO", "2"});
}

// An HLL taken from one server with GET and given to the other with SET counts the same there
// and goes on growing into the same bytes, in both directions.
TEST_F(HyperLogLogDiffTest, ValuesMoveBetweenServersThroughGetAndSet) {
  for (int dense = 0; dense < 2; ++dense) {
    const int n = dense ? 20000 : 200;
    Argv fill = {"PFADD", "src"};
    for (int i = 0; i < n; ++i) fill.push_back("m" + std::to_string(i));
    // Built by Redis, read by Rill.
    ASSERT_EQ(Redis(fill), ":1\r\n");
    const std::string from_redis = BulkValue(Redis({"GET", "src"}));
    ASSERT_EQ(Rill({"SET", "copy", from_redis}), "+OK\r\n");
    ASSERT_EQ(Redis({"SET", "copy", from_redis}), "+OK\r\n");
    ExpectSame({"PFCOUNT", "copy"});
    ExpectSame({"PFADD", "copy", "more1", "more2", "more3"});
    ExpectSame({"GET", "copy"});
    // Built by Rill, read by Redis.
    ASSERT_EQ(Rill(fill), ":1\r\n");
    const std::string from_rill = BulkValue(Rill({"GET", "src"}));
    EXPECT_EQ(from_rill, from_redis);
    ASSERT_EQ(Redis({"SET", "back", from_rill}), "+OK\r\n");
    ASSERT_EQ(Rill({"SET", "back", from_rill}), "+OK\r\n");
    ExpectSame({"PFCOUNT", "back"});
    ExpectSame({"PFMERGE", "back", "copy"});
    ExpectSame({"GET", "back"});
    ExpectSame({"DEL", "src", "copy", "back"});
  }
}

}  // namespace
}  // namespace rill::testing
