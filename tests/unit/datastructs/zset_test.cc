#include "datastructs/zset.h"

#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

using Entries = std::vector<std::pair<double, std::string>>;

Entries Contents(const ZSet& z) {
  Entries out;
  z.ForEach([&](double s, std::string_view m) { out.emplace_back(s, m); });
  return out;
}

struct Model {
  std::map<std::string, double> scores;
  Entries Ordered() const {
    Entries out;
    for (const auto& [m, s] : scores) out.emplace_back(s, m);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return CompareZKeys(a.first, a.second, b.first, b.second) < 0;
    });
    return out;
  }
};

void ExpectSame(const ZSet& z, const Model& model) {
  z.CheckInvariants();
  const Entries ordered = model.Ordered();
  ASSERT_EQ(z.size(), ordered.size());
  ASSERT_EQ(Contents(z), ordered);
  for (size_t i = 0; i < ordered.size(); ++i) {
    size_t rank;
    double score;
    ASSERT_TRUE(z.Rank(ordered[i].second, &rank, &score));
    ASSERT_EQ(rank, i);
    ASSERT_EQ(score, ordered[i].first);
  }
  if (ordered.empty()) return;
  Entries backwards;
  z.ForRange(0, ordered.size() - 1, true, [&](double s, std::string_view m) {
    backwards.emplace_back(s, m);
    return true;
  });
  std::reverse(backwards.begin(), backwards.end());
  ASSERT_EQ(backwards, ordered);
}

TEST(ZSetTest, StartsPackedOrBigAsRedisDecides) {
  ZSetLimits limits;  // 128 entries, 64 bytes
  EXPECT_EQ(ZSet(128, 64, limits).EncodingName(), "listpack");
  EXPECT_EQ(ZSet(129, 1, limits).EncodingName(), "skiplist");
  EXPECT_EQ(ZSet(1, 65, limits).EncodingName(), "skiplist");
  ZSetLimits none{0, 64};
  EXPECT_EQ(ZSet(1, 1, none).EncodingName(), "skiplist");
}

TEST(ZSetTest, GrowsBigPastEitherLimitAndStaysBig) {
  ZSetLimits limits{4, 8};
  ZSet z(1, 1, limits);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(z.Set("m" + std::to_string(i), i, limits), ZSet::SetResult::kAdded);
  }
  EXPECT_TRUE(z.packed());
  // Updating an existing member never converts.
  EXPECT_EQ(z.Set("m0", 10, limits), ZSet::SetResult::kUpdated);
  EXPECT_TRUE(z.packed());
  EXPECT_EQ(z.Set("m4", 4, limits), ZSet::SetResult::kAdded);
  EXPECT_FALSE(z.packed());
  EXPECT_EQ(z.EncodingName(), "skiplist");
  z.Remove("m4");
  z.Remove("m3");
  EXPECT_FALSE(z.packed());
  z.ShrinkToPackedIfFits(limits);
  EXPECT_TRUE(z.packed());
  EXPECT_EQ(Contents(z), (Entries{{1, "m1"}, {2, "m2"}, {10, "m0"}}));

  ZSet longer(1, 1, limits);
  longer.Set("short", 1, limits);
  longer.Set("123456789", 2, limits);  // 9 bytes > 8
  EXPECT_FALSE(longer.packed());
}

TEST(ZSetTest, SetReportsAddedUpdatedUnchanged) {
  ZSetLimits limits;
  for (bool big : {false, true}) {
    ZSet z(1, 1, limits);
    if (big) z.ConvertToBig();
    double old = 0;
    EXPECT_EQ(z.Set("a", 1.5, limits, &old), ZSet::SetResult::kAdded);
    EXPECT_EQ(z.Set("a", 1.5, limits, &old), ZSet::SetResult::kUnchanged);
    EXPECT_EQ(old, 1.5);
    EXPECT_EQ(z.Set("a", -2, limits, &old), ZSet::SetResult::kUpdated);
    EXPECT_EQ(old, 1.5);
    // -0.0 and 0.0 are the same score: the entry keeps the sign it has, except that the packed
    // form stores -0.0 as the integer 0, as Redis's listpack does.
    EXPECT_EQ(z.Set("z", -0.0, limits), ZSet::SetResult::kAdded);
    EXPECT_EQ(z.Set("z", 0.0, limits), ZSet::SetResult::kUnchanged);
    double s;
    ASSERT_TRUE(z.Score("z", &s));
    EXPECT_EQ(std::signbit(s), big);
    EXPECT_FALSE(z.Score("nope", &s));
    EXPECT_TRUE(z.Remove("a"));
    EXPECT_FALSE(z.Remove("a"));
    EXPECT_EQ(z.size(), 1u);
  }
}

TEST(ZSetTest, PackedScoresRoundTripEveryEncoding) {
  ZSetLimits limits{1000, 64};
  ZSet z(1, 1, limits);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> scores = {0,
                                1,
                                239,
                                240,
                                -1,
                                -128,
                                -129,
                                32767,
                                -32768,
                                32768,
                                1e9,
                                -3e9,
                                4e15,
                                9007199254740992.0,
                                -9007199254740992.0,
                                9007199254740993.0,
                                1e300,
                                -1e-300,
                                0.1,
                                inf,
                                -inf,
                                -0.0,
                                std::nextafter(1.0, 2.0)};
  for (size_t i = 0; i < scores.size(); ++i) z.Set("m" + std::to_string(i), scores[i], limits);
  for (size_t i = 0; i < scores.size(); ++i) {
    double s;
    ASSERT_TRUE(z.Score("m" + std::to_string(i), &s));
    EXPECT_EQ(s, scores[i]) << i;
    EXPECT_EQ(std::signbit(s), std::signbit(scores[i]) && scores[i] != 0) << i;
  }
  Model model;
  for (size_t i = 0; i < scores.size(); ++i) model.scores["m" + std::to_string(i)] = scores[i];
  ExpectSame(z, model);
  // Small whole scores take one byte.
  EXPECT_EQ(ZPackEntryBytes(7, 16), 1u + 1u + 16u);
  EXPECT_EQ(ZPackEntryBytes(0.5, 16), 9u + 1u + 16u);
}

TEST(ZSetTest, RandomOperationsMatchAModelInBothForms) {
  for (uint32_t seed : {7u, 8u}) {
    std::mt19937 rng(seed);
    ZSetLimits limits{seed == 7 ? 128u : 16u, 64};
    ZSet z(1, 1, limits);
    Model model;
    for (int step = 0; step < 8000; ++step) {
      const int op = static_cast<int>(rng() % 10);
      std::string m = "k" + std::to_string(rng() % 3000);
      const double score = static_cast<double>(static_cast<int>(rng() % 50) - 10) / 2;
      if (op < 6) {
        auto it = model.scores.find(m);
        const auto expected = it == model.scores.end() ? ZSet::SetResult::kAdded
                              : it->second == score    ? ZSet::SetResult::kUnchanged
                                                       : ZSet::SetResult::kUpdated;
        ASSERT_EQ(z.Set(m, score, limits), expected);
        model.scores[m] = score;
      } else if (op < 8) {
        ASSERT_EQ(z.Remove(m), model.scores.erase(m) == 1);
      } else if (op < 9 && !model.scores.empty()) {
        const size_t start = rng() % model.scores.size();
        const size_t n = rng() % 5;
        Entries ordered = model.Ordered();
        Entries removed;
        z.EraseRanks(start, n, [&](double s, std::string_view mm) { removed.emplace_back(s, mm); });
        Entries expected(ordered.begin() + static_cast<long>(start),
                         ordered.begin() + static_cast<long>(std::min(ordered.size(), start + n)));
        ASSERT_EQ(removed, expected);
        for (const auto& [s, mm] : removed) model.scores.erase(mm);
      } else {
        // Range counts against the model.
        const double lo = static_cast<double>(static_cast<int>(rng() % 50) - 10) / 2;
        size_t below = 0, at_or_below = 0;
        for (const auto& [mm, s] : model.scores) {
          below += s < lo;
          at_or_below += s <= lo;
        }
        ASSERT_EQ(z.CountBefore(ZBound::ScoreBelow(lo)), below);
        ASSERT_EQ(z.CountBefore(ZBound::ScoreAtOrBelow(lo)), at_or_below);
      }
      if (step % 1999 == 0) ExpectSame(z, model);
    }
    ExpectSame(z, model);
    // The small limit forces the big form; the larger one may stay packed.
    if (seed == 8) {
      EXPECT_FALSE(z.packed());
    }
    ZSet copy(z);
    ExpectSame(copy, model);
  }
}

TEST(ZSetTest, InsertBuildsInEitherForm) {
  ZSetLimits limits{10, 64};
  ZSet small(0, 0, limits), big(0, 0, limits);
  Model ms, mb;
  for (int i = 0; i < 10; ++i) {
    small.Insert("s" + std::to_string(i), 9 - i, limits);
    ms.scores["s" + std::to_string(i)] = 9 - i;
  }
  for (int i = 0; i < 1000; ++i) {
    big.Insert("b" + std::to_string(i), 1000 - i, limits);
    mb.scores["b" + std::to_string(i)] = 1000 - i;
  }
  EXPECT_TRUE(small.packed());
  EXPECT_FALSE(big.packed());
  ExpectSame(small, ms);
  ExpectSame(big, mb);
}

TEST(ZSetTest, MemoryUsageGrowsWithEntriesAndFallsBack) {
  ZSetLimits limits;
  ZSet z(1, 1, limits);
  const size_t empty = z.MemoryUsage();
  for (int i = 0; i < 10000; ++i) z.Set("member:" + std::to_string(i), i, limits);
  const size_t full = z.MemoryUsage();
  EXPECT_GT(full, empty + 10000 * 20);
  EXPECT_LT(full, empty + 10000 * 80);
  z.EraseRanks(0, 10000, [](double, std::string_view) {});
  EXPECT_LT(z.MemoryUsage(), full / 10);
}

TEST(ZSetTest, ScanVisitsEveryMemberOfBothForms) {
  ZSetLimits limits;
  ZSet small(3, 1, limits), big(1000, 8, limits);
  for (int i = 0; i < 3; ++i) small.Set("s" + std::to_string(i), i, limits);
  for (int i = 0; i < 1000; ++i) big.Set("b" + std::to_string(i), i * 0.5, limits);
  std::map<std::string, double> seen;
  EXPECT_EQ(small.Scan(0, 1, [&](double s, std::string_view m) { seen[std::string(m)] = s; }), 0u);
  EXPECT_EQ(seen.size(), 3u);
  seen.clear();
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = big.Scan(cursor, 10, [&](double s, std::string_view m) { seen[std::string(m)] = s; });
    ++calls;
  } while (cursor != 0 && calls < 10000);
  ASSERT_EQ(seen.size(), 1000u);
  EXPECT_EQ(seen["b7"], 3.5);
  EXPECT_GT(calls, 1);
}

}  // namespace
}  // namespace rill::ds
