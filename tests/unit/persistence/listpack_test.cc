#include "persistence/listpack.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "persistence/quicklist_chunker.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Hex;
using testing::ToHex;

// The encoded entry (encoding + data + backlen) of one integer.
std::string IntEntry(int64_t v) {
  std::string buf;
  ListpackBuilder lp(&buf);
  lp.AppendInteger(v);
  std::string all(lp.Finish());
  return all.substr(6, all.size() - 7);
}

TEST(ListpackBuilder, IntegerEncodingsAtEveryBoundary) {
  struct Case {
    int64_t v;
    const char* hex;
  };
  const Case cases[] = {
      {0, "0001"},
      {127, "7f01"},
      {128, "c08002"},  // 13-bit
      {-1, "dfff02"},
      {4095, "cfff02"},
      {-4096, "d00002"},
      {4096, "f1001003"},  // 16-bit
      {32767, "f1ff7f03"},
      {-32768, "f1008003"},
      {32768, "f200800004"},  // 24-bit
      {-8388608, "f200008004"},
      {8388608, "f30000800005"},  // 32-bit
      {INT32_MAX, "f3ffffff7f05"},
      {INT32_MIN, "f30000008005"},
      {int64_t{INT32_MAX} + 1, "f4000000800000000009"},  // 64-bit
      {INT64_MIN, "f4000000000000008009"},
      {-5000, "f178ec03"},  // as Redis wrote it in a dump
      {200, "c0c802"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ToHex(IntEntry(c.v)), c.hex) << c.v;
    EXPECT_EQ(ListpackBuilder::IntegerEntrySize(c.v), Hex(c.hex).size()) << c.v;
  }
}

TEST(ListpackBuilder, StringsAndBacklens) {
  std::string buf;
  ListpackBuilder lp(&buf);
  lp.AppendString("");
  lp.AppendString(std::string(63, 'a'));    // 6-bit length, backlen 1 byte (64)
  lp.AppendString(std::string(64, 'b'));    // 12-bit length: head 66
  lp.AppendString(std::string(126, 'c'));   // head 128: backlen takes 2 bytes
  lp.AppendString(std::string(4096, 'd'));  // 32-bit length
  std::string all(lp.Finish());
  size_t p = 6;
  EXPECT_EQ(ToHex(all.substr(p, 2)), "8001");
  p += 2;
  EXPECT_EQ(ToHex(all.substr(p, 1)), "bf");
  EXPECT_EQ(ToHex(all.substr(p + 64, 1)), "40");
  p += 65;
  EXPECT_EQ(ToHex(all.substr(p, 2)), "e040");
  EXPECT_EQ(ToHex(all.substr(p + 66, 1)), "42");
  p += 67;
  EXPECT_EQ(ToHex(all.substr(p, 2)), "e07e");
  EXPECT_EQ(ToHex(all.substr(p + 128, 2)), "0180");  // 128 = 1<<7: high group first
  p += 130;
  EXPECT_EQ(ToHex(all.substr(p, 5)), "f000100000");
  EXPECT_EQ(ToHex(all.substr(p + 5 + 4096, 2)), "2085");  // 4101 = 32*128 + 5
  p += 5 + 4096 + 2;
  EXPECT_EQ(p + 1, all.size());
  EXPECT_EQ(ListpackBuilder::StringEntrySize(std::string(126, 'c')), 130u);
}

TEST(ListpackBuilder, CanonicalIntegersOnly) {
  for (std::string_view s : {"0123", "-0", "+1", " 1", "1 ", "18446744073709551616", "1e3", ""}) {
    std::string buf;
    ListpackBuilder lp(&buf);
    lp.AppendString(s);
    std::string all(lp.Finish());
    ListpackReader r(all);
    PackedElement e;
    ASSERT_TRUE(r.Next(&e)) << s;
    EXPECT_FALSE(e.is_int) << s;
    EXPECT_EQ(e.str, s);
  }
  std::string buf;
  ListpackBuilder lp(&buf);
  lp.AppendString("-9223372036854775808");
  std::string all(lp.Finish());
  ListpackReader r(all);
  PackedElement e;
  ASSERT_TRUE(r.Next(&e));
  ASSERT_TRUE(e.is_int);
  EXPECT_EQ(e.int_value, INT64_MIN);
}

TEST(ListpackBuilder, MatchesRedisBytesForAList) {
  // The listpack redis-server 7.0 wrote for RPUSH l 1 200 -5000 hello.
  std::string buf;
  ListpackBuilder lp(&buf);
  for (std::string_view v : {"1", "200", "-5000", "hello"}) lp.AppendString(v);
  EXPECT_EQ(ToHex(lp.Finish()),
            "170000000400"
            "0101"
            "c0c802"
            "f178ec03"
            "8568656c6c6f06"
            "ff");
}

TEST(ListpackReader, RoundTripsEveryEncoding) {
  std::vector<int64_t> ints = {0,        1,       127,       128,       -1,        4095,
                               -4096,    4096,    32767,     -32768,    32768,     8388607,
                               -8388608, 8388608, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
  std::vector<std::string> strs = {"",
                                   "x",
                                   std::string(63, 'a'),
                                   std::string(64, 'b'),
                                   std::string(4095, 'c'),
                                   std::string(70000, 'd'),
                                   std::string("\0\xff", 2)};
  std::string buf;
  ListpackBuilder lp(&buf);
  for (int64_t v : ints) lp.AppendInteger(v);
  for (const std::string& s : strs) lp.AppendString(s);
  std::string all(lp.Finish());
  EXPECT_EQ(lp.bytes(), all.size() + 1);  // Finish appended the end marker
  ListpackReader r(all);
  EXPECT_EQ(r.header_count(), static_cast<int64_t>(ints.size() + strs.size()));
  PackedElement e;
  for (int64_t v : ints) {
    ASSERT_TRUE(r.Next(&e)) << r.error();
    ASSERT_TRUE(e.is_int);
    EXPECT_EQ(e.int_value, v);
  }
  for (const std::string& s : strs) {
    ASSERT_TRUE(r.Next(&e)) << r.error();
    ASSERT_FALSE(e.is_int);
    EXPECT_EQ(e.str, s);
  }
  EXPECT_FALSE(r.Next(&e));
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(ListpackReader, UnknownCountAboveUint16) {
  std::string buf;
  ListpackBuilder lp(&buf);
  for (int i = 0; i < 70000; ++i) lp.AppendInteger(i % 100);
  std::string all(lp.Finish());
  EXPECT_EQ(ToHex(all.substr(4, 2)), "ffff");
  ListpackReader r(all);
  EXPECT_EQ(r.header_count(), -1);
  PackedElement e;
  int n = 0;
  while (r.Next(&e)) ++n;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(n, 70000);
}

TEST(ListpackReader, RejectsDamage) {
  const std::string good =
      Hex("170000000400"
          "0101"
          "c0c802"
          "f178ec03"
          "8568656c6c6f06"
          "ff");
  auto read_all = [](const std::string& blob) {
    ListpackReader r(blob);
    PackedElement e;
    while (r.Next(&e)) {
    }
    return std::string(r.ok() ? "" : r.error());
  };
  EXPECT_EQ(read_all(good), "");
  std::string bad = good;
  bad[0] = 0x18;  // header size != length
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad.back() = 0x00;  // no end marker
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad[4] = 5;  // count 5, holds 4
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad[4] = 3;  // count 3, holds 4
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad[7] = 0x02;  // backlen of the first entry wrong
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad[15] = static_cast<char>(0x86);  // "hello" claims 6 bytes: runs into the backlen and end
  EXPECT_NE(read_all(bad), "");
  bad = good;
  bad[6] = static_cast<char>(0xf5);  // no such encoding
  EXPECT_NE(read_all(bad), "");
  EXPECT_NE(read_all(Hex("0600000000")), "");  // shorter than a header
  // A 32-bit string length far beyond the blob.
  EXPECT_NE(read_all(Hex("0c0000000100"
                         "f0ffffff7f"
                         "ff")),
            "");
}

TEST(ZiplistReader, AllEncodings) {
  // Hand-built per the format: "a", 5 (immediate), 300 (int16), 100000 (int24), 10^7 (int32),
  // 5*10^9 (int64), -100 (int8), a 300-byte string (14-bit length), then the end.
  std::vector<std::string> entries = {
      Hex("0161"),       Hex("f6"),
      Hex("c02c01"),     Hex("f0a08601"),
      Hex("d080969800"), Hex("e000f2052a01000000"),
      Hex("fe9c"),       Hex("412c") + std::string(300, 's'),
  };
  std::string body;
  size_t prev = 0;
  for (const std::string& enc : entries) {
    std::string entry;
    if (prev < 254) {
      entry.push_back(static_cast<char>(prev));
    } else {
      entry.push_back(static_cast<char>(254));
      for (int i = 0; i < 4; ++i) entry.push_back(static_cast<char>((prev >> (8 * i)) & 0xff));
    }
    entry += enc;
    prev = entry.size();
    body += entry;
  }
  const size_t tail = 10 + body.size() - prev;
  const size_t total = 10 + body.size() + 1;
  std::string zl;
  for (int i = 0; i < 4; ++i) zl.push_back(static_cast<char>((total >> (8 * i)) & 0xff));
  for (int i = 0; i < 4; ++i) zl.push_back(static_cast<char>((tail >> (8 * i)) & 0xff));
  zl.push_back(static_cast<char>(entries.size()));
  zl.push_back(0);
  zl += body;
  zl.push_back(static_cast<char>(0xff));

  ZiplistReader r(zl);
  PackedElement e;
  char buf[24];
  std::vector<std::string> got;
  while (r.Next(&e)) got.emplace_back(e.AsString(buf));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(got, (std::vector<std::string>{"a", "5", "300", "100000", "10000000", "5000000000",
                                           "-100", std::string(300, 's')}));

  // A prevlen that does not match the entry before it.
  std::string bad = zl;
  bad[10 + 3] = 7;  // second entry's prevlen (the first entry is 3 bytes)
  ZiplistReader r2(bad);
  while (r2.Next(&e)) {
  }
  EXPECT_FALSE(r2.ok());
  // Truncated by one byte (header no longer matches).
  ZiplistReader r3(std::string_view(zl).substr(0, zl.size() - 1));
  EXPECT_FALSE(r3.Next(&e));
  EXPECT_FALSE(r3.ok());
}

TEST(QuicklistChunker, CutsWhereRedisCuts) {
  // fill -2 (8 KB): 100-byte elements. Redis's estimate adds 1 + 2 bytes of ziplist overhead
  // per insert to the node's listpack size; a node takes elements while the estimate <= 8192.
  QuicklistChunker c(-2);
  const std::string v(100, 'x');
  size_t node_bytes = 0, in_node = 0, nodes = 0;
  std::vector<size_t> expected_sizes, sizes;
  for (int i = 0; i < 1000; ++i) {
    const bool fresh = c.StartsNewNode(v);
    // Model: listpack bytes 7 + 103 per element (2-byte header + 100 + 1-byte backlen).
    const bool model_fresh = in_node == 0 || node_bytes + 100 + 3 > 8192;
    ASSERT_EQ(fresh, model_fresh) << i;
    if (fresh) {
      if (in_node) sizes.push_back(in_node);
      node_bytes = 7 + 103;
      in_node = 1;
      ++nodes;
    } else {
      node_bytes += 103;
      ++in_node;
    }
  }
  sizes.push_back(in_node);
  EXPECT_EQ(sizes.front(), 79u);  // 7 + 79*103 = 8144; +103 estimate 8250 > 8192
  EXPECT_EQ(nodes, 13u);

  QuicklistChunker by_count(3);
  int starts = 0;
  for (int i = 0; i < 10; ++i) starts += by_count.StartsNewNode("a");
  EXPECT_EQ(starts, 4);  // 3 + 3 + 3 + 1
}

}  // namespace
}  // namespace rill::persistence
