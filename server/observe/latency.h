// LATENCY monitor: per event class ("command", "fast-command", "expire-cycle"), the last 160
// per-second maxima of latencies at or above latency-monitor-threshold (milliseconds), and the
// all-time maximum, as Redis's latency.c keeps them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace rill {

struct LatencySample {
  int64_t time_s = 0;  // 0 = unused slot
  int64_t latency_ms = 0;
};

struct LatencySeries {
  static constexpr int kLen = 160;
  LatencySample samples[kLen];
  int idx = 0;  // next slot to write
  int64_t max_ms = 0;
  const LatencySample& latest() const { return samples[(idx + kLen - 1) % kLen]; }
};

class LatencyMonitor {
 public:
  // Records `latency_ms` when the monitor is on (threshold > 0) and it reaches the threshold.
  void AddSampleIfNeeded(std::string_view event, int64_t latency_ms, int64_t threshold_ms,
                         int64_t now_s) {
    if (threshold_ms > 0 && latency_ms >= threshold_ms) AddSample(event, latency_ms, now_s);
  }
  void AddSample(std::string_view event, int64_t latency_ms, int64_t now_s);

  const std::map<std::string, LatencySeries, std::less<>>& events() const { return events_; }
  // Drops one event's data; true when it existed.
  bool Reset(std::string_view event);
  size_t ResetAll();

 private:
  std::map<std::string, LatencySeries, std::less<>> events_;
};

}  // namespace rill
