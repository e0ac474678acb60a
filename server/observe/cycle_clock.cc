#include "server/observe/cycle_clock.h"

#include <time.h>

#include <fstream>
#include <string>

namespace rill {

CycleClock::State CycleClock::state_;

int64_t CycleClock::MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {

// The kernel picks "tsc" only for a counter that runs at a constant rate through sleep states
// and agrees across CPUs; it falls back to another source (kvm-clock, hpet) otherwise.
bool KernelTrustsTsc() {
#if defined(__x86_64__)
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return static_cast<bool>(in >> source) && source == "tsc";
#else
  return false;
#endif
}

}  // namespace

void CycleClock::Init() {
  State s;
  s.tsc = KernelTrustsTsc();
  if (!s.tsc) {
    state_ = s;
    return;
  }
#if defined(__x86_64__)
  // 500 us of spinning: the rate within a few parts in 10^5, refined later by Calibrate().
  s.origin_ns = MonotonicNs();
  s.origin_ticks = __builtin_ia32_rdtsc();
  int64_t now_ns;
  uint64_t now_ticks;
  do {
    now_ns = MonotonicNs();
    now_ticks = __builtin_ia32_rdtsc();
  } while (now_ns - s.origin_ns < 500000);
  if (now_ticks <= s.origin_ticks) {  // a counter that does not move: not one to use
    state_ = State{};
    return;
  }
  s.ns_per_tick =
      static_cast<double>(now_ns - s.origin_ns) / static_cast<double>(now_ticks - s.origin_ticks);
#endif
  state_ = s;
}

void CycleClock::Calibrate() {
  if (!state_.tsc) return;
#if defined(__x86_64__)
  const int64_t elapsed_ns = MonotonicNs() - state_.origin_ns;
  const uint64_t ticks = __builtin_ia32_rdtsc();
  if (elapsed_ns > 100000000 && ticks > state_.origin_ticks) {
    state_.ns_per_tick =
        static_cast<double>(elapsed_ns) / static_cast<double>(ticks - state_.origin_ticks);
  }
#endif
}

}  // namespace rill
