#include "datastructs/access_clock.h"

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;

TEST(AccessClockTest, LruIdleTimeCountsWholeSecondsSinceTheAccess) {
  AccessClock clock;
  clock.Update(1'000'000 * kSecond + 999);
  const uint32_t bits = clock.NewKeyBits();
  EXPECT_EQ(bits, 1'000'000u & kAccessBitsMask);
  EXPECT_EQ(clock.IdleMs(bits), 0u);
  clock.Update(1'000'007 * kSecond);
  EXPECT_EQ(clock.IdleMs(bits), 7000u);
  // An access takes the current clock.
  EXPECT_EQ(clock.IdleMs(clock.Touched(bits)), 0u);
}

TEST(AccessClockTest, LruClockWrapsAround24Bits) {
  AccessClock clock;
  clock.Update(int64_t{kAccessBitsMask - 2} * kSecond);
  const uint32_t bits = clock.NewKeyBits();
  clock.Update(int64_t{kAccessBitsMask + 3} * kSecond);  // the clock restarted from 0
  EXPECT_EQ(clock.lru_seconds(), 2u);
  EXPECT_EQ(clock.IdleMs(bits), 4000u);  // as Redis's estimateObjectIdleTime counts a wrap
}

TEST(AccessClockTest, LfuStartsAtFiveAndTheFirstAccessAlwaysCounts) {
  AccessClock clock;
  clock.set_lfu(true);
  clock.Update(100 * kMinute);
  const uint32_t bits = clock.NewKeyBits();
  EXPECT_EQ(clock.DecayedCounter(bits), kLfuInitialCounter);
  EXPECT_EQ(bits >> 8, 100u);  // last decrement time in minutes
  // At the initial value the increment probability is 1 / (0 * factor + 1).
  EXPECT_EQ(clock.DecayedCounter(clock.Touched(bits)), kLfuInitialCounter + 1);
}

TEST(AccessClockTest, LfuCounterGrowsLogarithmically) {
  AccessClock clock;
  clock.set_lfu(true);
  clock.Update(0);
  uint32_t bits = clock.NewKeyBits();
  for (int i = 0; i < 1000; ++i) bits = clock.Touched(bits);
  const uint32_t after_1k = clock.DecayedCounter(bits);
  for (int i = 0; i < 99000; ++i) bits = clock.Touched(bits);
  const uint32_t after_100k = clock.DecayedCounter(bits);
  // With lfu-log-factor 10, Redis's table: about 18 after 1K hits, about 142 after 100K (the
  // counter is random, so the bounds are loose).
  EXPECT_GT(after_1k, 10u);
  EXPECT_LT(after_1k, 30u);
  EXPECT_GT(after_100k, 100u);
  EXPECT_LT(after_100k, 200u);
  // A higher factor slows the growth.
  clock.set_lfu_log_factor(100);
  uint32_t slow = clock.NewKeyBits();
  for (int i = 0; i < 1000; ++i) slow = clock.Touched(slow);
  EXPECT_LT(clock.DecayedCounter(slow), after_1k);
  // The counter saturates at 255.
  clock.set_lfu_log_factor(0);
  for (int i = 0; i < 1000; ++i) slow = clock.Touched(slow);
  EXPECT_EQ(clock.DecayedCounter(slow), 255u);
}

TEST(AccessClockTest, LfuCounterDecaysOnePerDecayPeriod) {
  AccessClock clock;
  clock.set_lfu(true);
  clock.Update(10 * kMinute);
  const uint32_t bits = (10u << 8) | 20;  // counter 20, last decrement at minute 10
  clock.Update(13 * kMinute);
  EXPECT_EQ(clock.DecayedCounter(bits), 17u);
  clock.set_lfu_decay_time(2);
  EXPECT_EQ(clock.DecayedCounter(bits), 19u);  // one full 2-minute period
  clock.set_lfu_decay_time(0);
  EXPECT_EQ(clock.DecayedCounter(bits), 20u);  // 0 disables decay
  clock.set_lfu_decay_time(1);
  clock.Update(100 * kMinute);
  EXPECT_EQ(clock.DecayedCounter(bits), 0u);  // never below zero
  // An access applies the decay before counting and restarts the decay time.
  const uint32_t touched = clock.Touched((99u << 8) | 20);
  EXPECT_EQ(touched >> 8, 100u);
  EXPECT_GE(touched & 0xFF, 19u);
  EXPECT_LE(touched & 0xFF, 20u);
}

TEST(AccessClockTest, LfuMinutesWrapAround16Bits) {
  AccessClock clock;
  clock.set_lfu(true);
  clock.Update(65536 * kMinute + 2 * kMinute);  // minute 2 after a wrap
  const uint32_t bits = (65534u << 8) | 10;     // decremented at minute 65534, before the wrap
  // Redis counts 65535 - 65534 + 2 = 3 minutes.
  EXPECT_EQ(clock.DecayedCounter(bits), 7u);
}

}  // namespace
}  // namespace rill::ds
