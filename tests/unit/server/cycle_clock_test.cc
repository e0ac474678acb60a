#include "server/observe/cycle_clock.h"

#include <time.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace rill {
namespace {

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

TEST(CycleClockTest, UsesTheCounterExactlyWhenTheKernelDoes) {
  CycleClock::Init();
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  in >> source;
#if defined(__x86_64__)
  EXPECT_EQ(CycleClock::uses_tsc(), source == "tsc") << source;
#else
  EXPECT_FALSE(CycleClock::uses_tsc());
#endif
}

// The measured interval sits inside a CLOCK_MONOTONIC bracket around it: a wrong rate (or a
// unit mix-up) shows as a duration outside the bracket by far more than the tolerance.
TEST(CycleClockTest, DurationsAgreeWithTheMonotonicClock) {
  CycleClock::Init();
  for (int round = 0; round < 2; ++round) {
    const int64_t outer_start = MonotonicNs();
    const uint64_t start = CycleClock::Now();
    const int64_t inner_start = MonotonicNs();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const int64_t inner_end = MonotonicNs();
    const uint64_t end = CycleClock::Now();
    const int64_t outer_end = MonotonicNs();
    const int64_t measured = CycleClock::ToNs(end - start);
    // 0.5% for the rate measured over a 500 us spin, and 50 us for the reads themselves.
    EXPECT_GE(measured, (inner_end - inner_start) * 995 / 1000 - 50000);
    EXPECT_LE(measured, (outer_end - outer_start) * 1005 / 1000 + 50000);
    EXPECT_EQ(CycleClock::ToUs(end - start), measured / 1000);
    CycleClock::Calibrate();  // the second round runs on the refined rate
  }
}

TEST(CycleClockTest, NeverGoesBackwards) {
  CycleClock::Init();
  uint64_t last = CycleClock::Now();
  for (int i = 0; i < 100000; ++i) {
    const uint64_t now = CycleClock::Now();
    ASSERT_GE(now, last);
    last = now;
  }
}

}  // namespace
}  // namespace rill
