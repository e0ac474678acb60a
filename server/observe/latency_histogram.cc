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

std::vector<std::pair<int64_t, int64_t>> LatencyHistogram::CumulativeUsec() const {
  // hdr_iter_log_init(&iter, h, 1024, 2) and hdr_iter_next, step by step: a level is reported
  // once the iterator stands on an index whose value reaches the level's lowest equivalent.
  std::vector<std::pair<int64_t, int64_t>> out;
  if (total_ == 0) return out;
  int64_t level = 1024;
  int index = -1;
  int64_t value = 0;
  int64_t cumulative = 0;
  int64_t previous = 0;
  auto lowest_equivalent = [](int64_t v) { return ValueFromIndex(CountsIndex(v)); };
  while (cumulative < total_ ||
         (index + 1 < kCountsLen && ValueFromIndex(index + 1) > lowest_equivalent(level))) {
    while (value < lowest_equivalent(level) && index + 1 < kCountsLen) {
      ++index;
      value = ValueFromIndex(index);
      cumulative += static_cast<int64_t>(counts_[index]);
    }
    if (cumulative > previous) out.emplace_back(HighestEquivalent(value) / 1000, cumulative);
    previous = cumulative;
    if (index + 1 >= kCountsLen) break;
    level *= 2;
  }
  return out;
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
