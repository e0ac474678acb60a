// WallClock: its time stays within a bracket of CLOCK_REALTIME reads around each call (with
// a tolerance far below a millisecond), across bases (sleeps longer than a base lasts) and
// within one base (calls in a tight loop), and does not run backwards.
#include "server/observe/wall_clock.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "server/observe/cycle_clock.h"

namespace rill {
namespace {

// What the derived time may run ahead of (or lag) the clock's reads around it: the counter's
// rate error over a base's millisecond, and a read's own jitter.
constexpr int64_t kToleranceNs = 20000;

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Returns the largest distance seen outside the bracket (0 when always inside).
int64_t WorstOutside(WallClock& clock, int calls, std::chrono::microseconds pause) {
  int64_t worst = 0;
  int64_t previous = 0;
  for (int i = 0; i < calls; ++i) {
    const int64_t before = RealtimeNs();
    const int64_t now = clock.NowNs();
    const int64_t after = RealtimeNs();
    worst = std::max({worst, before - now, now - after, previous - now});
    previous = now;
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  return worst;
}

void CalibrateAsTheServerDoes() {
  CycleClock::Init();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CycleClock::Calibrate();  // the cron's refinement of the counter's rate
}

TEST(WallClockTest, AgreesWithTheRealtimeClockAcrossBases) {
  CalibrateAsTheServerDoes();
  WallClock clock;
  EXPECT_LT(WorstOutside(clock, 200, std::chrono::microseconds(1500)), kToleranceNs);
}

TEST(WallClockTest, AgreesWithTheRealtimeClockWithinABase) {
  CalibrateAsTheServerDoes();
  WallClock clock;
  // A second of back-to-back calls: most answers come from a base's counter.
  const int64_t end = RealtimeNs() + 1000000000;
  int64_t worst = 0;
  while (RealtimeNs() < end) {
    worst = std::max(worst, WorstOutside(clock, 1000, std::chrono::microseconds(0)));
  }
  EXPECT_LT(worst, kToleranceNs);
}

}  // namespace
}  // namespace rill
