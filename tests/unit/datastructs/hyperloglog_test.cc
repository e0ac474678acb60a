#include "datastructs/hyperloglog.h"

#include <cmath>
#include <string>

#include "gtest/gtest.h"

namespace rill::ds::hll {
namespace {

using namespace std::string_literals;

std::string Added(std::initializer_list<std::string_view> elements,
                  size_t max_bytes = kDefaultSparseMaxBytes) {
  std::string h = NewSparse();
  for (std::string_view e : elements) EXPECT_GE(Add(h, e, max_bytes), 0);
  return h;
}

TEST(HyperLogLogTest, EmptyHllIsSparseXZeroOf16384) {
  const std::string h = NewSparse();
  EXPECT_EQ(h, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff"s);
  EXPECT_TRUE(IsHll(h));
  EXPECT_EQ(Count(h), 0u);
  EXPECT_EQ(DecodeSparse(h), "Z:16384");
}

// The bytes redis-server 7.0.15 holds after PFADD h a b c (read with GET), and its PFDEBUG
// DECODE of them: same hash, same register, same opcode splits.
TEST(HyperLogLogTest, SparseBytesMatchRedisForAKnownAdd) {
  std::string h = Added({"a", "b", "c"});
  InvalidateCache(reinterpret_cast<uint8_t*>(h.data()));  // PFADD does so once at the end
  EXPECT_EQ(h,
            "HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80`\xf3\x80P\xb1\x84K\xfb\x80"
            "BZ"s);
  EXPECT_EQ(DecodeSparse(h), "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603");
  EXPECT_EQ(Count(h), 3u);
  EXPECT_FALSE(CacheValid(h));
  StoreCardinality(reinterpret_cast<uint8_t*>(h.data()), 3);
  EXPECT_TRUE(CacheValid(h));
  EXPECT_EQ(CachedCardinality(h), 3u);
  EXPECT_EQ(h.substr(8, 8), "\x03\0\0\0\0\0\0\0"s);
}

TEST(HyperLogLogTest, AddingAgainChangesNothing) {
  std::string h = Added({"x", "y"});
  const std::string before = h;
  EXPECT_EQ(Add(h, "x", kDefaultSparseMaxBytes), 0);
  EXPECT_EQ(h, before);
}

TEST(HyperLogLogTest, PatternCountsTrailingZerosOfTheHighBits) {
  for (std::string_view e : {"a", "b", "hello", "", "0123456789abcdef!"}) {
    const uint64_t hash = MurmurHash64A(e.data(), e.size(), 0xadc83b19ULL);
    const Pattern p = PatternOf(e);
    EXPECT_EQ(p.index, static_cast<int>(hash & 16383));
    uint64_t rest = hash >> 14;
    int count = 1;
    while (count <= 50 && (rest & 1) == 0) {
      ++count;
      rest >>= 1;
    }
    EXPECT_EQ(p.count, count) << e;
  }
}

TEST(HyperLogLogTest, DenseRegistersKeepTheirNeighbours) {
  std::string registers(kDenseSize - kHeaderSize, '\0');
  auto* r = reinterpret_cast<uint8_t*>(registers.data());
  for (int i = 0; i < kRegisters; ++i) DenseSet(r, i, static_cast<uint8_t>((i * 7) % 64));
  for (int i = 0; i < kRegisters; ++i) ASSERT_EQ(DenseGet(r, i), (i * 7) % 64) << i;
  DenseSet(r, kRegisters - 1, 63);  // the last register ends exactly at the last byte
  EXPECT_EQ(static_cast<uint8_t>(registers.back()) >> 2, 63);
}

TEST(HyperLogLogTest, EstimateStaysWithinTheStandardErrorAndSparseAgreesWithDense) {
  std::string sparse = NewSparse();
  std::string dense = sparse;
  ASSERT_TRUE(SparseToDense(dense));
  EXPECT_EQ(dense.size(), kDenseSize);
  for (int i = 1; i <= 100000; ++i) {
    const std::string e = "element:" + std::to_string(i);
    Add(sparse, e, kDefaultSparseMaxBytes);
    Add(dense, e, kDefaultSparseMaxBytes);
    if (i == 10 || i == 100 || i == 1000 || i == 100000) {
      const uint64_t card = *Count(dense);
      EXPECT_EQ(Count(sparse), card) << i;
      EXPECT_LE(std::abs(static_cast<double>(card) - i), std::max(1.0, i * 0.0081 * 3)) << i;
    }
  }
  EXPECT_EQ(EncodingOf(sparse), kDense);  // promoted past hll-sparse-max-bytes
  // The same registers (only the sparse edits invalidated the cache: compared apart).
  EXPECT_TRUE(sparse.compare(16, std::string::npos, dense, 16) == 0);
  EXPECT_FALSE(CacheValid(sparse));
}

TEST(HyperLogLogTest, SparseLimitDecidesWhenToPromote) {
  std::string small = NewSparse();
  std::string large = NewSparse();
  for (int i = 0; i < 300; ++i) {
    const std::string e = std::to_string(i);
    Add(small, e, 100);
    Add(large, e, 3000);
  }
  EXPECT_EQ(EncodingOf(small), kDense);
  EXPECT_EQ(EncodingOf(large), kSparse);
  EXPECT_LE(large.size(), 3000u);
  EXPECT_EQ(Count(small), Count(large));
}

TEST(HyperLogLogTest, MergeTakesTheMaximumOfEachRegister) {
  const std::string a = Added({"1", "2", "3"});
  std::string b = Added({"3", "4", "5", "6"});
  ASSERT_TRUE(SparseToDense(b));
  uint8_t max[kRegisters] = {};
  ASSERT_TRUE(MergeInto(max, a));
  ASSERT_TRUE(MergeInto(max, b));
  EXPECT_EQ(CountRaw(max), *Count(Added({"1", "2", "3", "4", "5", "6"})));
}

TEST(HyperLogLogTest, CorruptSparseFormsAreReportedNotTrusted) {
  // Registers that do not add up to 16384: too few, too many, a VAL run past the end.
  const std::string header = "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0"s;
  for (const std::string& body :
       {"\x7f\xfe"s, "\x7f\xff\x00"s, "\x7f\xfc\x83\x83"s, ""s, "\x7f"s, "\x40\x00"s}) {
    std::string h = header + body;
    SCOPED_TRACE(DecodeSparse(h));
    EXPECT_TRUE(IsHll(h));
    EXPECT_FALSE(Count(h).has_value());
    uint8_t max[kRegisters] = {};
    EXPECT_FALSE(MergeInto(max, h));
    std::string copy = h;
    EXPECT_FALSE(SparseToDense(copy));
    EXPECT_EQ(copy, h);
  }
  // Too few registers: the last one cannot be found, so it cannot be set.
  for (const std::string& body : {"\x7f\xfe"s, ""s, "\x7f"s, "\x40\x00"s}) {
    std::string h = header + body;
    EXPECT_EQ(SparseSet(h, kRegisters - 1, 5, kDefaultSparseMaxBytes), -1);
    EXPECT_EQ(SparseSet(h, kRegisters - 1, 40, kDefaultSparseMaxBytes), -1);  // via promotion
  }
  // An XZERO cut at the end reads its missing byte as zero (Redis reads the terminator).
  EXPECT_EQ(DecodeSparse(header + "\x7f"s), "Z:16129");
}

TEST(HyperLogLogTest, ValidityChecksFollowRedis) {
  EXPECT_FALSE(IsHll(""));
  EXPECT_FALSE(IsHll("HYLL"));
  EXPECT_FALSE(IsHll("HYLX\x01\0\0\0\0\0\0\0\0\0\0\0"s));
  EXPECT_FALSE(IsHll("HYLL\x02\0\0\0\0\0\0\0\0\0\0\0"s));
  EXPECT_FALSE(IsHll("HYLL\x00\0\0\0\0\0\0\0\0\0\0\0"s));  // dense of the wrong length
  std::string dense(kDenseSize, '\0');
  dense.replace(0, 4, "HYLL");
  EXPECT_TRUE(IsHll(dense));
  EXPECT_TRUE(IsHll("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0"s));  // sparse bodies are checked when read
}

TEST(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(SelfTest(kDefaultSparseMaxBytes), ""); }

}  // namespace
}  // namespace rill::ds::hll
