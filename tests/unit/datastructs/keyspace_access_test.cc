// The keyspace's LRU/LFU bits: which operations count as an access, which keep or reset the
// bits, and the sampling the eviction pool draws from.
#include <memory>
#include <set>
#include <string>

#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

constexpr int64_t kSecond = 1000;

class KeyspaceAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Update(1000 * kSecond);
    db_.set_access_clock(&clock_);
  }
  uint64_t IdleSeconds(std::string_view key) {
    return clock_.IdleMs(db_.Peek(key)->access_bits()) / 1000;
  }
  AccessClock clock_;
  Database db_;
};

TEST_F(KeyspaceAccessTest, FindTouchesUnlessAskedNotTo) {
  db_.SetString("k", "v");
  clock_.Update(1010 * kSecond);
  EXPECT_EQ(IdleSeconds("k"), 10u);
  ASSERT_NE(db_.Find("k", 1010 * kSecond, /*touch=*/false), nullptr);
  EXPECT_EQ(IdleSeconds("k"), 10u);
  ASSERT_NE(db_.Find("k", 1010 * kSecond), nullptr);
  EXPECT_EQ(IdleSeconds("k"), 0u);
  // Touching can be switched off (while a forked child shares the pages).
  clock_.Update(1020 * kSecond);
  clock_.set_touch_enabled(false);
  db_.Find("k", 1020 * kSecond);
  EXPECT_EQ(IdleSeconds("k"), 10u);
}

TEST_F(KeyspaceAccessTest, OverwriteRestartsLruButKeepsLfuCounter) {
  db_.SetString("k", "v");
  clock_.Update(1005 * kSecond);
  db_.SetString("k", "a longer value that needs a new block");
  EXPECT_EQ(IdleSeconds("k"), 0u);
  clock_.set_lfu(true);
  db_.SetString("f", "v");
  // Bump the counter through accesses until it is distinct from the initial value.
  for (int i = 0; i < 200; ++i) db_.Find("f", 1005 * kSecond);
  const uint32_t counted = db_.Peek("f")->access_bits();
  EXPECT_GT(counted & 0xFF, kLfuInitialCounter);
  db_.SetString("f", "replaced by a value of another size entirely");
  EXPECT_EQ(db_.Peek("f")->access_bits(), counted);
  db_.SetInt("f", 7);
  EXPECT_EQ(db_.Peek("f")->access_bits(), counted);
}

TEST_F(KeyspaceAccessTest, ExpiryChangesAndRenameKeepTheBits) {
  db_.SetString("k", "v");
  clock_.Update(1030 * kSecond);
  ASSERT_TRUE(db_.SetExpire("k", 5000 * kSecond));  // the block grows expiry fields
  EXPECT_EQ(IdleSeconds("k"), 30u);
  ASSERT_TRUE(db_.Persist("k"));
  EXPECT_EQ(IdleSeconds("k"), 30u);
  ASSERT_TRUE(db_.Rename("k", "renamed"));
  EXPECT_EQ(IdleSeconds("renamed"), 30u);
  Database other;
  other.set_access_clock(&clock_);
  ASSERT_TRUE(db_.MoveTo("renamed", other));
  EXPECT_EQ(clock_.IdleMs(other.Peek("renamed")->access_bits()), 30000u);
}

TEST_F(KeyspaceAccessTest, CopyIsANewKey) {
  db_.SetObject("list", std::make_unique<List>());
  clock_.Update(1040 * kSecond);
  ASSERT_TRUE(db_.CopyTo("list", db_, "copy"));
  EXPECT_EQ(IdleSeconds("list"), 40u);
  EXPECT_EQ(IdleSeconds("copy"), 0u);
  clock_.Update(1050 * kSecond);
  ASSERT_TRUE(db_.CopyTo("list", db_, "copy"));  // replacing: fresh again
  EXPECT_EQ(IdleSeconds("copy"), 0u);
}

TEST_F(KeyspaceAccessTest, ExpiredKeysStayWhileDeletesArePaused) {
  int expired = 0;
  db_.set_expired_hook([&expired](std::string_view) { ++expired; });
  db_.SetString("k", "v", TtlMode::kSet, 1000 * kSecond + 1);
  db_.set_expire_deletes(false);
  EXPECT_EQ(db_.Find("k", 2000 * kSecond), nullptr);  // absent to the reader ...
  EXPECT_NE(db_.Peek("k"), nullptr);                  // ... but still there
  EXPECT_EQ(db_.ActiveExpire(2000 * kSecond, 100), 0u);
  EXPECT_EQ(expired, 0);
  db_.set_expire_deletes(true);
  EXPECT_EQ(db_.Find("k", 2000 * kSecond), nullptr);
  EXPECT_EQ(db_.Peek("k"), nullptr);
  EXPECT_EQ(expired, 1);
}

TEST_F(KeyspaceAccessTest, ActiveExpireReportsRemainingTtlOfSurvivors) {
  for (int i = 0; i < 10; ++i) {
    db_.SetString("k" + std::to_string(i), "v", TtlMode::kSet, 1000 * kSecond + 60 * kSecond);
  }
  int64_t sum = 0, samples = 0;
  db_.ActiveExpire(1000 * kSecond, 20, &sum, &samples);
  EXPECT_EQ(samples, 20);
  EXPECT_EQ(sum, 20 * 60 * kSecond);
}

TEST_F(KeyspaceAccessTest, SampleDrawsFromTheWholeKeyspace) {
  constexpr int kKeys = 20000;  // several index segments
  for (int i = 0; i < kKeys; ++i) {
    db_.SetString("key:" + std::to_string(i), "v",
                  i % 10 == 0 ? TtlMode::kSet : TtlMode::kClear, 5000 * kSecond);
  }
  std::set<std::string> seen;
  for (int round = 0; round < 20000; ++round) {
    size_t n = 0;
    db_.Sample(false, 5, [&](const Entry& e) {
      seen.insert(std::string(e.key()));
      ++n;
    });
    ASSERT_EQ(n, 5u);
  }
  // 100000 draws over 20000 keys: a uniform sampler misses about e^-5 of them (0.7%).
  EXPECT_GT(seen.size(), static_cast<size_t>(kKeys * 0.95));
  std::set<std::string> volatile_seen;
  for (int round = 0; round < 2000; ++round) {
    db_.Sample(true, 5, [&](const Entry& e) {
      EXPECT_TRUE(e.has_expire());
      volatile_seen.insert(std::string(e.key()));
    });
  }
  EXPECT_GT(volatile_seen.size(), static_cast<size_t>(kKeys / 10 * 0.95));
  EXPECT_NE(db_.RandomVolatileEntry(), nullptr);
  EXPECT_TRUE(db_.RandomVolatileEntry()->has_expire());
  EXPECT_TRUE(db_.HasVolatile("key:0"));
  EXPECT_FALSE(db_.HasVolatile("key:1"));
  EXPECT_FALSE(db_.HasVolatile("nope"));
}

TEST_F(KeyspaceAccessTest, SampleOfASmallKeyspaceCoversIt) {
  db_.SetString("a", "1");
  db_.SetString("b", "2");
  std::multiset<std::string> seen;
  db_.Sample(false, 5, [&](const Entry& e) { seen.insert(std::string(e.key())); });
  EXPECT_EQ(seen.count("a"), 1u);
  EXPECT_EQ(seen.count("b"), 1u);
  Database empty;
  int visits = 0;
  empty.Sample(false, 5, [&](const Entry&) { ++visits; });
  empty.Sample(true, 5, [&](const Entry&) { ++visits; });
  EXPECT_EQ(visits, 0);
  EXPECT_EQ(empty.RandomVolatileEntry(), nullptr);
}

}  // namespace
}  // namespace rill::ds
