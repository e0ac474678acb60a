// Lazy and active expiry, and the volatile index kept consistent with a std::map model.
#include <map>
#include <random>
#include <string>
#include <vector>

#include "datastructs/keyspace.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

TEST(ExpiryTest, FindExpiresLazilyThroughTheHookAndPeekDoesNot) {
  Database db;
  std::vector<std::string> expired;
  db.set_expired_hook([&](std::string_view key) { expired.emplace_back(key); });
  db.SetString("k", "v", TtlMode::kSet, 1000);
  EXPECT_NE(db.Find("k", 999), nullptr);
  EXPECT_NE(db.Find("k", 1000), nullptr);  // expired only once now > expire, as in Redis
  EXPECT_TRUE(expired.empty());
  EXPECT_NE(db.Peek("k"), nullptr);
  EXPECT_EQ(db.Find("k", 1001), nullptr);
  EXPECT_EQ(expired, std::vector<std::string>{"k"});
  EXPECT_EQ(db.Peek("k"), nullptr);
  EXPECT_EQ(db.size(), 0u);
  EXPECT_EQ(db.volatile_size(), 0u);
  EXPECT_EQ(db.Find("k", 1001), nullptr);
  EXPECT_EQ(expired.size(), 1u);
}

TEST(ExpiryTest, ExpiredKeysAreStillVisibleToPeekDeleteAndSetExpire) {
  Database db;
  db.SetString("k", "v", TtlMode::kSet, 10);
  EXPECT_NE(db.Peek("k"), nullptr);
  EXPECT_TRUE(db.SetExpire("k", 5000));
  EXPECT_NE(db.Find("k", 100), nullptr);
  EXPECT_TRUE(db.Delete("k"));
}

TEST(ExpiryTest, ActiveExpireDeletesOnlyExpiredKeysAndReportsThem) {
  Database db;
  std::vector<std::string> expired;
  db.set_expired_hook([&](std::string_view key) { expired.emplace_back(key); });
  for (int i = 0; i < 100; ++i) {
    db.SetString("old" + std::to_string(i), "v", TtlMode::kSet, 100);
    db.SetString("new" + std::to_string(i), "v", TtlMode::kSet, 10000);
    db.SetString("none" + std::to_string(i), "v");
  }
  EXPECT_EQ(db.volatile_size(), 200u);
  size_t total = 0;
  // Sampling is random; keep going until every old key is gone (bounded number of rounds).
  for (int round = 0; round < 10000 && db.volatile_size() > 100; ++round) {
    total += db.ActiveExpire(500, 20);
  }
  EXPECT_EQ(total, 100u);
  EXPECT_EQ(expired.size(), 100u);
  for (const std::string& k : expired) EXPECT_EQ(k.rfind("old", 0), 0u) << k;
  EXPECT_EQ(db.volatile_size(), 100u);
  EXPECT_EQ(db.size(), 200u);
  EXPECT_EQ(db.ActiveExpire(500, 1000), 0u);
  EXPECT_EQ(db.ActiveExpire(20000, 0), 0u);
  EXPECT_EQ(db.ActiveExpire(20000, 100000), 100u);
  EXPECT_EQ(db.volatile_size(), 0u);
  EXPECT_EQ(db.size(), 100u);
}

// Random operations against a model; after each step the volatile count must match, and at the
// end every key's value and expiry must match too.
TEST(ExpiryTest, VolatileIndexMatchesModelOverRandomOperations) {
  struct ModelValue {
    std::string value;
    int64_t expire;
  };
  std::map<std::string, ModelValue> model;
  std::map<std::string, ModelValue> other_model;
  Database db, other;
  std::mt19937_64 rng(12345);
  auto key_of = [&](int i) { return "key" + std::to_string(i); };
  auto model_volatile = [](const std::map<std::string, ModelValue>& m) {
    size_t n = 0;
    for (const auto& [k, v] : m) n += v.expire != kNoExpire;
    return n;
  };
  int64_t now = 1000;
  db.set_expired_hook([&](std::string_view key) {
    auto it = model.find(std::string(key));
    ASSERT_NE(it, model.end());
    ASSERT_NE(it->second.expire, kNoExpire);
    ASSERT_LT(it->second.expire, now);
    model.erase(it);
  });
  for (int step = 0; step < 100000; ++step) {
    const std::string key = key_of(static_cast<int>(rng() % 2000));
    const std::string key2 = key_of(static_cast<int>(rng() % 2000));
    const int64_t when = now + static_cast<int64_t>(rng() % 2000);
    const std::string value =
        (rng() % 2) ? std::to_string(rng() % 1000) : std::string(rng() % 40, 'a' + rng() % 26);
    auto it = model.find(key);
    switch (rng() % 12) {
      case 0:
      case 1:
        db.SetString(key, value);
        model[key] = {value, kNoExpire};
        break;
      case 2:
        db.SetString(key, value, TtlMode::kSet, when);
        model[key] = {value, when};
        break;
      case 3: {
        db.SetString(key, value, TtlMode::kKeep);
        const int64_t keep = it == model.end() ? kNoExpire : it->second.expire;
        model[key] = {value, keep};
        break;
      }
      case 4:
        ASSERT_EQ(db.Delete(key), model.erase(key) == 1);
        break;
      case 5:
        ASSERT_EQ(db.SetExpire(key, when), it != model.end());
        if (it != model.end()) it->second.expire = when;
        break;
      case 6:
        ASSERT_EQ(db.Persist(key), it != model.end() && it->second.expire != kNoExpire);
        if (it != model.end()) it->second.expire = kNoExpire;
        break;
      case 7:
        ASSERT_EQ(db.Rename(key, key2), it != model.end());
        if (it != model.end() && key != key2) {
          model[key2] = it->second;
          model.erase(key);
        }
        break;
      case 8: {
        const bool can_move = it != model.end() && !other_model.count(key);
        ASSERT_EQ(db.MoveTo(key, other), can_move);
        if (can_move) {
          other_model[key] = it->second;
          model.erase(it);
        }
        break;
      }
      case 9:
        ASSERT_EQ(db.CopyTo(key, db, key2), it != model.end());
        if (it != model.end()) model[key2] = it->second;
        break;
      case 10: {
        Entry* e = db.Find(key, now);
        auto after = model.find(key);
        ASSERT_EQ(e != nullptr, after != model.end());
        if (e) {
          char scratch[24];
          ASSERT_EQ(e->StringView(scratch), after->second.value);
        }
        break;
      }
      case 11:
        db.ActiveExpire(now, 5);
        now += 7;
        break;
    }
    ASSERT_EQ(db.size(), model.size()) << step;
    ASSERT_EQ(db.volatile_size(), model_volatile(model)) << step;
    ASSERT_EQ(other.volatile_size(), model_volatile(other_model)) << step;
  }
  for (const auto& [k, v] : model) {
    const Entry* e = db.Peek(k);
    ASSERT_NE(e, nullptr) << k;
    char scratch[24];
    EXPECT_EQ(e->StringView(scratch), v.value);
    EXPECT_EQ(e->expire_ms(), v.expire);
  }
  for (const auto& [k, v] : other_model) {
    const Entry* e = other.Peek(k);
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(e->expire_ms(), v.expire);
  }
  // Draining through active expiry must visit exactly the model's volatile keys.
  const size_t expected = model_volatile(model);
  size_t drained = 0;
  now = INT64_MAX;
  for (int i = 0; i < 1000 && db.volatile_size() > 0; ++i) drained += db.ActiveExpire(now, 100);
  EXPECT_EQ(drained, expected);
}

}  // namespace
}  // namespace rill::ds
