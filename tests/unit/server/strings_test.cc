// String commands run through Engine::Execute, checked by exact RESP2 reply bytes. Expected
// bytes were taken from redis-server 7.0 given the same commands.

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/keyspace.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "tests/unit/server/engine_test_fixture.h"

namespace rill {
namespace {

class StringsTest : public EngineTest {
 protected:
  int64_t ExpireOf(std::string_view key) { return db().Peek(key)->expire_ms(); }
};

// A stand-in non-string value, so that type checks are tested without the list family.
class FakeList : public ds::ObjectValue {
 public:
  ds::ValueType type() const override { return ds::ValueType::kList; }
  std::unique_ptr<ObjectValue> Clone() const override { return std::make_unique<FakeList>(); }
  size_t MemoryUsage() const override { return 16; }
  std::string_view EncodingName() const override { return "listpack"; }
};

constexpr std::string_view kSyntaxErr = "-ERR syntax error\r\n";
constexpr std::string_view kNotIntErr = "-ERR value is not an integer or out of range\r\n";
constexpr std::string_view kWrongTypeErr =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

TEST_F(StringsTest, GetAndSetRoundTripBinaryValues) {
  EXPECT_EQ(Run({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", std::string_view("a\0b\r\n", 5)}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "k"}), std::string("$5\r\na\0b\r\n\r\n", 11));
  EXPECT_EQ(Run({"SET", "n", "42"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "n"}), "$2\r\n42\r\n");
  EXPECT_EQ(engine_.stats().keyspace_hits, 2u);
  EXPECT_EQ(engine_.stats().keyspace_misses, 1u);
}

TEST_F(StringsTest, SetNxXxAndConflicts) {
  EXPECT_EQ(Run({"SET", "k", "v", "XX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "v", "nx"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "w", "NX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "w", "XX"}), "+OK\r\n");
  EXPECT_EQ(Run({"SET", "k", "x", "NX", "XX"}), kSyntaxErr);
  EXPECT_EQ(Run({"SET", "k", "x", "NX", "NX"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "x", "BOGUS"}), kSyntaxErr);
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nw\r\n");
}

TEST_F(StringsTest, SetExpiryOptionsAndErrors) {
  int64_t before = NowMs();
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "100"}), "+OK\r\n");
  EXPECT_GE(ExpireOf("k"), before + 100000);
  EXPECT_LE(ExpireOf("k"), NowMs() + 100000);
  EXPECT_EQ(Run({"SET", "k", "v", "PXAT", "4102444800123"}), "+OK\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444800123);
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "4102444800"}), "+OK\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444800000);
  // The same expiry keyword twice: the last wins.
  EXPECT_EQ(Run({"SET", "k", "v", "EXAT", "1", "EXAT", "4102444801"}), "+OK\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444801000);
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444801000);
  EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(ExpireOf("k"), ds::kNoExpire);

  const std::string invalid = "-ERR invalid expire time in 'set' command\r\n";
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "100"}), kSyntaxErr);
  EXPECT_EQ(Run({"SET", "k", "v", "KEEPTTL", "EX", "1"}), kSyntaxErr);
  EXPECT_EQ(Run({"SET", "k", "v", "EX"}), kSyntaxErr);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "-1"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775807"}), invalid);
  // Fits in ms but overflows once "now" is added.
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "9223372036854775"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "9223372036854775807"}), invalid);
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "1.5"}), kNotIntErr);
  // The expiry is validated before NX looks at the key.
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "EX", "abc"}), kNotIntErr);
}

TEST_F(StringsTest, SetGetRepliesOldValue) {
  EXPECT_EQ(Run({"SET", "k", "v1", "GET"}), "$-1\r\n");
  EXPECT_EQ(Run({"SET", "k", "v2", "GET"}), "$2\r\nv1\r\n");
  // NX stops the write but the old value is still the reply.
  EXPECT_EQ(Run({"SET", "k", "v3", "NX", "GET"}), "$2\r\nv2\r\n");
  EXPECT_EQ(Run({"GET", "k"}), "$2\r\nv2\r\n");
}

TEST_F(StringsTest, SetNxSetExPSetEx) {
  EXPECT_EQ(Run({"SETNX", "k", "a"}), ":1\r\n");
  EXPECT_EQ(Run({"SETNX", "k", "b"}), ":0\r\n");
  EXPECT_EQ(Run({"SETEX", "k", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run({"PSETEX", "k", "-5", "v"}), "-ERR invalid expire time in 'psetex' command\r\n");
  EXPECT_EQ(Run({"SETEX", "k", "x", "v"}), kNotIntErr);
  int64_t before = NowMs();
  EXPECT_EQ(Run({"PSETEX", "k", "5000", "v"}), "+OK\r\n");
  EXPECT_GE(ExpireOf("k"), before + 5000);
  EXPECT_EQ(Run({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(StringsTest, GetSetClearsTtlAndGetDelDeletes) {
  EXPECT_EQ(Run({"GETSET", "k", "a"}), "$-1\r\n");
  db().SetExpire("k", NowMs() + 100000);
  EXPECT_EQ(Run({"GETSET", "k", "b"}), "$1\r\na\r\n");
  EXPECT_EQ(ExpireOf("k"), ds::kNoExpire);
  uint64_t dirty = engine_.stats().dirty;
  EXPECT_EQ(Run({"GETDEL", "k"}), "$1\r\nb\r\n");
  EXPECT_EQ(engine_.stats().dirty, dirty + 1);
  EXPECT_EQ(db().Peek("k"), nullptr);
  EXPECT_EQ(Run({"GETDEL", "k"}), "$-1\r\n");
  EXPECT_EQ(engine_.stats().dirty, dirty + 1);
}

TEST_F(StringsTest, GetExOptions) {
  EXPECT_EQ(Run({"GETEX", "nokey", "EX", "0"}), "$-1\r\n");  // no key: value never checked
  EXPECT_EQ(Run({"GETEX", "k", "KEEPTTL"}), kSyntaxErr);
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "EX", "10"}), kSyntaxErr);
  db().SetString("k", "v");
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), "-ERR invalid expire time in 'getex' command\r\n");
  EXPECT_EQ(Run({"GETEX", "k", "PXAT", "4102444800123"}), "$1\r\nv\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444800123);
  EXPECT_EQ(Run({"GETEX", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(ExpireOf("k"), 4102444800123);
  EXPECT_EQ(Run({"GETEX", "k", "persist"}), "$1\r\nv\r\n");
  EXPECT_EQ(ExpireOf("k"), ds::kNoExpire);
  // A deadline in the past deletes the key after replying its value.
  EXPECT_EQ(Run({"GETEX", "k", "EXAT", "1"}), "$1\r\nv\r\n");
  EXPECT_EQ(db().Peek("k"), nullptr);
}

TEST_F(StringsTest, MGetMSetMSetNx) {
  EXPECT_EQ(Run({"MSET", "a", "1", "b"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(Run({"MSETNX", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");
  EXPECT_EQ(Run({"MSET", "a", "1", "b", "2"}), "+OK\r\n");
  EXPECT_EQ(Run({"MSETNX", "a", "5", "c", "6"}), ":0\r\n");
  EXPECT_EQ(Run({"MSETNX", "c", "5", "d", "6"}), ":1\r\n");
  EXPECT_EQ(Run({"MGET", "a", "x", "d"}), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n6\r\n");
}

TEST_F(StringsTest, IncrDecrAtInt64Bounds) {
  EXPECT_EQ(Run({"INCR", "n"}), ":1\r\n");
  EXPECT_EQ(Run({"DECRBY", "n", "3"}), ":-2\r\n");
  db().SetString("n", "9223372036854775806");
  EXPECT_EQ(Run({"INCR", "n"}), ":9223372036854775807\r\n");
  const std::string overflow = "-ERR increment or decrement would overflow\r\n";
  EXPECT_EQ(Run({"INCR", "n"}), overflow);
  EXPECT_EQ(Run({"DECRBY", "n", "-1"}), overflow);
  db().SetString("m", "-9223372036854775808");
  EXPECT_EQ(Run({"DECR", "m"}), overflow);
  EXPECT_EQ(Run({"DECRBY", "x", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  EXPECT_EQ(Run({"INCRBY", "x", "9223372036854775808"}), kNotIntErr);
  db().SetString("s", "012");
  EXPECT_EQ(Run({"INCR", "s"}), kNotIntErr);
  db().SetString("s", " 1");
  EXPECT_EQ(Run({"INCR", "s"}), kNotIntErr);
}

TEST_F(StringsTest, IncrKeepsTtlAndIntegerEncoding) {
  db().SetString("n", "10", ds::TtlMode::kSet, 4102444800000);
  EXPECT_EQ(Run({"INCRBY", "n", "5"}), ":15\r\n");
  EXPECT_EQ(ExpireOf("n"), 4102444800000);
  EXPECT_TRUE(db().Peek("n")->is_int());
  EXPECT_EQ(db().Peek("n")->int_value(), 15);
}

TEST_F(StringsTest, IncrByFloatFormatsLikeRedis) {
  db().SetString("f", "10.5");
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), "$4\r\n10.6\r\n");
  db().SetString("f", "3.0e3");
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0"}), "$4\r\n3000\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "g", "0.1"}), "$3\r\n0.1\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "g", "0.2"}), "$3\r\n0.3\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "5.0e-1"}), "$3\r\n0.5\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "-0.5"}), "$1\r\n0\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "h", "-0.0"}), "$1\r\n0\r\n");
  db().SetString("i", "5");
  EXPECT_EQ(Run({"INCRBYFLOAT", "i", "1e-20"}), "$1\r\n5\r\n");
  EXPECT_EQ(Run({"INCRBYFLOAT", "j", "0x10"}), "$2\r\n16\r\n");
  EXPECT_EQ(Run({"GET", "j"}), "$2\r\n16\r\n");

  const std::string not_float = "-ERR value is not a valid float\r\n";
  db().SetString("s", "abc");
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "abc"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", " 1"}), not_float);
  EXPECT_EQ(Run({"INCRBYFLOAT", "k", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
  EXPECT_EQ(db().Peek("k"), nullptr);
}

TEST_F(StringsTest, IncrByFloatNeverUsesExponentNotation) {
  db().SetString("f", "1.7976931348623157e308");
  std::string reply = Run({"INCRBYFLOAT", "f", "1e308"});
  EXPECT_EQ(reply.substr(0, 12), "$309\r\n279769");
  EXPECT_EQ(reply.find('e'), std::string::npos);
}

TEST_F(StringsTest, AppendAndStrlen) {
  EXPECT_EQ(Run({"APPEND", "k", "ab"}), ":2\r\n");
  EXPECT_EQ(Run({"APPEND", "k", "cd"}), ":4\r\n");
  EXPECT_EQ(Run({"STRLEN", "k"}), ":4\r\n");
  EXPECT_EQ(Run({"STRLEN", "none"}), ":0\r\n");
  db().SetString("i", "12", ds::TtlMode::kSet, 4102444800000);
  EXPECT_EQ(Run({"STRLEN", "i"}), ":2\r\n");
  EXPECT_EQ(Run({"APPEND", "i", "3"}), ":3\r\n");
  EXPECT_EQ(Run({"GET", "i"}), "$3\r\n123\r\n");
  EXPECT_EQ(ExpireOf("i"), 4102444800000);
}

TEST_F(StringsTest, GetRangeClampsLikeRedis) {
  db().SetString("s", "Hello World");
  struct Case {
    std::string_view start, end, reply;
  } cases[] = {
      {"0", "4", "$5\r\nHello\r\n"},
      {"-5", "-1", "$5\r\nWorld\r\n"},
      {"-1", "-5", "$0\r\n\r\n"},
      {"5", "3", "$0\r\n\r\n"},
      {"0", "-100", "$1\r\nH\r\n"},
      {"-100", "-100", "$1\r\nH\r\n"},
      {"-100", "2", "$3\r\nHel\r\n"},
      {"100", "200", "$0\r\n\r\n"},
      {"0", "1000", "$11\r\nHello World\r\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Run({"GETRANGE", "s", c.start, c.end}), c.reply) << c.start << " " << c.end;
  }
  EXPECT_EQ(Run({"SUBSTR", "s", "1", "2"}), "$2\r\nel\r\n");
  EXPECT_EQ(Run({"GETRANGE", "none", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(Run({"GETRANGE", "none", "x", "-1"}), kNotIntErr);
  db().SetString("n", "12345");
  EXPECT_EQ(Run({"GETRANGE", "n", "1", "-2"}), "$3\r\n234\r\n");
}

TEST_F(StringsTest, SetRangePadsAndChecksLimits) {
  EXPECT_EQ(Run({"SETRANGE", "k", "5", "hi"}), ":7\r\n");
  EXPECT_EQ(Run({"GET", "k"}), std::string("$7\r\n\0\0\0\0\0hi\r\n", 13));
  EXPECT_EQ(Run({"SETRANGE", "k", "0", "ab"}), ":7\r\n");
  EXPECT_EQ(Run({"GET", "k"}), std::string("$7\r\nab\0\0\0hi\r\n", 13));
  EXPECT_EQ(Run({"SETRANGE", "k", "1", ""}), ":7\r\n");
  EXPECT_EQ(Run({"SETRANGE", "empty", "0", ""}), ":0\r\n");
  EXPECT_EQ(db().Peek("empty"), nullptr);
  EXPECT_EQ(Run({"SETRANGE", "k", "-1", "x"}), "-ERR offset is out of range\r\n");
  const std::string too_long = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
  EXPECT_EQ(Run({"SETRANGE", "k", "536870912", "x"}), too_long);
  EXPECT_EQ(Run({"SETRANGE", "k", "9223372036854775807", "x"}), too_long);
  EXPECT_EQ(Run({"SETRANGE", "k", "536870911", ""}), ":7\r\n");
}

TEST_F(StringsTest, WrongTypeErrorsLeaveTheKeyAlone) {
  db().SetObject("l", std::make_unique<FakeList>());
  for (auto args : std::vector<std::vector<std::string_view>>{
           {"GET", "l"},
           {"GETSET", "l", "v"},
           {"GETDEL", "l"},
           {"GETEX", "l", "PERSIST"},
           {"SET", "l", "v", "NX", "GET"},
           {"INCR", "l"},
           {"INCRBYFLOAT", "l", "1"},
           {"APPEND", "l", "x"},
           {"STRLEN", "l"},
           {"GETRANGE", "l", "0", "1"},
           {"SETRANGE", "l", "0", "x"},
       }) {
    std::string out;
    engine_.Execute(client_, args, &out);
    EXPECT_EQ(out, kWrongTypeErr) << args[0];
  }
  EXPECT_EQ(db().Peek("l")->type(), ds::ValueType::kList);
  EXPECT_EQ(Run({"MGET", "l", "l"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(Run({"LCS", "l", "x"}), "-ERR The specified keys must contain string values\r\n");
  // Plain SET replaces a value of any type.
  EXPECT_EQ(Run({"SET", "l", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"GET", "l"}), "$1\r\nv\r\n");
}

TEST_F(StringsTest, LcsPlainLenAndIdx) {
  db().SetString("key1", "ohmytext");
  db().SetString("key2", "mynewtext");
  EXPECT_EQ(Run({"LCS", "key1", "key2"}), "$6\r\nmytext\r\n");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "LEN"}), ":6\r\n");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n"
            "*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
            "$3\r\nlen\r\n:6\r\n");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n"
            "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "$3\r\nlen\r\n:6\r\n");
  EXPECT_EQ(Run3({"LCS", "key1", "key2", "IDX", "WITHMATCHLEN"}),
            "%2\r\n$7\r\nmatches\r\n*2\r\n"
            "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
            "$3\r\nlen\r\n:6\r\n");
  EXPECT_EQ(Run({"LCS", "nokey", "key2", "IDX"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "IDX", "LEN"}),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  EXPECT_EQ(Run({"LCS", "key1", "key2", "foo"}), kSyntaxErr);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN"}), kSyntaxErr);
  EXPECT_EQ(Run({"LCS", "key1", "key2", "MINMATCHLEN", "x"}), kNotIntErr);
}

}  // namespace
}  // namespace rill
