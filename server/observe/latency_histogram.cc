#include "server/observe/latency_histogram.h"

#include <algorithm>

namespace rill {

int LatencyHistogram::BucketIndex(int64_t v) {
  int pow2ceiling = 64 - __builtin_clzll(static_cast<uint64_t>(v | kSubBucketMask));
  return pow2ceiling - (kSubBucketHalfMagnitude + 1);
}

int LatencyHistogram::CountsIndex(int64_t v) {
  int bucket = BucketIndex(v);
  int64_t sub = v >> bucket;
  return static_cast<int>(((bucket + 1) << kSubBucketHalfMagnitude) + (sub - kSubBucketHalfCount));
}

int64_t LatencyHistogram::ValueFromIndex(int index) {
  int bucket = (index >> kSubBucketHalfMagnitude) - 1;
  int64_t sub = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return sub << bucket;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t v) {
  int bucket = BucketIndex(v);
  int64_t sub = v >> bucket;
  int adjusted = sub >= 2 * kSubBucketHalfCount ? bucket + 1 : bucket;
  return (sub << bucket) + (int64_t{1} << adjusted) - 1;
}

void LatencyHistogram::Record(int64_t value_ns) {
  if (counts_.empty()) counts_.assign(kCountsLen, 0);
  value_ns = std::clamp(value_ns, kMinValue, kMaxValue);
  ++counts_[CountsIndex(value_ns)];
  ++total_;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (total_ == 0) return 0;
  double p = std::min(percentile, 100.0);
  int64_t wanted = std::max<int64_t>(static_cast<int64_t>(p / 100 * total_ + 0.5), 1);
  int64_t seen = 0;
  for (int i = 0; i < kCountsLen; ++i) {
    seen += static_cast<int64_t>(counts_[i]);
    if (seen >= wanted) {
      int64_t v = ValueFromIndex(i);
      return percentile == 0.0 ? v : HighestEquivalent(v);
    }
  }
  return 0;
}

}  // namespace rill
