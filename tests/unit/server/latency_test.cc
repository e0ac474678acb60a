// Latency histogram: percentiles come out as the bucket bounds Redis's HDR histogram reports.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "server/observe/latency_histogram.h"

namespace rill {
namespace {

TEST(LatencyHistogramTest, BucketBoundsAsHdr) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  h.Record(4000);  // 4 us
  EXPECT_EQ(h.ValueAtPercentile(50), 4015);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 4015);
  LatencyHistogram zero;
  zero.Record(0);  // clamped to 1 ns
  EXPECT_EQ(zero.ValueAtPercentile(50), 1);
  LatencyHistogram small;
  small.Record(200);  // below 256: exact
  EXPECT_EQ(small.ValueAtPercentile(50), 200);
  LatencyHistogram big;
  big.Record(10223000);  // Redis prints 10223.615 us for a 10.223 ms DEBUG SLEEP
  EXPECT_EQ(big.ValueAtPercentile(99), 10223615);
  big.Record(int64_t{5} * 1000000000);  // clamped to 1 s
  EXPECT_GE(big.ValueAtPercentile(100), 1000000000);
}

TEST(LatencyHistogramTest, PercentilesSplitCounts) {
  LatencyHistogram h;
  for (int i = 0; i < 98; ++i) h.Record(3000);
  h.Record(8000);
  h.Record(12000);
  EXPECT_EQ(h.ValueAtPercentile(50), 3007);
  EXPECT_EQ(h.ValueAtPercentile(99), 8031);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 12031);
  EXPECT_EQ(h.total_count(), 100);
}

// LATENCY HISTOGRAM's levels as Redis 7.0 prints them (1, 2, 4, 8, 16, 33, 66 ... usec: the
// highest value of the HDR bucket each power-of-two level from 1,024 ns falls in), a level
// reported only when its cumulative count grew.
TEST(LatencyHistogramTest, CumulativeUsecAsRedisLogIterator) {
  using Cdf = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(LatencyHistogram().CumulativeUsec(), Cdf{});
  LatencyHistogram one;
  one.Record(10000);
  EXPECT_EQ(one.CumulativeUsec(), (Cdf{{16, 1}}));
  LatencyHistogram tiny;
  tiny.Record(500);
  EXPECT_EQ(tiny.CumulativeUsec(), (Cdf{{1, 1}}));
  LatencyHistogram split;
  for (int i = 0; i < 98; ++i) split.Record(3000);
  split.Record(50000);
  split.Record(50000);
  EXPECT_EQ(split.CumulativeUsec(), (Cdf{{4, 98}, {66, 100}}));
  LatencyHistogram spread;
  for (int64_t ns : {1000, 1500, 3000, 7000, 12000, 30000}) spread.Record(ns);
  EXPECT_EQ(spread.CumulativeUsec(), (Cdf{{1, 1}, {2, 2}, {4, 3}, {8, 4}, {16, 5}, {33, 6}}));
}

}  // namespace
}  // namespace rill
