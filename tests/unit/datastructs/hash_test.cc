// ds::Hash: both forms, Redis 7.0's conversion points, insertion order of the listpack form,
// sampling properties.
#include "datastructs/hash.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::vector<std::pair<std::string, std::string>> Pairs(const Hash& h) {
  std::vector<std::pair<std::string, std::string>> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

TEST(HashTest, ListpackKeepsInsertionOrderAcrossUpdatesAndDeletes) {
  Hash h;
  const HashLimits limits;
  EXPECT_TRUE(h.Set("a", "1", limits));
  EXPECT_TRUE(h.Set("b", "2", limits));
  EXPECT_TRUE(h.Set("c", "3", limits));
  EXPECT_FALSE(h.Set("a", "longer value", limits));  // in place, bigger
  EXPECT_FALSE(h.Set("b", "", limits));              // in place, smaller
  EXPECT_TRUE(h.Erase("c"));
  EXPECT_FALSE(h.Erase("c"));
  EXPECT_TRUE(h.Set("d", "4", limits));
  EXPECT_TRUE(h.is_listpack());
  EXPECT_EQ(h.EncodingName(), "listpack");
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Pairs(h), (P{{"a", "longer value"}, {"b", ""}, {"d", "4"}}));
  std::string_view v;
  ASSERT_TRUE(h.Get("b", &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(h.Get("zz"));
  EXPECT_EQ(h.size(), 3u);
  // A field that is a prefix of another is a different field.
  EXPECT_TRUE(h.Set("dd", "x", limits));
  ASSERT_TRUE(h.Get("d", &v));
  EXPECT_EQ(v, "4");
}

TEST(HashTest, ConvertsPastTheEntryLimitAfterTheWrite) {
  HashLimits limits;
  limits.max_listpack_entries = 4;
  Hash h;
  for (int i = 0; i < 4; ++i) h.Set("f" + std::to_string(i), "v", limits);
  EXPECT_TRUE(h.is_listpack());
  h.Set("f4", "v", limits);
  EXPECT_FALSE(h.is_listpack());
  EXPECT_EQ(h.EncodingName(), "hashtable");
  EXPECT_EQ(h.size(), 5u);
  // Never back, however small it gets.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.Erase("f" + std::to_string(i)));
  EXPECT_TRUE(h.empty());
  EXPECT_FALSE(h.is_listpack());
}

TEST(HashTest, ConvertsBeforeWritingALongFieldOrValue) {
  HashLimits limits;
  limits.max_listpack_value = 8;
  Hash a, b, c;
  a.Set("f", std::string(8, 'v'), limits);
  EXPECT_TRUE(a.is_listpack());
  a.Set("f", std::string(9, 'v'), limits);
  EXPECT_FALSE(a.is_listpack());
  b.Set(std::string(9, 'f'), "v", limits);
  EXPECT_FALSE(b.is_listpack());
  // Entries limit 0: the first field already converts (Redis: length 1 > 0).
  limits.max_listpack_entries = 0;
  c.Set("f", "v", limits);
  EXPECT_FALSE(c.is_listpack());
  std::string_view v;
  ASSERT_TRUE(a.Get("f", &v));
  EXPECT_EQ(v, std::string(9, 'v'));
}

TEST(HashTest, TableFormMatchesAModelAndClonesDeeply) {
  Hash h;
  const HashLimits limits;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 5000; ++i) {
    const std::string f = "field:" + std::to_string(i * 7 % 3001);
    const std::string v(i % 90, static_cast<char>('a' + i % 26));
    h.Set(f, v, limits);
    model[f] = v;
  }
  for (int i = 0; i < 3001; i += 3) {
    const std::string f = "field:" + std::to_string(i);
    EXPECT_EQ(h.Erase(f), model.erase(f) == 1);
  }
  auto copy = h.Clone();
  h.Set("field:1", "changed", limits);
  const auto& c = static_cast<const Hash&>(*copy);
  std::map<std::string, std::string> got;
  for (auto& [f, v] : Pairs(c)) got[f] = v;
  EXPECT_EQ(got, model);
  EXPECT_GT(c.MemoryUsage(), 3000u);
}

TEST(HashTest, ListpackScanReturnsEverythingAtOnce) {
  Hash h;
  for (int i = 0; i < 50; ++i) h.Set(std::to_string(i), "v", HashLimits{});
  int n = 0;
  EXPECT_EQ(h.Scan(0, 1, [&](std::string_view, std::string_view) { ++n; }), 0u);
  EXPECT_EQ(n, 50);
}

TEST(HashTest, SampleDistinctGivesDistinctFieldsInBothForms) {
  absl::BitGen gen;
  for (int size : {10, 100, 1000}) {  // 1000 > 512: a table
    Hash h;
    for (int i = 0; i < size; ++i) h.Set("f" + std::to_string(i), std::to_string(i), HashLimits{});
    EXPECT_EQ(h.is_listpack(), size <= 512);
    for (size_t count :
         {size_t{1}, size_t{5}, static_cast<size_t>(size / 2), static_cast<size_t>(size - 1),
          static_cast<size_t>(size), static_cast<size_t>(size * 2)}) {
      std::set<std::string> fields;
      size_t visits = 0;
      h.SampleDistinct(gen, count, [&](std::string_view f, std::string_view v) {
        ++visits;
        fields.emplace(f);
        EXPECT_EQ("f" + std::string(v), std::string(f));  // value belongs to its field
      });
      const size_t expected = std::min<size_t>(count, size);
      EXPECT_EQ(visits, expected);
      EXPECT_EQ(fields.size(), expected) << "size " << size << " count " << count;
    }
    // Random picks cover every field eventually (repeats allowed).
    std::set<std::string> seen;
    for (int i = 0; i < size * 40; ++i) {
      h.Random(gen, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(size));
  }
}

}  // namespace
}  // namespace rill::ds
