#include "datastructs/bitops.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds::bits {
namespace {

// Reference implementations, one bit at a time, in Redis's numbering.
int BitAt(std::string_view s, uint64_t i) {
  return (static_cast<uint8_t>(s[i / 8]) >> (7 - i % 8)) & 1;
}

uint64_t NaiveCount(std::string_view s) {
  uint64_t n = 0;
  for (uint64_t i = 0; i < s.size() * 8; ++i) n += BitAt(s, i);
  return n;
}

int64_t NaiveFind(std::string_view s, int bit) {
  for (uint64_t i = 0; i < s.size() * 8; ++i) {
    if (BitAt(s, i) == bit) return static_cast<int64_t>(i);
  }
  return bit ? -1 : static_cast<int64_t>(s.size() * 8);
}

std::string RandomBytes(std::mt19937_64& rng, size_t n, int density_percent = 50) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n * 8; ++i) {
    if (static_cast<int>(rng() % 100) < density_percent)
      s[i / 8] |= static_cast<char>(0x80 >> (i % 8));
  }
  return s;
}

const uint8_t* U(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(BitopsTest, PopCountMatchesBitByBitCountAtEveryLengthAndAlignment) {
  std::mt19937_64 rng(1);
  // Lengths on both sides of the AVX2 threshold and of every unrolled step; the offset makes
  // the start unaligned.
  for (size_t n : {0, 1, 7, 8, 9, 31, 32, 33, 255, 256, 257, 1000, 4096, 10007}) {
    for (size_t offset : {0, 1, 3}) {
      std::string buffer = RandomBytes(rng, n + offset);
      std::string_view s = std::string_view(buffer).substr(offset);
      EXPECT_EQ(PopCount(U(s), s.size()), NaiveCount(s)) << n << " at +" << offset;
    }
  }
  std::string ones(100000, '\xff');
  EXPECT_EQ(PopCount(U(ones), ones.size()), 800000u);
}

TEST(BitopsTest, FindBitMatchesBitByBitSearch) {
  std::mt19937_64 rng(2);
  for (size_t n : {1, 5, 8, 40, 100, 1000}) {
    for (int density : {0, 1, 50, 99, 100}) {
      const std::string s = RandomBytes(rng, n, density);
      for (int bit : {0, 1}) {
        EXPECT_EQ(FindBit(U(s), s.size(), bit), NaiveFind(s, bit))
            << "n " << n << " density " << density << " bit " << bit;
      }
    }
  }
  // Long runs skipped a word at a time, then the bit in a later byte.
  std::string zeros(1000, '\0');
  zeros[777] = 0x10;
  EXPECT_EQ(FindBit(U(zeros), zeros.size(), 1), 777 * 8 + 3);
  std::string ones(1000, '\xff');
  EXPECT_EQ(FindBit(U(ones), ones.size(), 0), 8000);  // as if zero-padded
  EXPECT_EQ(FindBit(U(ones), ones.size(), 1), 0);
  EXPECT_EQ(FindBit(U(zeros), 0, 1), -1);
  EXPECT_EQ(FindBit(U(zeros), 0, 0), 0);
}

TEST(BitopsTest, CombineReadsShortSourcesAsZeroPadded) {
  std::mt19937_64 rng(3);
  for (Op op : {Op::kAnd, Op::kOr, Op::kXor}) {
    std::vector<std::string> owned = {RandomBytes(rng, 100), RandomBytes(rng, 37),
                                      RandomBytes(rng, 0), RandomBytes(rng, 129)};
    std::vector<std::string_view> sources(owned.begin(), owned.end());
    std::string out(129, '?');
    Combine(op, sources, reinterpret_cast<uint8_t*>(out.data()), out.size());
    for (size_t i = 0; i < out.size(); ++i) {
      auto at = [&](size_t k) -> uint8_t { return i < owned[k].size() ? owned[k][i] : 0; };
      uint8_t want = at(0);
      for (size_t k = 1; k < owned.size(); ++k) {
        want = op == Op::kAnd ? want & at(k) : op == Op::kOr ? want | at(k) : want ^ at(k);
      }
      ASSERT_EQ(static_cast<uint8_t>(out[i]), want)
          << "op " << static_cast<int>(op) << " byte " << i;
    }
  }
  const std::string one = RandomBytes(rng, 77);
  std::string_view single[] = {one};
  std::string out(77, '\0');
  Combine(Op::kNot, single, reinterpret_cast<uint8_t*>(out.data()), out.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<char>(~one[i]));
}

TEST(BitopsTest, FieldsReadAndWriteBigEndianAtAnyOffset) {
  std::mt19937_64 rng(4);
  for (int round = 0; round < 2000; ++round) {
    std::string s = RandomBytes(rng, 20);
    const unsigned width = 1 + rng() % 64;
    const uint64_t offset = rng() % (20 * 8 - width + 1);
    uint64_t want = 0;
    for (unsigned i = 0; i < width; ++i) want = (want << 1) | BitAt(s, offset + i);
    ASSERT_EQ(GetUnsigned(U(s), offset, width), want) << width << "@" << offset;
    const uint64_t value = rng();
    const std::string before = s;
    SetField(reinterpret_cast<uint8_t*>(s.data()), offset, width, value);
    for (uint64_t i = 0; i < s.size() * 8; ++i) {
      const int expected = i >= offset && i < offset + width
                               ? static_cast<int>((value >> (width - 1 - (i - offset))) & 1)
                               : BitAt(before, i);
      ASSERT_EQ(BitAt(s, i), expected) << width << "@" << offset << " bit " << i;
    }
  }
}

TEST(BitopsTest, SignedFieldsAreSignExtended) {
  const std::string s("\x80\x01", 2);
  EXPECT_EQ(GetSigned(U(s), 0, 8), -128);
  EXPECT_EQ(GetSigned(U(s), 0, 1), -1);
  EXPECT_EQ(GetSigned(U(s), 1, 8), 0);
  EXPECT_EQ(GetSigned(U(s), 8, 8), 1);
  const std::string all("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
  EXPECT_EQ(GetSigned(U(all), 0, 64), -1);
  EXPECT_EQ(GetUnsigned(U(all), 0, 63), (uint64_t{1} << 63) - 1);
}

TEST(BitopsTest, PaddedReadsPastTheEndAreZero) {
  const std::string s("\xff", 1);
  EXPECT_EQ(GetUnsignedPadded(s, 4, 8), 0xf0u);
  EXPECT_EQ(GetUnsignedPadded(s, 8, 64), 0u);
  EXPECT_EQ(GetUnsignedPadded(s, 1ull << 32, 16), 0u);
  EXPECT_EQ(GetSignedPadded(s, 0, 4), -1);
  EXPECT_EQ(GetUnsignedPadded("", 0, 63), 0u);
}

TEST(BitopsTest, UnsignedOverflowFollowsRedis) {
  uint64_t limit = 12345;
  EXPECT_EQ(CheckUnsignedOverflow(250, 5, 8, Overflow::kWrap, &limit), 0);
  EXPECT_EQ(limit, 12345u);  // untouched when it fits
  EXPECT_EQ(CheckUnsignedOverflow(250, 10, 8, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, 4u);
  EXPECT_EQ(CheckUnsignedOverflow(250, 10, 8, Overflow::kSat, &limit), 1);
  EXPECT_EQ(limit, 255u);
  EXPECT_EQ(CheckUnsignedOverflow(5, -10, 8, Overflow::kSat, &limit), -1);
  EXPECT_EQ(limit, 0u);
  // A wrap is reported as 1 whichever way it went, as Redis does.
  EXPECT_EQ(CheckUnsignedOverflow(5, -10, 8, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, 251u);
  limit = 7;
  EXPECT_EQ(CheckUnsignedOverflow(5, -10, 8, Overflow::kFail, &limit), -1);
  EXPECT_EQ(limit, 7u);
  // SET of a negative number: a huge unsigned value, above the max.
  EXPECT_EQ(CheckUnsignedOverflow(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat, &limit), 1);
  EXPECT_EQ(limit, 255u);
  EXPECT_EQ(CheckUnsignedOverflow(static_cast<uint64_t>(-1), 0, 8, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, 255u);
  EXPECT_EQ(CheckUnsignedOverflow(0, INT64_MAX, 63, Overflow::kWrap, &limit), 0);
}

TEST(BitopsTest, SignedOverflowFollowsRedis) {
  int64_t limit = 0;
  EXPECT_EQ(CheckSignedOverflow(-128, -200, 8, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, -72);  // what redis-server 7.0 answers for INCRBY i8 -200 from -128
  EXPECT_EQ(CheckSignedOverflow(-200, 0, 8, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, 56);
  EXPECT_EQ(CheckSignedOverflow(120, 10, 8, Overflow::kSat, &limit), 1);
  EXPECT_EQ(limit, 127);
  EXPECT_EQ(CheckSignedOverflow(-120, -10, 8, Overflow::kSat, &limit), -1);
  EXPECT_EQ(limit, -128);
  EXPECT_EQ(CheckSignedOverflow(INT64_MAX, 1, 64, Overflow::kWrap, &limit), 1);
  EXPECT_EQ(limit, INT64_MIN);
  EXPECT_EQ(CheckSignedOverflow(INT64_MIN, -1, 64, Overflow::kSat, &limit), -1);
  EXPECT_EQ(limit, INT64_MIN);
  EXPECT_EQ(CheckSignedOverflow(-1, INT64_MAX, 64, Overflow::kSat, &limit), 0);
  EXPECT_EQ(CheckSignedOverflow(0, -1, 1, Overflow::kSat, &limit), 0);
  EXPECT_EQ(CheckSignedOverflow(-1, -1, 1, Overflow::kSat, &limit), -1);
  EXPECT_EQ(limit, -1);
}

}  // namespace
}  // namespace rill::ds::bits
