// A cheap clock for measuring how long a command ran.
//
// Every command's duration feeds INFO commandstats, the latency histograms and the slow log,
// so it is read twice per command. clock_gettime through the vDSO costs about 33 ns here
// (perf put 6.7% of the server's time at pipeline 16 in __vdso_clock_gettime, three reads per
// command); the CPU's time-stamp counter costs about 12 ns. Redis measures command durations
// from the TSC for the same reason (its monotonic.c). The counter is used only where the
// kernel itself trusts it as its clock source (constant rate, synchronized across CPUs);
// anywhere else Now() falls back to CLOCK_MONOTONIC in nanoseconds.
//
//   const uint64_t start = CycleClock::Now();
//   ...
//   const int64_t us = CycleClock::ToUs(CycleClock::Now() - start);
//
// Thread-safe to read; Calibrate() belongs to the event-loop thread.
#pragma once

#include <cstdint>

namespace rill {

class CycleClock {
 public:
  static uint64_t Now() {
#if defined(__x86_64__)
    if (state_.tsc) return __builtin_ia32_rdtsc();
#endif
    return MonotonicNs();
  }
  static int64_t ToNs(uint64_t ticks) {
    return static_cast<int64_t>(static_cast<double>(ticks) * state_.ns_per_tick);
  }
  static int64_t ToUs(uint64_t ticks) { return ToNs(ticks) / 1000; }
  // The ticks in `ns` nanoseconds (rounded down).
  static uint64_t TicksIn(int64_t ns) {
    return static_cast<uint64_t>(static_cast<double>(ns) / state_.ns_per_tick);
  }

  // Chooses the counter and measures its rate over a short spin (at start-up), then refines
  // the rate over the whole time since (from the cron, so it converges within seconds).
  static void Init();
  static void Calibrate();
  static bool uses_tsc() { return state_.tsc; }

 private:
  struct State {
    bool tsc = false;
    double ns_per_tick = 1.0;
    uint64_t origin_ticks = 0;
    int64_t origin_ns = 0;
  };
  static int64_t MonotonicNs();
  static State state_;
};

}  // namespace rill
