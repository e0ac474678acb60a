// Exact RESP2 and RESP3 bytes of every ReplyBuilder method, as redis-server 7.0.15 sends them
// (RESP3 forms checked with DEBUG PROTOCOL and HELLO 3).
#include "protocol/reply_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace rill::protocol {
namespace {

// Runs `fill` on a builder in the given protocol and returns the bytes produced.
template <typename Fn>
std::string Build(bool resp3, Fn fill) {
  std::string out = "prefix";  // builders append: earlier output must stay untouched
  ReplyBuilder b(&out);
  b.set_resp3(resp3);
  fill(b);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

template <typename Fn>
void ExpectBytes(Fn fill, const std::string& resp2, const std::string& resp3) {
  EXPECT_EQ(Build(false, fill), resp2);
  EXPECT_EQ(Build(true, fill), resp3);
}

TEST(ReplyBuilderTest, SimpleAndOk) {
  ExpectBytes([](ReplyBuilder& b) { b.Ok(); }, "+OK\r\n", "+OK\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Simple("PONG"); }, "+PONG\r\n", "+PONG\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Status(""); }, "+\r\n", "+\r\n");
}

TEST(ReplyBuilderTest, ErrorAddsDashAndFlattensNewlines) {
  ExpectBytes([](ReplyBuilder& b) { b.Error("ERR syntax error"); }, "-ERR syntax error\r\n",
              "-ERR syntax error\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Error("ERR got '\r\n'"); }, "-ERR got '  '\r\n",
              "-ERR got '  '\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Error("-WRONGTYPE x"); }, "-WRONGTYPE x\r\n",
              "-WRONGTYPE x\r\n");
}

TEST(ReplyBuilderTest, Integers) {
  ExpectBytes([](ReplyBuilder& b) { b.Integer(0); }, ":0\r\n", ":0\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Integer(-42); }, ":-42\r\n", ":-42\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Integer(INT64_MIN); }, ":-9223372036854775808\r\n",
              ":-9223372036854775808\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Integer(INT64_MAX); }, ":9223372036854775807\r\n",
              ":9223372036854775807\r\n");
}

TEST(ReplyBuilderTest, BulkStrings) {
  ExpectBytes([](ReplyBuilder& b) { b.Bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  const std::string binary("a\r\n\0b", 5);
  ExpectBytes([&](ReplyBuilder& b) { b.Bulk(binary); }, "$5\r\n" + binary + "\r\n",
              "$5\r\n" + binary + "\r\n");
  const std::string big(100000, 'z');
  ExpectBytes([&](ReplyBuilder& b) { b.Bulk(big); }, "$100000\r\n" + big + "\r\n",
              "$100000\r\n" + big + "\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.BulkInt(-1234); }, "$5\r\n-1234\r\n", "$5\r\n-1234\r\n");
}

TEST(ReplyBuilderTest, Nulls) {
  ExpectBytes([](ReplyBuilder& b) { b.Null(); }, "$-1\r\n", "_\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.NullArray(); }, "*-1\r\n", "_\r\n");
}

TEST(ReplyBuilderTest, AggregateHeaders) {
  ExpectBytes([](ReplyBuilder& b) { b.EmptyArray(); }, "*0\r\n", "*0\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.ArrayHeader(3); }, "*3\r\n", "*3\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.MapHeader(3); }, "*6\r\n", "%3\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.SetHeader(3); }, "*3\r\n", "~3\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.PushHeader(3); }, "*3\r\n", ">3\r\n");
}

TEST(ReplyBuilderTest, DebugProtocolMapShape) {
  // DEBUG PROTOCOL map in redis-server 7.0.
  auto fill = [](ReplyBuilder& b) {
    b.MapHeader(3);
    for (int i = 0; i < 3; ++i) {
      b.Integer(i);
      b.Bool(i == 1);
    }
  };
  ExpectBytes(fill, "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
              "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n");
}

TEST(ReplyBuilderTest, Doubles) {
  ExpectBytes([](ReplyBuilder& b) { b.Double(3.141); }, "$5\r\n3.141\r\n", ",3.141\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Double(0.1); }, "$19\r\n0.10000000000000001\r\n",
              ",0.10000000000000001\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Double(3.0); }, "$1\r\n3\r\n", ",3\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Double(-0.0); }, "$2\r\n-0\r\n", ",-0\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Double(1e100); }, "$6\r\n1e+100\r\n", ",1e+100\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Double(1.5e-7); }, "$22\r\n1.4999999999999999e-07\r\n",
              ",1.4999999999999999e-07\r\n");
  const double inf = std::numeric_limits<double>::infinity();
  ExpectBytes([&](ReplyBuilder& b) { b.Double(inf); }, "$3\r\ninf\r\n", ",inf\r\n");
  ExpectBytes([&](ReplyBuilder& b) { b.Double(-inf); }, "$4\r\n-inf\r\n", ",-inf\r\n");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ExpectBytes([&](ReplyBuilder& b) { b.Double(nan); }, "$3\r\nnan\r\n", ",nan\r\n");
}

// FormatDouble must print exactly what Redis's snprintf("%.17g") prints.
TEST(FormatDoubleTest, MatchesPrintfPercent17g) {
  std::mt19937_64 rng(7);
  char expected[64];
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isinf(d)) continue;
    if (i % 2 == 0) d = static_cast<double>(static_cast<int64_t>(bits % 2000001) - 1000000) / 1000;
    std::snprintf(expected, sizeof expected, "%.17g", d);
    ASSERT_EQ(FormatDouble(d), expected) << "bits " << bits;
  }
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::denorm_min()), "4.9406564584124654e-324");
}

TEST(ReplyBuilderTest, Booleans) {
  ExpectBytes([](ReplyBuilder& b) { b.Bool(true); }, ":1\r\n", "#t\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Bool(false); }, ":0\r\n", "#f\r\n");
}

TEST(ReplyBuilderTest, Verbatim) {
  // DEBUG PROTOCOL verbatim in redis-server 7.0.
  ExpectBytes([](ReplyBuilder& b) { b.Verbatim("This is a verbatim\nstring"); },
              "$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n");
  ExpectBytes([](ReplyBuilder& b) { b.Verbatim("# x", "mkd"); }, "$3\r\n# x\r\n",
              "=7\r\nmkd:# x\r\n");
}

TEST(ReplyBuilderTest, BigNumber) {
  // DEBUG PROTOCOL bignum in redis-server 7.0.
  const std::string digits = "1234567999999999999999999999999999999";
  ExpectBytes([&](ReplyBuilder& b) { b.BigNumber(digits); }, "$37\r\n" + digits + "\r\n",
              "(" + digits + "\r\n");
}

TEST(ReplyBuilderTest, RawAppendsVerbatimBytes) {
  ExpectBytes([](ReplyBuilder& b) { b.Raw("*1\r\n:1\r\n"); }, "*1\r\n:1\r\n", "*1\r\n:1\r\n");
}

TEST(ReplyBuilderDeferredTest, ArrayHeaderPatchedBeforeElements) {
  auto fill = [](ReplyBuilder& b) {
    size_t token = b.BeginDeferredArray();
    b.Bulk("a");
    b.Integer(2);
    b.EndDeferredArray(token, 2);
    b.Ok();  // output after the deferred reply stays in place
  };
  ExpectBytes(fill, "*2\r\n$1\r\na\r\n:2\r\n+OK\r\n", "*2\r\n$1\r\na\r\n:2\r\n+OK\r\n");
}

TEST(ReplyBuilderDeferredTest, EmptyAndLargeCounts) {
  ExpectBytes(
      [](ReplyBuilder& b) {
        size_t token = b.BeginDeferredArray();
        b.EndDeferredArray(token, 0);
      },
      "*0\r\n", "*0\r\n");
  std::string expected = "*100000\r\n";
  for (int i = 0; i < 100000; ++i) expected += ":" + std::to_string(i) + "\r\n";
  ExpectBytes(
      [](ReplyBuilder& b) {
        size_t token = b.BeginDeferredArray();
        for (int i = 0; i < 100000; ++i) b.Integer(i);
        b.EndDeferredArray(token, 100000);
      },
      expected, expected);
}

TEST(ReplyBuilderDeferredTest, MapAndSetFollowTheProtocol) {
  auto map = [](ReplyBuilder& b) {
    size_t token = b.BeginDeferredMap();
    b.Bulk("k");
    b.Double(1.5);
    b.EndDeferredMap(token, 1);
  };
  ExpectBytes(map, "*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n", "%1\r\n$1\r\nk\r\n,1.5\r\n");
  auto set = [](ReplyBuilder& b) {
    size_t token = b.BeginDeferredSet();
    b.Bulk("m");
    b.EndDeferredSet(token, 1);
  };
  ExpectBytes(set, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n");
}

TEST(ReplyBuilderDeferredTest, NestedDeferredReplies) {
  auto fill = [](ReplyBuilder& b) {
    size_t outer = b.BeginDeferredArray();
    for (int i = 0; i < 2; ++i) {
      size_t inner = b.BeginDeferredMap();
      b.Bulk("id");
      b.Integer(i);
      b.EndDeferredMap(inner, 1);
    }
    b.EndDeferredArray(outer, 2);
  };
  ExpectBytes(fill, "*2\r\n*2\r\n$2\r\nid\r\n:0\r\n*2\r\n$2\r\nid\r\n:1\r\n",
              "*2\r\n%1\r\n$2\r\nid\r\n:0\r\n%1\r\n$2\r\nid\r\n:1\r\n");
}

}  // namespace
}  // namespace rill::protocol
