// PartialQuickSort: the range asked for holds what a full sort puts there, for every range
// shape, sizes on both sides of the algorithm's thresholds (7 and 40), and many ties.
#include "common/partial_quick_sort.h"

#include <algorithm>
#include <random>
#include <span>
#include <vector>

#include "gtest/gtest.h"

namespace rill {
namespace {

int ThreeWay(int a, int b) { return a < b ? -1 : (a > b ? 1 : 0); }

TEST(PartialQuickSortTest, RangeHoldsWhatAFullSortPutsThere) {
  std::mt19937 rng(42);
  for (int n : {0, 1, 2, 6, 7, 8, 40, 41, 100, 1000}) {
    for (int distinct : {1, 3, 1000000}) {
      std::vector<int> input(static_cast<size_t>(n));
      for (int& x : input) x = static_cast<int>(rng() % static_cast<unsigned>(distinct));
      std::vector<int> sorted = input;
      std::sort(sorted.begin(), sorted.end());
      const int ranges[][2] = {{0, n - 1},         {0, 0},
                               {n / 2, n / 2 + 5}, {n - 3, n - 1},
                               {n / 3, n / 3 - 1}, {n - 1, n - 2}};
      for (const auto& r : ranges) {
        SCOPED_TRACE(testing::Message() << "n=" << n << " distinct=" << distinct << " range ["
                                        << r[0] << ", " << r[1] << "]");
        std::vector<int> v = input;
        PartialQuickSort(std::span<int>(v), r[0], r[1], ThreeWay);
        for (int i = std::max(r[0], 0); i <= std::min(r[1], n - 1); ++i) {
          ASSERT_EQ(v[static_cast<size_t>(i)], sorted[static_cast<size_t>(i)]) << "at " << i;
        }
        std::vector<int> all = v;  // a permutation of the input
        std::sort(all.begin(), all.end());
        ASSERT_EQ(all, sorted);
      }
    }
  }
}

TEST(PartialQuickSortTest, LeavesPartsOutsideTheRangeUnsorted) {
  // 1000 distinct values in reverse order: sorting only the first ten must not sort the tail.
  std::vector<int> v(1000);
  for (int i = 0; i < 1000; ++i) v[static_cast<size_t>(i)] = 1000 - i;
  PartialQuickSort(std::span<int>(v), 0, 9, ThreeWay);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], i + 1);
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));
}

TEST(PartialQuickSortTest, EqualElementsLeaveInTheAlgorithmsOrderNotTheInputs) {
  // Pairs (key, original position) compared by key only: a stable sort would keep positions
  // ascending among equal keys; this algorithm does not, which is why SORT needs it.
  struct Item {
    int key, pos;
  };
  std::vector<Item> v;
  for (int i = 0; i < 50; ++i) v.push_back({i % 2, i});
  PartialQuickSort(std::span<Item>(v), 0, 9,
                   [](const Item& a, const Item& b) { return ThreeWay(a.key, b.key); });
  bool in_input_order = true;
  for (int i = 1; i < 10; ++i) {
    EXPECT_EQ(v[static_cast<size_t>(i)].key, 0);
    if (v[static_cast<size_t>(i)].pos < v[static_cast<size_t>(i - 1)].pos) in_input_order = false;
  }
  EXPECT_FALSE(in_input_order);
}

}  // namespace
}  // namespace rill
