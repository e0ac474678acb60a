// The arithmetic of client eviction: maxmemory-clients to bytes, and Redis's memory buckets.
#include "server/engine/client_eviction.h"

#include <gtest/gtest.h>

namespace rill {
namespace {

TEST(ClientEvictionLimitTest, BytesPercentagesAndOff) {
  EXPECT_EQ(ClientEvictionLimit(0, 0), 0u);
  EXPECT_EQ(ClientEvictionLimit(0, 1 << 30), 0u);
  EXPECT_EQ(ClientEvictionLimit(3 << 20, 0), 3u << 20);
  // "10%" is stored as -10: a share of maxmemory, nothing without maxmemory.
  EXPECT_EQ(ClientEvictionLimit(-10, 20 << 20), 2u << 20);
  EXPECT_EQ(ClientEvictionLimit(-10, 0), 0u);
  EXPECT_EQ(ClientEvictionLimit(-100, 1 << 30), 1u << 30);
  // Never below 128 KB.
  EXPECT_EQ(ClientEvictionLimit(1000, 0), 128u * 1024);
  EXPECT_EQ(ClientEvictionLimit(-1, 1 << 20), 128u * 1024);
}

TEST(ClientEvictionLimitTest, BucketsArePowersOfTwoFrom32K) {
  EXPECT_EQ(ClientMemoryBucket(0), 0);
  EXPECT_EQ(ClientMemoryBucket(20000), 0);
  EXPECT_EQ(ClientMemoryBucket(32 * 1024 - 1), 0);
  EXPECT_EQ(ClientMemoryBucket(32 * 1024), 1);
  EXPECT_EQ(ClientMemoryBucket(64 * 1024 - 1), 1);
  EXPECT_EQ(ClientMemoryBucket(64 * 1024), 2);
  EXPECT_EQ(ClientMemoryBucket(600000), 5);   // up to 1 MB
  EXPECT_EQ(ClientMemoryBucket(1500000), 6);  // up to 2 MB
  EXPECT_EQ(ClientMemoryBucket((size_t{4} << 30) - 1), 17);
  EXPECT_EQ(ClientMemoryBucket(size_t{4} << 30), 18);
  EXPECT_EQ(ClientMemoryBucket(size_t{1} << 40), 18);
}

}  // namespace
}  // namespace rill
