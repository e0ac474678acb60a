// PackedTable against a std::unordered_map model (inline and big entries, overwrites that
// change size, erases that compact and merge segments), plus SCAN's guarantee across growth and
// shrink between calls.
#include "datastructs/packed_table.h"

#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::map<std::string, std::string> Contents(const PackedTable& t) {
  std::map<std::string, std::string> out;
  t.ForEach([&](const PackedTable::Entry& e) {
    EXPECT_TRUE(out.emplace(std::string(e.key), std::string(e.value)).second) << e.key;
  });
  return out;
}

void ExpectSame(const PackedTable& t, const std::unordered_map<std::string, std::string>& model) {
  ASSERT_EQ(t.size(), model.size());
  const auto contents = Contents(t);
  ASSERT_EQ(contents.size(), model.size());
  for (const auto& [k, v] : model) {
    std::string_view got;
    ASSERT_TRUE(t.Find(k, &got)) << k;
    ASSERT_EQ(got, v) << k;
  }
}

TEST(PackedTableTest, SetFindEraseSmall) {
  PackedTable t;
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.Set("a", "1"));
  EXPECT_TRUE(t.Set("b", ""));
  EXPECT_FALSE(t.Set("a", "22"));  // overwrite with a longer value
  std::string_view v;
  ASSERT_TRUE(t.Find("a", &v));
  EXPECT_EQ(v, "22");
  ASSERT_TRUE(t.Find("b", &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(t.Find("c"));
  EXPECT_FALSE(t.Add("a", "x"));  // Add keeps the present value
  ASSERT_TRUE(t.Find("a", &v));
  EXPECT_EQ(v, "22");
  EXPECT_TRUE(t.Erase("a"));
  EXPECT_FALSE(t.Erase("a"));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.Find("", nullptr) == false);
  EXPECT_TRUE(t.Add("", "empty key"));
  ASSERT_TRUE(t.Find("", &v));
  EXPECT_EQ(v, "empty key");
}

TEST(PackedTableTest, BigEntriesLiveApartAndSurviveOverwrites) {
  PackedTable t;
  const std::string big_value(1000, 'v');
  const std::string big_key(300, 'k');
  EXPECT_TRUE(t.Set("small", big_value));
  EXPECT_TRUE(t.Set(big_key, "x"));
  EXPECT_FALSE(t.Set("small", "now small"));
  EXPECT_FALSE(t.Set(big_key, big_value));
  std::string_view v;
  ASSERT_TRUE(t.Find("small", &v));
  EXPECT_EQ(v, "now small");
  ASSERT_TRUE(t.Find(big_key, &v));
  EXPECT_EQ(v, big_value);
  // Same-length overwrite of a big entry happens in place.
  std::string other(1000, 'w');
  EXPECT_FALSE(t.Set(big_key, other));
  ASSERT_TRUE(t.Find(big_key, &v));
  EXPECT_EQ(v, other);
  EXPECT_GT(t.MemoryUsage(), 1000u + 300u);
  PackedTable copy(t);
  EXPECT_TRUE(t.Erase(big_key));
  ASSERT_TRUE(copy.Find(big_key, &v));
  EXPECT_EQ(v, other);
}

TEST(PackedTableTest, RandomOperationsMatchAModel) {
  std::mt19937_64 rng(42);
  PackedTable t;
  std::unordered_map<std::string, std::string> model;
  auto random_string = [&](size_t max_len) {
    const size_t len = rng() % (max_len + 1);
    std::string s(len, ' ');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  };
  // Grow well past one segment, then shrink back down, with overwrites of every size.
  for (int phase = 0; phase < 2; ++phase) {
    for (int i = 0; i < 60000; ++i) {
      const std::string key = "k" + std::to_string(rng() % 20000);
      const int op = static_cast<int>(rng() % 10);
      const bool shrinking = phase == 1;
      if (op < (shrinking ? 2 : 6)) {
        const std::string value = random_string(rng() % 8 == 0 ? 300 : 40);
        const bool added = t.Set(key, value);
        ASSERT_EQ(added, model.count(key) == 0) << key;
        model[key] = value;
      } else if (op < 7) {
        const bool had = model.erase(key) > 0;
        ASSERT_EQ(t.Erase(key), had) << key;
      } else {
        std::string_view v;
        const auto it = model.find(key);
        ASSERT_EQ(t.Find(key, &v), it != model.end()) << key;
        if (it != model.end()) ASSERT_EQ(v, it->second);
      }
    }
    ExpectSame(t, model);
  }
  // Empty it entirely: every erase must keep the rest intact.
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE(t.Erase(keys[i]));
    model.erase(keys[i]);
    if (i % 997 == 0) ExpectSame(t, model);
  }
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(Contents(t).empty());
}

TEST(PackedTableTest, CopyIsDeep) {
  PackedTable t;
  for (int i = 0; i < 5000; ++i) t.Set("f" + std::to_string(i), std::string(i % 200, 'x'));
  PackedTable copy(t);
  for (int i = 0; i < 5000; i += 2) t.Erase("f" + std::to_string(i));
  EXPECT_EQ(copy.size(), 5000u);
  std::string_view v;
  ASSERT_TRUE(copy.Find("f4", &v));
  EXPECT_EQ(v, std::string(4, 'x'));
  ASSERT_TRUE(copy.Find("f199", &v));
  EXPECT_EQ(v, std::string(199, 'x'));
}

// A member present for the whole scan is returned at least once, whatever is added or removed
// between calls (segments split while growing, merge while shrinking).
TEST(PackedTableTest, ScanReturnsEveryStableKeyAcrossGrowthAndShrink) {
  for (const bool grow : {true, false}) {
    PackedTable t;
    std::set<std::string> stable;
    for (int i = 0; i < 3000; ++i) {
      const std::string k = "stable" + std::to_string(i);
      t.Add(k);
      stable.insert(k);
    }
    int churn = 0;
    if (!grow) {
      for (; churn < 100000; ++churn) t.Add("churn" + std::to_string(churn));
    }
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = t.Scan(cursor, 20, [&](const PackedTable::Entry& e) { seen.emplace(e.key); });
      ++calls;
      // Between calls: grow by 500 keys, or remove 1500 of the churn keys.
      for (int j = 0; j < (grow ? 500 : 1500); ++j) {
        if (grow) {
          t.Add("churn" + std::to_string(churn++));
        } else if (churn > 0) {
          t.Erase("churn" + std::to_string(--churn));
        }
      }
    } while (cursor != 0);
    EXPECT_GT(calls, 3);
    for (const std::string& k : stable) ASSERT_TRUE(seen.count(k)) << k << " grow=" << grow;
  }
}

TEST(PackedTableTest, RandomReachesEveryEntry) {
  PackedTable t;
  for (int i = 0; i < 2000; ++i) t.Add("m" + std::to_string(i));
  absl::BitGen gen;
  std::set<std::string> picked;
  for (int i = 0; i < 100000; ++i) {
    const PackedTable::Entry e = t.Random(gen);
    ASSERT_TRUE(t.Find(e.key));
    picked.emplace(e.key);
  }
  // 100000 draws over 2000 entries: missing one would mean a bias of an order of magnitude.
  EXPECT_EQ(picked.size(), 2000u);
}

TEST(PackedTableTest, ShrinkingGivesSegmentsBack) {
  PackedTable t;
  for (int i = 0; i < 100000; ++i) t.Add("m" + std::to_string(i));
  const size_t full = t.MemoryUsage();
  for (int i = 0; i < 99990; ++i) t.Erase("m" + std::to_string(i));
  EXPECT_EQ(t.size(), 10u);
  EXPECT_LT(t.MemoryUsage(), full / 50);
  for (int i = 99990; i < 100000; ++i) EXPECT_TRUE(t.Find("m" + std::to_string(i)));
}

}  // namespace
}  // namespace rill::ds
