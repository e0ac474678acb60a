#include "datastructs/zset_tree.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

struct KeyLess {
  bool operator()(const std::pair<double, std::string>& a,
                  const std::pair<double, std::string>& b) const {
    return CompareZKeys(a.first, a.second, b.first, b.second) < 0;
  }
};
using Model = std::set<std::pair<double, std::string>, KeyLess>;

size_t ModelCountBefore(const Model& model, const ZBound& bound) {
  size_t n = 0;
  for (const auto& [s, m] : model) {
    if (!bound.Before(s, m)) break;
    ++n;
  }
  return n;
}

void ExpectSame(const ZTree& tree, const Model& model) {
  tree.CheckInvariants();
  ASSERT_EQ(tree.size(), model.size());
  std::vector<std::pair<double, std::string>> got;
  for (auto c = tree.Seek(0); c.valid(); c.Next()) got.emplace_back(c.score(), c.member());
  ASSERT_EQ(got.size(), model.size());
  auto it = model.begin();
  for (size_t i = 0; i < got.size(); ++i, ++it) {
    ASSERT_EQ(got[i].first, it->first) << "rank " << i;
    ASSERT_EQ(got[i].second, it->second) << "rank " << i;
  }
  if (model.empty()) return;
  std::vector<std::pair<double, std::string>> backwards;
  tree.ForRange(0, model.size() - 1, true, [&](double s, std::string_view m) {
    backwards.emplace_back(s, m);
    return true;
  });
  std::reverse(backwards.begin(), backwards.end());
  EXPECT_EQ(backwards, got);
}

TEST(ZTreeTest, EmptyTree) {
  ZTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_FALSE(tree.Contains(1, "a"));
  EXPECT_FALSE(tree.Erase(1, "a"));
  EXPECT_EQ(tree.CountBefore(ZBound::End()), 0u);
  EXPECT_FALSE(tree.Seek(0).valid());
  tree.CheckInvariants();
}

TEST(ZTreeTest, OrdersByScoreThenMemberBytes) {
  ZTree tree;
  tree.Insert(2, "a");
  tree.Insert(1, "b");
  tree.Insert(1, "ab");
  tree.Insert(1, "a");
  tree.Insert(1, "\xff");
  tree.Insert(-0.0, "z");
  tree.Insert(0.0, "y");
  tree.Insert(-std::numeric_limits<double>::infinity(), "inf");
  std::vector<std::string> order;
  for (auto c = tree.Seek(0); c.valid(); c.Next()) order.emplace_back(c.member());
  // -0.0 == 0.0: the two zeros order by member.
  EXPECT_EQ(order, (std::vector<std::string>{"inf", "y", "z", "a", "ab", "b", "\xff", "a"}));
  EXPECT_TRUE(std::signbit(tree.Seek(2).score()));
}

TEST(ZTreeTest, RandomOperationsMatchASetModel) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    ZTree tree;
    Model model;
    // Few distinct scores: plenty of ties broken by member, across leaves.
    std::uniform_int_distribution<int> score_of(0, seed == 1 ? 3 : 1000);
    std::uniform_int_distribution<int> len_of(0, seed == 3 ? 300 : 24);
    for (int step = 0; step < 30000; ++step) {
      const int op = static_cast<int>(rng() % 10);
      if (op < 6 || model.empty()) {
        const double score = score_of(rng) / 4.0;
        std::string member(static_cast<size_t>(len_of(rng)), 'x');
        for (char& ch : member) ch = static_cast<char>('a' + rng() % 3);
        if (model.emplace(score, member).second) tree.Insert(score, member);
      } else if (op < 9) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        ASSERT_TRUE(tree.Erase(it->first, it->second));
        model.erase(it);
      } else {
        const size_t start = rng() % model.size();
        const size_t count = rng() % 40;
        std::vector<std::pair<double, std::string>> removed;
        tree.EraseRanks(start, count,
                        [&](double s, std::string_view m) { removed.emplace_back(s, m); });
        auto it = model.begin();
        std::advance(it, static_cast<long>(start));
        for (const auto& r : removed) {
          ASSERT_EQ(*it, r);
          it = model.erase(it);
        }
        ASSERT_EQ(removed.size(), std::min(count, model.size() + removed.size() - start));
      }
      if (step % 997 == 0) ExpectSame(tree, model);
    }
    ExpectSame(tree, model);
    // Ranks and bounds against the model.
    for (int probe = 0; probe < 300; ++probe) {
      const double s = score_of(rng) / 4.0;
      std::string m(static_cast<size_t>(rng() % 4), 'a');
      for (char& ch : m) ch = static_cast<char>('a' + rng() % 3);
      for (const ZBound& b : {ZBound::ScoreBelow(s), ZBound::ScoreAtOrBelow(s), ZBound::Key(s, m),
                              ZBound::Start(), ZBound::End()}) {
        ASSERT_EQ(tree.CountBefore(b), ModelCountBefore(model, b));
      }
      ASSERT_EQ(tree.Contains(s, m), model.count({s, m}) == 1);
    }
    size_t rank = 0;
    for (const auto& [s, m] : model) {
      ASSERT_EQ(tree.CountBefore(ZBound::Key(s, m)), rank++);
      ASSERT_TRUE(tree.Contains(s, m));
    }
    // Empty it from both ends and the middle.
    while (!model.empty()) {
      auto it = model.begin();
      if (model.size() % 3 == 1) it = std::prev(model.end());
      if (model.size() % 3 == 2) std::advance(it, static_cast<long>(model.size() / 2));
      ASSERT_TRUE(tree.Erase(it->first, it->second));
      model.erase(it);
      if (model.size() % 1013 == 0) ExpectSame(tree, model);
    }
    ExpectSame(tree, model);
    EXPECT_EQ(tree.AllocatedBytes(), 0u);
  }
}

TEST(ZTreeTest, LexBoundsWithEqualScores) {
  ZTree tree;
  Model model;
  for (int i = 0; i < 5000; ++i) {
    std::string m = std::to_string(i * 7919 % 5000);
    tree.Insert(0, m);
    model.emplace(0, m);
  }
  ExpectSame(tree, model);
  for (const char* probe : {"", "0", "1", "25", "2500", "4999", "5", "9", "99999"}) {
    for (const ZBound& b : {ZBound::LexBelow(probe), ZBound::LexAtOrBelow(probe)}) {
      EXPECT_EQ(tree.CountBefore(b), ModelCountBefore(model, b)) << probe;
    }
  }
}

TEST(ZTreeTest, SortedLoadsFillLeaves) {
  ZTree ascending, descending;
  for (int i = 0; i < 100000; ++i) {
    std::string m = "member:" + std::to_string(i);
    ascending.Insert(i, m);
    descending.Insert(100000 - i, m);
  }
  ascending.CheckInvariants();
  descending.CheckInvariants();
  // ~19-byte entries: full 640-byte leaves hold ~33; a half-full tree would need far more.
  const double per_entry_asc = static_cast<double>(ascending.AllocatedBytes()) / 100000;
  const double per_entry_desc = static_cast<double>(descending.AllocatedBytes()) / 100000;
  EXPECT_LT(per_entry_asc, 28.0);
  EXPECT_LT(per_entry_desc, 28.0);
}

TEST(ZTreeTest, BigMembersGetLeavesOfTheirOwn) {
  ZTree tree;
  Model model;
  for (int i = 0; i < 200; ++i) {
    std::string m(static_cast<size_t>(100 + (i * 37) % 2000), static_cast<char>('a' + i % 26));
    m += std::to_string(i);
    tree.Insert(i % 7, m);
    model.emplace(i % 7, m);
  }
  ExpectSame(tree, model);
  for (int i = 0; i < 200; i += 2) {
    auto it = model.begin();
    std::advance(it, static_cast<long>(model.size() / 2));
    ASSERT_TRUE(tree.Erase(it->first, it->second));
    model.erase(it);
  }
  ExpectSame(tree, model);
}

TEST(ZTreeTest, CopyIsDeepAndEqual) {
  ZTree tree;
  Model model;
  for (int i = 0; i < 3000; ++i) {
    tree.Insert(i % 17, std::to_string(i));
    model.emplace(i % 17, std::to_string(i));
  }
  ZTree copy(tree);
  ExpectSame(copy, model);
  tree.EraseRanks(0, 3000, [](double, std::string_view) {});
  EXPECT_EQ(tree.size(), 0u);
  ExpectSame(copy, model);
}

TEST(ZTreeTest, ForRangeStopsAndReversesAtEdges) {
  ZTree tree;
  for (int i = 0; i < 1000; ++i) tree.Insert(i, "m" + std::to_string(i));
  std::vector<double> seen;
  tree.ForRange(995, 999, true, [&](double s, std::string_view) {
    seen.push_back(s);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<double>{999, 998, 997, 996, 995}));
  seen.clear();
  tree.ForRange(0, 999, false, [&](double s, std::string_view) {
    seen.push_back(s);
    return seen.size() < 3;
  });
  EXPECT_EQ(seen, (std::vector<double>{0, 1, 2}));
  seen.clear();
  tree.ForRange(0, 0, true, [&](double s, std::string_view) {
    seen.push_back(s);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<double>{0}));
}

}  // namespace
}  // namespace rill::ds
