// Set algebra against std::set, with missing keys, repeated sets, limits and result encodings.
#include "datastructs/set_algebra.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::unique_ptr<Set> Make(const std::vector<std::string>& members) {
  auto s = std::make_unique<Set>();
  for (const std::string& m : members) s->Add(m, SetLimits{});
  return s;
}

std::set<std::string> Members(const Set& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace(m); });
  return out;
}

std::vector<std::string> Range(int from, int to, const std::string& prefix = "") {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(SetAlgebraTest, MatchesStdSetOperations) {
  auto a = Make(Range(0, 700));         // a table (over 512 integers)
  auto b = Make(Range(300, 400));       // an intset
  auto c = Make(Range(350, 1000, ""));  // a table
  auto d = Make(Range(0, 50, "m"));     // strings
  const std::set<std::string> sa = Members(*a), sb = Members(*b), sc = Members(*c);
  std::set<std::string> inter, uni, diff;
  for (const auto& m : sb) {
    if (sa.count(m) && sc.count(m)) inter.insert(m);
  }
  uni = sa;
  uni.insert(sb.begin(), sb.end());
  uni.insert(sc.begin(), sc.end());
  for (const auto& m : sa) {
    if (!sb.count(m) && !sc.count(m)) diff.insert(m);
  }
  const Set* abc[] = {a.get(), b.get(), c.get()};
  EXPECT_EQ(Members(*Intersection(abc, {})), inter);
  EXPECT_EQ(Members(*Union(abc, {})), uni);
  EXPECT_EQ(Members(*Difference(abc, {})), diff);
  // The other way of computing the difference (many small sets to remove).
  const Set* a_d[] = {a.get(), d.get(), b.get()};
  std::set<std::string> diff2 = sa;
  for (const auto& m : sb) diff2.erase(m);
  EXPECT_EQ(Members(*Difference(a_d, {})), diff2);
  const Set* b_a[] = {b.get(), a.get(), a.get(), c.get()};
  std::set<std::string> diff3;
  EXPECT_EQ(Members(*Difference(b_a, {})), diff3);
}

TEST(SetAlgebraTest, MissingSetsAreEmpty) {
  auto a = Make({"1", "2", "x"});
  const Set* with_missing[] = {a.get(), nullptr};
  EXPECT_TRUE(Intersection(with_missing, {})->empty());
  EXPECT_EQ(Members(*Union(with_missing, {})), Members(*a));
  EXPECT_EQ(Members(*Difference(with_missing, {})), Members(*a));
  const Set* missing_first[] = {nullptr, a.get()};
  EXPECT_TRUE(Difference(missing_first, {})->empty());
  const Set* same[] = {a.get(), a.get()};
  EXPECT_TRUE(Difference(same, {})->empty());
  EXPECT_EQ(Members(*Intersection(same, {})), Members(*a));
}

TEST(SetAlgebraTest, IntersectStopsAtTheLimit) {
  auto a = Make(Range(0, 100));
  auto b = Make(Range(50, 150));
  const Set* ab[] = {a.get(), b.get()};
  std::vector<std::string> seen;
  EXPECT_EQ(Intersect(ab, 7, [&](std::string_view m) { seen.emplace_back(m); }), 7u);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "50");  // an intset's members come in order
  EXPECT_EQ(Intersect(ab, 0, [](std::string_view) {}), 50u);
  EXPECT_EQ(Intersect(ab, 1000, [](std::string_view) {}), 50u);
}

TEST(SetAlgebraTest, ResultsTakeTheEncodingTheirMembersCallFor) {
  auto ints = Make(Range(0, 10));
  auto strs = Make(Range(0, 10, "m"));
  const Set* both[] = {ints.get(), strs.get()};
  EXPECT_EQ(Union(both, {})->EncodingName(), "hashtable");
  const Set* only_ints[] = {ints.get(), ints.get()};
  EXPECT_EQ(Union(only_ints, {})->EncodingName(), "intset");
  EXPECT_EQ(Union(only_ints, SetLimits{.max_intset_entries = 5})->EncodingName(), "hashtable");
  auto big = Make(Range(0, 600));  // a table of integers
  const Set* big_and_ints[] = {big.get(), ints.get()};
  EXPECT_EQ(Intersection(big_and_ints, {})->EncodingName(), "intset");
}

}  // namespace
}  // namespace rill::ds
