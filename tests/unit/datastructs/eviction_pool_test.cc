#include "datastructs/eviction_pool.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::vector<std::string> Drain(EvictionPool& pool) {
  std::vector<std::string> out;
  int db;
  std::string key;
  while (pool.PopBest(&db, &key)) out.push_back(std::to_string(db) + ":" + key);
  return out;
}

TEST(EvictionPoolTest, PopsCandidatesBestScoreFirst) {
  EvictionPool pool;
  pool.Offer(5, 0, "five");
  pool.Offer(50, 1, "fifty");
  pool.Offer(1, 0, "one");
  pool.Offer(20, 2, "twenty");
  EXPECT_EQ(Drain(pool), (std::vector<std::string>{"1:fifty", "2:twenty", "0:five", "0:one"}));
  EXPECT_EQ(pool.size(), 0u);
}

TEST(EvictionPoolTest, FullPoolKeepsTheBestCandidates) {
  EvictionPool pool;
  for (int i = 0; i < 100; ++i) {
    const int score = (i * 37) % 100;  // every score 0..99 once, in scrambled order
    pool.Offer(score, 0, "k" + std::to_string(score));
  }
  ASSERT_EQ(pool.size(), EvictionPool::kSize);
  std::vector<std::string> expected;
  for (int score = 99; score > 99 - static_cast<int>(EvictionPool::kSize); --score) {
    expected.push_back("0:k" + std::to_string(score));
  }
  EXPECT_EQ(Drain(pool), expected);
}

TEST(EvictionPoolTest, WorseThanAFullPoolIsIgnored) {
  EvictionPool pool;
  for (size_t i = 0; i < EvictionPool::kSize; ++i) pool.Offer(100 + i, 0, "k" + std::to_string(i));
  pool.Offer(1, 0, "low");
  std::vector<std::string> drained = Drain(pool);
  ASSERT_EQ(drained.size(), EvictionPool::kSize);
  EXPECT_EQ(drained.back(), "0:k0");
}

TEST(EvictionPoolTest, AKeyOfOneDatabaseEntersOnce) {
  EvictionPool pool;
  pool.Offer(10, 0, "same");
  pool.Offer(30, 0, "same");  // sampled again: not a second candidate
  pool.Offer(20, 3, "same");  // the same name in another database is another key
  EXPECT_EQ(Drain(pool), (std::vector<std::string>{"3:same", "0:same"}));
}

TEST(EvictionPoolTest, LongKeysSurviveSlotReuse) {
  EvictionPool pool;
  const std::string long_key(1000, 'x');
  pool.Offer(1, 0, long_key);
  pool.Offer(2, 0, "short");
  int db;
  std::string key;
  ASSERT_TRUE(pool.PopBest(&db, &key));
  EXPECT_EQ(key, "short");
  pool.Offer(3, 0, "again");
  ASSERT_TRUE(pool.PopBest(&db, &key));
  EXPECT_EQ(key, "again");
  ASSERT_TRUE(pool.PopBest(&db, &key));
  EXPECT_EQ(key, long_key);
}

}  // namespace
}  // namespace rill::ds
