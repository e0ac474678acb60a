#include "server/observe/wall_clock.h"

#include <time.h>

#include <algorithm>

#include "server/observe/cycle_clock.h"

namespace rill {

namespace {

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr int64_t kBaseLifetimeNs = 1000000;
constexpr int64_t kMaxGapNs = 10000;

}  // namespace

int64_t WallClock::NowNs() {
  if (!CycleClock::uses_tsc()) return RealtimeNs();
  const uint64_t now = CycleClock::Now();
  const uint64_t elapsed = now - base_ticks_;
  // (A counter behind the base, now < base_ticks_, wraps `elapsed` past the lifetime too.)
  if (elapsed >= base_lifetime_ticks_) {
    // The base's ticks are the midpoint of two counter reads around the clock's. A thread
    // preempted between them would put that midpoint long before the clock's read, and every
    // answer from the base that far in the future: a gap past kMaxGapNs is read again, and
    // after the last try the second counter read is the base (the time then lags by at most
    // the gap, as a clock read just before the command would).
    const uint64_t max_gap = CycleClock::TicksIn(kMaxGapNs);
    uint64_t first = now;
    uint64_t second = 0;
    for (int attempt = 0;; ++attempt) {
      base_ns_ = RealtimeNs();
      second = CycleClock::Now();
      if (second - first <= max_gap || attempt == 2) break;
      first = CycleClock::Now();
    }
    base_ticks_ = second - first <= max_gap ? first + (second - first) / 2 : second;
    base_lifetime_ticks_ = std::max<uint64_t>(1, CycleClock::TicksIn(kBaseLifetimeNs));
    return base_ns_;
  }
  return base_ns_ + CycleClock::ToNs(elapsed);
}

}  // namespace rill
