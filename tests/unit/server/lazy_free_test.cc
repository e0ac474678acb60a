// LazyFree: small values freed at once, big ones on the thread, counters, and nothing lost at
// shutdown.
#include "server/engine/lazy_free.h"

#include <atomic>
#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace rill {
namespace {

std::atomic<int> destroyed{0};
std::atomic<bool> freed_on_loop_thread{false};
std::thread::id loop_thread;

// A value of chosen effort that records where it was destroyed.
class Probe final : public ds::ObjectValue {
 public:
  explicit Probe(size_t effort) : effort_(effort) {}
  ~Probe() override {
    if (std::this_thread::get_id() == loop_thread) freed_on_loop_thread = true;
    ++destroyed;
  }
  ds::ValueType type() const override { return ds::ValueType::kHash; }
  std::unique_ptr<ObjectValue> Clone() const override { return std::make_unique<Probe>(effort_); }
  size_t MemoryUsage() const override { return 0; }
  std::string_view EncodingName() const override { return "probe"; }
  size_t FreeEffort() const override { return effort_; }

 private:
  size_t effort_;
};

TEST(LazyFreeTest, SmallValuesAreFreedAtOnceBigOnesOnTheThread) {
  loop_thread = std::this_thread::get_id();
  destroyed = 0;
  freed_on_loop_thread = false;
  LazyFree lazy;
  EXPECT_FALSE(lazy.Free(std::make_unique<Probe>(LazyFree::kEffortThreshold)));
  EXPECT_EQ(destroyed.load(), 1);
  EXPECT_TRUE(freed_on_loop_thread.load());
  freed_on_loop_thread = false;
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(lazy.Free(std::make_unique<Probe>(LazyFree::kEffortThreshold + 1)));
  }
  lazy.Drain();
  EXPECT_EQ(destroyed.load(), 11);
  EXPECT_FALSE(freed_on_loop_thread.load());
  EXPECT_EQ(lazy.freed(), 10u);
  EXPECT_EQ(lazy.pending(), 0u);
  lazy.ResetStats();
  EXPECT_EQ(lazy.freed(), 0u);
  EXPECT_FALSE(lazy.Free(nullptr));
}

TEST(LazyFreeTest, ShutdownFreesWhatIsQueued) {
  destroyed = 0;
  {
    LazyFree lazy;
    for (int i = 0; i < 1000; ++i) lazy.Free(std::make_unique<Probe>(1000));
  }
  EXPECT_EQ(destroyed.load(), 1000);
}

}  // namespace
}  // namespace rill
