// ds::Set and ds::IntSet: the intset's Redis layout and upgrades, conversion to a table,
// ascending order of intset members, sampling properties, blob validation.
#include "datastructs/set.h"

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "datastructs/intset.h"
#include "gtest/gtest.h"

namespace rill::ds {
namespace {

std::vector<std::string> Members(const Set& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::string Blob(uint32_t enc, std::vector<int64_t> values) {
  std::string b(8, '\0');
  uint32_t n = static_cast<uint32_t>(values.size());
  std::memcpy(b.data(), &enc, 4);
  std::memcpy(b.data() + 4, &n, 4);
  for (int64_t v : values) b.append(reinterpret_cast<const char*>(&v), enc);  // little endian
  return b;
}

TEST(IntSetTest, KeepsOrderAndUpgradesEncoding) {
  IntSet s;
  EXPECT_EQ(s.encoding(), 2u);
  EXPECT_TRUE(s.Add(5));
  EXPECT_TRUE(s.Add(-3));
  EXPECT_FALSE(s.Add(5));
  EXPECT_TRUE(s.Add(100000));  // int32
  EXPECT_EQ(s.encoding(), 4u);
  EXPECT_TRUE(s.Add(-5000000000));  // int64, goes first
  EXPECT_EQ(s.encoding(), 8u);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.At(0), -5000000000);
  EXPECT_EQ(s.At(1), -3);
  EXPECT_EQ(s.At(2), 5);
  EXPECT_EQ(s.At(3), 100000);
  EXPECT_TRUE(s.Contains(100000));
  EXPECT_FALSE(s.Contains(4));
  EXPECT_TRUE(s.Remove(-3));
  EXPECT_FALSE(s.Remove(-3));
  EXPECT_EQ(s.Blob().size(), 8u + 3 * 8);
  EXPECT_EQ(s.encoding(), 8u);  // never downgraded
}

TEST(IntSetTest, LoadChecksEverythingRedisDeepSanitizationChecks) {
  IntSet s;
  EXPECT_EQ(s.Load(Blob(2, {1, 2, 300})), nullptr);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.At(2), 300);
  IntSet t;
  EXPECT_NE(t.Load(Blob(3, {1})), nullptr);                // unknown encoding
  EXPECT_NE(t.Load(Blob(2, {2, 1})), nullptr);             // out of order
  EXPECT_NE(t.Load(Blob(4, {7, 7})), nullptr);             // duplicate
  EXPECT_NE(t.Load(Blob(2, {})), nullptr);                 // empty
  EXPECT_NE(t.Load(std::string("\x02\0\0", 3)), nullptr);  // short header
  std::string lying = Blob(2, {1, 2});
  lying[4] = 3;  // says 3 values, holds 2
  EXPECT_NE(t.Load(lying), nullptr);
  EXPECT_EQ(t.size(), 0u);
}

TEST(SetTest, IntegersStayAnIntsetInAscendingOrder) {
  Set s;
  const SetLimits limits;
  for (const char* m : {"10", "-1", "3", "10", "9223372036854775807"}) s.Add(m, limits);
  EXPECT_TRUE(s.is_intset());
  EXPECT_EQ(s.EncodingName(), "intset");
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-1", "3", "10", "9223372036854775807"}));
  EXPECT_TRUE(s.Contains("3"));
  EXPECT_FALSE(s.Contains("03"));
  EXPECT_FALSE(s.Contains("abc"));
  EXPECT_FALSE(s.Erase("+3"));
  EXPECT_TRUE(s.Erase("3"));
}

TEST(SetTest, NonCanonicalIntegersAndTheLimitConvert) {
  const SetLimits limits{.max_intset_entries = 3};
  Set a;
  a.Add("1", limits);
  a.Add("01", limits);  // not canonical: a string member
  EXPECT_FALSE(a.is_intset());
  EXPECT_EQ(a.EncodingName(), "hashtable");
  EXPECT_TRUE(a.Contains("1"));
  EXPECT_TRUE(a.Contains("01"));
  Set b;
  for (int i = 0; i < 3; ++i) b.Add(std::to_string(i), limits);
  EXPECT_TRUE(b.is_intset());
  EXPECT_FALSE(b.Add("2", limits));
  EXPECT_TRUE(b.is_intset());
  b.Add("3", limits);
  EXPECT_FALSE(b.is_intset());
  EXPECT_EQ(b.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.Erase(std::to_string(i)));
  EXPECT_FALSE(b.is_intset());
}

TEST(SetTest, SamplingPropertiesInBothForms) {
  absl::BitGen gen;
  for (bool strings : {false, true}) {
    for (int size : {1, 7, 300, 5000}) {
      Set s;
      for (int i = 0; i < size; ++i) {
        s.Add(strings ? "m" + std::to_string(i) : std::to_string(i), SetLimits{});
      }
      for (size_t count : {size_t{1}, static_cast<size_t>(size / 3 + 1), static_cast<size_t>(size),
                           static_cast<size_t>(size + 5)}) {
        std::set<std::string> got;
        size_t visits = 0;
        s.SampleDistinct(gen, count, [&](std::string_view m) {
          ++visits;
          got.emplace(m);
          EXPECT_TRUE(s.Contains(m));
        });
        const size_t expected = std::min<size_t>(count, size);
        EXPECT_EQ(visits, expected);
        EXPECT_EQ(got.size(), expected);
      }
      std::set<std::string> seen;
      for (int i = 0; i < size * 30; ++i)
        s.Random(gen, [&](std::string_view m) { seen.emplace(m); });
      EXPECT_EQ(seen.size(), static_cast<size_t>(size));
    }
  }
}

TEST(SetTest, CloneIsDeepAndLoadIntsetValidates) {
  Set s;
  EXPECT_EQ(s.LoadIntset(Blob(8, {-7, 1, 1LL << 40})), nullptr);
  EXPECT_EQ(Members(s), (std::vector<std::string>{"-7", "1", "1099511627776"}));
  auto copy = s.Clone();
  s.Add("x", SetLimits{});
  EXPECT_EQ(Members(static_cast<const Set&>(*copy)).size(), 3u);
  EXPECT_NE(s.LoadIntset(Blob(2, {1})), nullptr);  // not empty any more
  Set t;
  EXPECT_NE(t.LoadIntset(Blob(2, {3, 3})), nullptr);
  EXPECT_TRUE(t.empty());
}

}  // namespace
}  // namespace rill::ds
