// Sorted sets in RDB files: round trips in both forms, Redis 7.0's bytes, the older encodings,
// the form chosen after a load, and corrupt payloads refused.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "datastructs/keyspace.h"
#include "datastructs/zset.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::DescribeDb;
using testing::Hex;
using testing::RawRdb;

std::string Save(const Dbs& dbs) {
  StringSink sink;
  std::string error;
  auto ptrs = dbs.const_ptrs();
  EXPECT_TRUE(WriteRdb(ptrs, RdbSaveOptions{}, &sink, &error)) << error;
  return sink.Take();
}

std::string LoadError(const std::string& file, RdbLoadOptions options = {}) {
  Dbs dbs;
  std::string error;
  EXPECT_FALSE(testing::Load(file, &dbs, &error, options));
  return error;
}

const ds::ZSet* ZSetAt(Dbs& dbs, std::string_view key) {
  const ds::Entry* e = dbs[0].Find(key, 0, false);
  if (e == nullptr || e->type() != ds::ValueType::kZSet) return nullptr;
  return static_cast<const ds::ZSet*>(e->object());
}

void PutZSet(ds::Database& db, std::string_view key, std::unique_ptr<ds::ZSet> z) {
  db.SetObject(key, std::move(z), ds::TtlMode::kClear, ds::kNoExpire);
}

TEST(RdbZSet, RoundTripsBothForms) {
  Dbs dbs;
  ds::ZSetLimits limits;
  const double inf = std::numeric_limits<double>::infinity();
  auto small = std::make_unique<ds::ZSet>(6, 8, limits);
  small->Set("a", 1, limits);
  small->Set("b", 2.5, limits);
  small->Set("c", -inf, limits);
  small->Set("d", inf, limits);
  small->Set("12345", 100000, limits);
  small->Set("e", 1e17, limits);
  PutZSet(dbs[0], "small", std::move(small));
  auto big = std::make_unique<ds::ZSet>(1000, 8, limits);
  for (int i = 0; i < 1000; ++i) big->Set("member:" + std::to_string(i), (i % 37) * 0.25, limits);
  big->Set("negzero", -0.0, limits);
  PutZSet(dbs[0], "big", std::move(big));
  auto longm = std::make_unique<ds::ZSet>(1, 100, limits);
  longm->Set(std::string(100, 'x'), 3, limits);
  PutZSet(dbs[0], "long", std::move(longm));

  const std::string file = Save(dbs);
  Dbs loaded;
  std::string error;
  ASSERT_TRUE(testing::Load(file, &loaded, &error)) << error;
  EXPECT_EQ(DescribeDb(loaded[0]), DescribeDb(dbs[0]));
  EXPECT_EQ(ZSetAt(loaded, "small")->EncodingName(), "listpack");
  EXPECT_EQ(ZSetAt(loaded, "big")->EncodingName(), "skiplist");
  EXPECT_EQ(ZSetAt(loaded, "long")->EncodingName(), "skiplist");
  double s;
  ASSERT_TRUE(ZSetAt(loaded, "big")->Score("negzero", &s));
  EXPECT_TRUE(std::signbit(s));
  // The loaded copy saves the same records (the keys may come in another order).
  EXPECT_EQ(Save(loaded).size(), file.size());
}

TEST(RdbZSet, ListpackBytesMatchRedis) {
  // redis-server 7.0.15: ZADD z 1 a 2.5 b -0 c inf d 100000 12345, then DUMP z (value part).
  Dbs dbs;
  ds::ZSetLimits limits;
  auto z = std::make_unique<ds::ZSet>(5, 5, limits);
  z->Set("a", 1, limits);
  z->Set("b", 2.5, limits);
  z->Set("c", -0.0, limits);
  z->Set("d", std::numeric_limits<double>::infinity(), limits);
  z->Set("12345", 100000, limits);
  PutZSet(dbs[0], "z", std::move(z));
  const std::string file = Save(dbs);
  const std::string record = Hex(
      "11 01 7a 2a 2a0000000a008163020001816102010181620283322e3504f1393003f2a086010481640283696e"
      "6604ff");
  EXPECT_NE(file.find(record), std::string::npos);
}

TEST(RdbZSet, LoadsTheOldTextScoreForm) {
  RawRdb f;
  f.SelectDb(0).Byte(rdb::kTypeZset).Str("z").Len(4);
  f.Str("a").Byte(3).Raw("1.5");
  f.Str("b").Byte(254);  // inf
  f.Str("c").Byte(255);  // -inf
  f.Str("d").Byte(2).Raw("-2");
  Dbs dbs;
  std::string error;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error)) << error;
  std::vector<std::string> order;
  ZSetAt(dbs, "z")->ForEach([&](double, std::string_view m) { order.emplace_back(m); });
  EXPECT_EQ(order, (std::vector<std::string>{"c", "d", "a", "b"}));
  EXPECT_EQ(ZSetAt(dbs, "z")->EncodingName(), "listpack");
}

TEST(RdbZSet, LoadsAZiplist) {
  // [zlbytes 21][zltail 18][zllen 4] "a" 1 "b" 2 [end]: strings 00xxxxxx, immediates 0xf1 + v.
  const std::string zl = Hex("15000000 12000000 0400 000161 03f2 020162 03f3 ff");
  RawRdb f;
  f.SelectDb(0).Byte(rdb::kTypeZsetZiplist).Str("z").Str(zl);
  Dbs dbs;
  std::string error;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error)) << error;
  double s;
  ASSERT_TRUE(ZSetAt(dbs, "z")->Score("b", &s));
  EXPECT_EQ(s, 2);
  EXPECT_EQ(ZSetAt(dbs, "z")->size(), 2u);
}

TEST(RdbZSet, FormAfterLoadFollowsTheLimits) {
  Dbs dbs;
  ds::ZSetLimits limits;
  auto z = std::make_unique<ds::ZSet>(200, 1, limits);
  for (int i = 0; i < 10; ++i) z->Set("m" + std::to_string(i), i, limits);
  ASSERT_FALSE(z->packed());  // big because of the hint, only 10 members
  PutZSet(dbs[0], "z", std::move(z));
  const std::string file = Save(dbs);
  Dbs loaded;
  std::string error;
  ASSERT_TRUE(testing::Load(file, &loaded, &error)) << error;
  EXPECT_EQ(ZSetAt(loaded, "z")->EncodingName(), "listpack");  // as Redis converts after loading
  RdbLoadOptions tight;
  tight.zset_limits.max_packed_entries = 5;
  Dbs loaded2;
  ASSERT_TRUE(testing::Load(file, &loaded2, &error, tight)) << error;
  EXPECT_EQ(ZSetAt(loaded2, "z")->EncodingName(), "skiplist");
}

TEST(RdbZSet, CorruptPayloadsAreRefused) {
  auto zset2 = [](double score_a, std::string_view b) {
    RawRdb f;
    f.SelectDb(0).Byte(rdb::kTypeZset2).Str("z").Len(2);
    uint64_t bits;
    std::memcpy(&bits, &score_a, 8);
    f.Str("a").LittleEndian(bits, 8);
    f.Str(b).LittleEndian(0, 8);
    return f.Finish();
  };
  EXPECT_NE(LoadError(zset2(std::numeric_limits<double>::quiet_NaN(), "b")).find("NaN"),
            std::string::npos);
  EXPECT_NE(LoadError(zset2(1, "a")).find("duplicate sorted set member 'a'"), std::string::npos);
  // A count the file cannot hold.
  EXPECT_NE(LoadError(RawRdb().SelectDb(0).Byte(rdb::kTypeZset2).Str("z").Len(1000).Finish())
                .find("truncated"),
            std::string::npos);
  // Text scores: NaN marker and garbage.
  EXPECT_NE(
      LoadError(
          RawRdb().SelectDb(0).Byte(rdb::kTypeZset).Str("z").Len(1).Str("a").Byte(253).Finish())
          .find("NaN"),
      std::string::npos);
  EXPECT_NE(LoadError(RawRdb()
                          .SelectDb(0)
                          .Byte(rdb::kTypeZset)
                          .Str("z")
                          .Len(1)
                          .Str("a")
                          .Byte(3)
                          .Raw("1x2")
                          .Finish())
                .find("not a number"),
            std::string::npos);
  // Listpacks: out of order, odd count, duplicate member, a score that is not a number.
  auto listpack = [](std::string_view body_hex, int count) {
    std::string body = Hex(body_hex);
    std::string lp(6, '\0');
    const uint32_t total = static_cast<uint32_t>(6 + body.size() + 1);
    std::memcpy(lp.data(), &total, 4);
    const uint16_t n = static_cast<uint16_t>(count);
    std::memcpy(lp.data() + 4, &n, 2);
    lp += body;
    lp.push_back(static_cast<char>(0xff));
    RawRdb f;
    f.SelectDb(0).Byte(rdb::kTypeZsetListpack).Str("z").Str(lp);
    return f.Finish();
  };
  // "b" 2, "a" 1: out of order.
  EXPECT_NE(LoadError(listpack("816202 0201 816102 0101", 4)).find("out of (score, member) order"),
            std::string::npos);
  EXPECT_NE(LoadError(listpack("816102 0101 816202", 3)).find("without its score"),
            std::string::npos);
  EXPECT_NE(LoadError(listpack("816102 0101 816102 0201", 4)).find("duplicate member 'a'"),
            std::string::npos);
  EXPECT_NE(LoadError(listpack("816102 81 78 02", 2)).find("not a number"), std::string::npos);
  // A listpack that is an integer.
  EXPECT_NE(
      LoadError(
          RawRdb().SelectDb(0).Byte(rdb::kTypeZsetListpack).Str("z").Byte(0xc0).Byte(5).Finish())
          .find("integer"),
      std::string::npos);
}

TEST(RdbZSet, EmptySetsAreSkipped) {
  RawRdb f;
  f.SelectDb(0).Byte(rdb::kTypeZset2).Str("z").Len(0);
  Dbs dbs;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error, {}, &info)) << error;
  EXPECT_EQ(dbs[0].size(), 0u);
  EXPECT_EQ(info.empty_keys_skipped, 1u);
}

}  // namespace
}  // namespace rill::persistence
