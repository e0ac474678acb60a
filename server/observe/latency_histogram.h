// Per-command latency distribution for INFO latencystats: the bucket layout of the HDR
// histogram Redis 7.0 uses (values 1 ns .. 1 s, 2 significant digits), so that percentiles
// come out as the same bucket bounds ("p50=4.015" for 4 us).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace rill {

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValue = 1;           // ns
  static constexpr int64_t kMaxValue = 1000000000;  // ns

  void Record(int64_t value_ns);
  // The value at `percentile` (0..100) as hdr_value_at_percentile: the highest value of the
  // bucket holding it.
  int64_t ValueAtPercentile(double percentile) const;
  int64_t total_count() const { return total_; }
  // LATENCY HISTOGRAM's cumulative distribution, as Redis 7.0 reads it with an HDR log iterator
  // (first bucket 1,024 ns, base 2): (microseconds, count of samples up to them) at each
  // power-of-two level whose count grew, the microseconds being the highest value of the
  // bucket the level fell in, divided by 1,000.
  std::vector<std::pair<int64_t, int64_t>> CumulativeUsec() const;

 private:
  // 256 sub-buckets (2 digits), the lower half shared with the previous bucket.
  static constexpr int kSubBucketHalfMagnitude = 7;
  static constexpr int64_t kSubBucketHalfCount = 1 << kSubBucketHalfMagnitude;
  static constexpr int64_t kSubBucketMask = 2 * kSubBucketHalfCount - 1;
  static constexpr int kBucketCount = 23;  // enough for kMaxValue
  static constexpr int kCountsLen = (kBucketCount + 1) * kSubBucketHalfCount;

  static int BucketIndex(int64_t v);
  static int CountsIndex(int64_t v);
  static int64_t ValueFromIndex(int index);
  static int64_t HighestEquivalent(int64_t v);

  std::vector<uint64_t> counts_;  // allocated on first record
  int64_t total_ = 0;
};

}  // namespace rill
