#include <gtest/gtest.h>

#include <string>

#include "persistence/crc64.h"
#include "persistence/lzf_codec.h"
#include "persistence/rdb_length.h"

namespace rill::persistence {
namespace {

TEST(Crc64, KnownVector) { EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL); }

TEST(Crc64, ChainedEqualsWholeAndSlicedEqualsBytewise) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 31 + 7));
  const uint64_t whole = Crc64(0, data);
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u}) {
    EXPECT_EQ(
        Crc64(Crc64(0, std::string_view(data).substr(0, cut)), std::string_view(data).substr(cut)),
        whole)
        << cut;
  }
  uint64_t bytewise = 0;
  for (char c : data) bytewise = Crc64(bytewise, std::string_view(&c, 1));
  EXPECT_EQ(bytewise, whole);
}

TEST(Lzf, RoundTripCompressible) {
  std::string in;
  for (int i = 0; i < 200; ++i) in += "hello world ";
  auto packed = LzfCompress(in);
  ASSERT_TRUE(packed.has_value());
  EXPECT_LT(packed->size(), in.size());
  auto back = LzfDecompress(*packed, in.size());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, in);
}

TEST(Lzf, IncompressibleAndCorrupt) {
  EXPECT_FALSE(LzfCompress("abcd").has_value());
  std::string random;
  uint32_t x = 12345;
  for (int i = 0; i < 64; ++i)
    random.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 24));
  EXPECT_FALSE(LzfCompress(random).has_value());
  std::string in(100, 'a');
  auto packed = LzfCompress(in);
  ASSERT_TRUE(packed.has_value());
  EXPECT_FALSE(LzfDecompress(*packed, 99).has_value());
  EXPECT_FALSE(LzfDecompress(packed->substr(0, packed->size() - 1), 100).has_value());
}

TEST(RdbLength, EncodingsAtBoundaries) {
  struct Case {
    uint64_t len;
    std::string bytes;
  };
  const Case cases[] = {
      {0, std::string("\x00", 1)},
      {63, "\x3f"},
      {64, "\x40\x40"},
      {16383, "\x7f\xff"},
      {16384, std::string("\x80\x00\x00\x40\x00", 5)},
      {UINT32_MAX, "\x80\xff\xff\xff\xff"},
      {uint64_t{UINT32_MAX} + 1, std::string("\x81\x00\x00\x00\x01\x00\x00\x00\x00", 9)},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendRdbLength(out, c.len);
    EXPECT_EQ(out, c.bytes) << c.len;
    auto parsed = ParseRdbLength(out + "tail");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->value, c.len);
    EXPECT_FALSE(parsed->encoded);
    EXPECT_EQ(parsed->consumed, out.size());
    EXPECT_FALSE(ParseRdbLength(std::string_view(out).substr(0, out.size() - 1)).has_value());
  }
}

TEST(RdbLength, SpecialEncodingAndMalformed) {
  auto special = ParseRdbLength("\xc3");  // RDB_ENC_LZF
  ASSERT_TRUE(special.has_value());
  EXPECT_TRUE(special->encoded);
  EXPECT_EQ(special->value, 3u);
  EXPECT_FALSE(ParseRdbLength("\x82").has_value());
  EXPECT_FALSE(ParseRdbLength("").has_value());
}

}  // namespace
}  // namespace rill::persistence
