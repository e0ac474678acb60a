// Wall-clock milliseconds for one thread, derived from the cycle counter (cycle_clock.h).
//
// Every command reads the wall time once (its `now`: expiry, the access clock), and a replica
// applying its master's stream reads it once more per command (the link's last I/O). Through
// the vDSO, CLOCK_REALTIME costs about 25 ns a read on this machine against 10 ns for the
// time-stamp counter: perf put 12% of a replica's CPU at pipeline 16 in __vdso_clock_gettime.
// With CycleClock on the TSC, the time is a CLOCK_REALTIME base plus the counter's ticks
// since, and the base is read again once a millisecond's worth of ticks has passed: a step of
// the system clock shows within a millisecond, and the counter's rate error (a few parts in
// 10^5 until CycleClock::Calibrate refines it) adds at most tens of nanoseconds. Without the
// TSC every call is clock_gettime.
//
//   WallClock clock;            // one per thread: the Engine's belongs to the event loop
//   int64_t now_ms = clock.NowMs();
//
// Within a base the time may run ahead of CLOCK_REALTIME by the error of the counter's rate
// (nanoseconds over a millisecond): a millisecond boundary may show that much early.
//
// Not thread-safe.
#pragma once

#include <cstdint>

namespace rill {

class WallClock {
 public:
  int64_t NowMs() { return NowNs() / 1000000; }
  int64_t NowNs();

 private:
  uint64_t base_ticks_ = 0;
  int64_t base_ns_ = 0;
  uint64_t base_lifetime_ticks_ = 0;  // 0: no base yet
};

}  // namespace rill
