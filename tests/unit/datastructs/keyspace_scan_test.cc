// SCAN's guarantee: a key present for the whole scan is returned at least once, even when the
// index splits segments (and doubles its directory) between calls.
#include <set>
#include <string>
#include <unordered_map>

#include "datastructs/keyspace.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::set<std::string> ScanAll(const Database& db, size_t count, size_t* calls = nullptr) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  size_t n = 0;
  do {
    cursor = db.Scan(cursor, count, [&](const Entry& e) { seen.insert(std::string(e.key())); });
    ++n;
  } while (cursor != 0);
  if (calls) *calls = n;
  return seen;
}

TEST(ScanTest, EmptyDatabaseFinishesAtOnce) {
  Database db;
  int visits = 0;
  EXPECT_EQ(db.Scan(0, 10, [&](const Entry&) { ++visits; }), 0u);
  EXPECT_EQ(visits, 0);
}

TEST(ScanTest, SmallDatabaseReturnsEverythingInOneCall) {
  Database db;
  for (int i = 0; i < 100; ++i) db.SetInt("k" + std::to_string(i), i);
  size_t calls = 0;
  EXPECT_EQ(ScanAll(db, 10, &calls).size(), 100u);
  EXPECT_EQ(calls, 1u);
}

TEST(ScanTest, CountBoundsTheWorkPerCallAndEveryKeyIsSeenOnce) {
  Database db;
  constexpr int kKeys = 100000;
  for (int i = 0; i < kKeys; ++i) db.SetInt("k" + std::to_string(i), i);
  std::unordered_map<std::string, int> times;
  uint64_t cursor = 0;
  size_t calls = 0;
  size_t max_per_call = 0;
  do {
    size_t this_call = 0;
    cursor = db.Scan(cursor, 10, [&](const Entry& e) {
      ++times[std::string(e.key())];
      ++this_call;
    });
    max_per_call = std::max(max_per_call, this_call);
    ++calls;
  } while (cursor != 0);
  EXPECT_EQ(times.size(), static_cast<size_t>(kKeys));
  // Without concurrent changes no segment is visited twice.
  for (const auto& [k, n] : times) ASSERT_EQ(n, 1) << k;
  EXPECT_GT(calls, 50u);
  // One call visits one whole segment (it stops once `count` is reached).
  EXPECT_LE(max_per_call, 896u);
  // A large count visits several segments per call.
  size_t big_calls = 0;
  EXPECT_EQ(ScanAll(db, 20000, &big_calls).size(), static_cast<size_t>(kKeys));
  EXPECT_LT(big_calls, calls / 10);
  EXPECT_GE(big_calls, static_cast<size_t>(kKeys) / 20000);
}

TEST(ScanTest, KeysPresentThroughoutAreReturnedDespiteSplitsBetweenCalls) {
  Database db;
  constexpr int kStable = 20000;
  std::set<std::string> stable;
  for (int i = 0; i < kStable; ++i) {
    stable.insert("stable:" + std::to_string(i));
    db.SetString("stable:" + std::to_string(i), "v");
  }
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int added = 0;
  size_t calls = 0;
  do {
    cursor = db.Scan(cursor, 50, [&](const Entry& e) { seen.insert(std::string(e.key())); });
    ++calls;
    // Grow the table 16x over the scan: segments split many times and the directory doubles.
    for (int j = 0; j < 2000 && added < 16 * kStable; ++j, ++added) {
      db.SetString("grow:" + std::to_string(added), "v");
    }
    // Churn some keys too: deletes must not disturb the walk.
    if (added % 3 == 0) db.Delete("grow:" + std::to_string(added / 2));
  } while (cursor != 0);
  EXPECT_GT(calls, 20u);
  EXPECT_GT(db.size(), static_cast<size_t>(8 * kStable));
  for (const std::string& k : stable) ASSERT_TRUE(seen.count(k)) << k;
}

TEST(ScanTest, CursorFromBeforeGrowthStillCoversStableKeys) {
  // Start with a single segment, take one step, then grow a lot before continuing.
  Database db;
  std::set<std::string> stable;
  for (int i = 0; i < 3000; ++i) {
    stable.insert("s" + std::to_string(i));
    db.SetInt("s" + std::to_string(i), i);
  }
  std::set<std::string> seen;
  uint64_t cursor = db.Scan(0, 1, [&](const Entry& e) { seen.insert(std::string(e.key())); });
  ASSERT_NE(cursor, 0u);
  for (int i = 0; i < 300000; ++i) db.SetInt("g" + std::to_string(i), i);
  while (cursor != 0) {
    cursor = db.Scan(cursor, 1, [&](const Entry& e) { seen.insert(std::string(e.key())); });
  }
  for (const std::string& k : stable) ASSERT_TRUE(seen.count(k)) << k;
}

// Deletions between calls merge segments and halve the directory; keys present throughout are
// still all returned, and a shrunken index gives its memory back.
TEST(ScanTest, KeysPresentThroughoutAreReturnedDespiteMergesBetweenCalls) {
  Database db;
  std::set<std::string> stable;
  for (int i = 0; i < 2000; ++i) {
    stable.insert("s" + std::to_string(i));
    db.SetInt("s" + std::to_string(i), i);
  }
  constexpr int kChurn = 200000;
  for (int i = 0; i < kChurn; ++i) db.SetInt("c" + std::to_string(i), i);
  const size_t full_index = db.MainIndexMemoryUsage();
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int next_delete = 0;
  do {
    cursor = db.Scan(cursor, 50, [&](const Entry& e) { seen.insert(std::string(e.key())); });
    for (int j = 0; j < 5000 && next_delete < kChurn; ++j) {
      ASSERT_TRUE(db.Delete("c" + std::to_string(next_delete++)));
    }
  } while (cursor != 0);
  for (const std::string& k : stable) ASSERT_TRUE(seen.count(k)) << k;
  while (next_delete < kChurn) ASSERT_TRUE(db.Delete("c" + std::to_string(next_delete++)));
  EXPECT_EQ(db.size(), stable.size());
  EXPECT_EQ(ScanAll(db, 10), stable);
  EXPECT_LT(db.MainIndexMemoryUsage(), full_index / 20);
}

TEST(ScanTest, ScanAfterClearStartsOver) {
  Database db;
  for (int i = 0; i < 10000; ++i) db.SetInt("k" + std::to_string(i), i);
  db.Clear();
  EXPECT_TRUE(ScanAll(db, 10).empty());
  db.SetInt("again", 1);
  EXPECT_EQ(ScanAll(db, 10), std::set<std::string>{"again"});
}

}  // namespace
}  // namespace rill::ds
