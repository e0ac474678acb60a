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

}  // namespace

int64_t WallClock::NowNs() {
  if (!CycleClock::uses_tsc()) return RealtimeNs();
  const uint64_t now = CycleClock::Now();
  const uint64_t elapsed = now - base_ticks_;
  // (A counter behind the base, now < base_ticks_, wraps `elapsed` past the lifetime too.)
  if (elapsed >= base_lifetime_ticks_) {
    // The base's ticks are the midpoint of two counter reads around the clock's.
    base_ns_ = RealtimeNs();
    base_ticks_ = now + (CycleClock::Now() - now) / 2;
    base_lifetime_ticks_ = std::max<uint64_t>(1, CycleClock::TicksIn(kBaseLifetimeNs));
    return base_ns_;
  }
  return base_ns_ + CycleClock::ToNs(elapsed);
}

}  // namespace rill
