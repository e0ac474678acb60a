#include "server/observe/heap_trim.h"

#include <gtest/gtest.h>

namespace rill {
namespace {

constexpr size_t kMB = 1024 * 1024;

TEST(HeapTrimmerTest, TrimsOnlyWhenTheSlackGrew) {
  HeapTrimmer trimmer;
  // The first call only learns the slack (RSS that is not allocated: binary, stacks ...).
  EXPECT_FALSE(trimmer.MaybeTrim(100 * kMB, 90 * kMB));
  // Allocations that are resident move both: no slack grows.
  EXPECT_FALSE(trimmer.MaybeTrim(150 * kMB, 140 * kMB));
  // Freed memory kept by the allocator: below the threshold, nothing.
  EXPECT_FALSE(trimmer.MaybeTrim(150 * kMB, 140 * kMB - HeapTrimmer::kSlackGrowth + 1));
  // At the threshold, a trim.
  EXPECT_TRUE(trimmer.MaybeTrim(150 * kMB, 140 * kMB - HeapTrimmer::kSlackGrowth));
}

TEST(HeapTrimmerTest, ShrinkingSlackLowersTheBaseline) {
  HeapTrimmer trimmer;
  EXPECT_FALSE(trimmer.MaybeTrim(100 * kMB, 80 * kMB));  // slack 20 MB
  EXPECT_FALSE(trimmer.MaybeTrim(100 * kMB, 95 * kMB));  // slack 5 MB: the new baseline
  EXPECT_TRUE(trimmer.MaybeTrim(100 * kMB, 95 * kMB - HeapTrimmer::kSlackGrowth));
}

// Allocated bytes that are not all resident yet (a big buffer's untouched pages) make the
// slack negative; once they are freed, the pages that were touched are trimmed.
TEST(HeapTrimmerTest, NegativeSlackIsABaselineToo) {
  HeapTrimmer trimmer;
  EXPECT_FALSE(trimmer.MaybeTrim(60 * kMB, 180 * kMB));
  EXPECT_TRUE(trimmer.MaybeTrim(60 * kMB, 1 * kMB));
}

}  // namespace
}  // namespace rill
