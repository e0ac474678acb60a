#include "server/observe/latency.h"

#include <algorithm>

namespace rill {

void LatencyMonitor::AddSample(std::string_view event, int64_t latency_ms, int64_t now_s) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), LatencySeries{}).first;
  LatencySeries& ts = it->second;
  ts.max_ms = std::max(ts.max_ms, latency_ms);
  // Several samples in the same second keep only the highest.
  int prev = (ts.idx + LatencySeries::kLen - 1) % LatencySeries::kLen;
  if (ts.samples[prev].time_s == now_s) {
    ts.samples[prev].latency_ms = std::max(ts.samples[prev].latency_ms, latency_ms);
    return;
  }
  ts.samples[ts.idx] = {now_s, latency_ms};
  ts.idx = (ts.idx + 1) % LatencySeries::kLen;
}

bool LatencyMonitor::Reset(std::string_view event) {
  auto it = events_.find(event);
  if (it == events_.end()) return false;
  events_.erase(it);
  return true;
}

size_t LatencyMonitor::ResetAll() {
  size_t n = events_.size();
  events_.clear();
  return n;
}

}  // namespace rill
