// Hashes and sets in every RDB encoding Redis 7.0 writes or loads, built byte by byte: the form
// each takes under the limits, and payloads Redis's deep sanitization refuses.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "datastructs/hash.h"
#include "datastructs/set.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::Listpack;
using testing::RawRdb;
using testing::Ziplist;

struct Loaded {
  bool ok = false;
  std::string error;
  Dbs dbs;
  RdbLoadInfo info;
};

std::unique_ptr<Loaded> LoadFile(const std::string& file, RdbLoadOptions options = {}) {
  auto l = std::make_unique<Loaded>();
  l->ok = testing::Load(file, &l->dbs, &l->error, options, &l->info);
  return l;
}

const ds::Hash* HashAt(Loaded& l, std::string_view key) {
  const ds::Entry* e = l.dbs[0].Peek(key);
  if (e == nullptr || e->type() != ds::ValueType::kHash) return nullptr;
  return static_cast<const ds::Hash*>(e->object());
}

const ds::Set* SetAt(Loaded& l, std::string_view key) {
  const ds::Entry* e = l.dbs[0].Peek(key);
  if (e == nullptr || e->type() != ds::ValueType::kSet) return nullptr;
  return static_cast<const ds::Set*>(e->object());
}

std::map<std::string, std::string> Fields(const ds::Hash* h) {
  std::map<std::string, std::string> out;
  if (h == nullptr) return {{"<missing>", ""}};
  h->ForEach([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
  return out;
}

std::set<std::string> Members(const ds::Set* s) {
  std::set<std::string> out;
  if (s == nullptr) return {"<missing>"};
  s->ForEach([&](std::string_view m) { out.emplace(m); });
  return out;
}

// A 2.x zipmap: [count][len field len free value free-bytes]... 0xff.
std::string Zipmap(std::vector<std::pair<std::string, std::string>> pairs, int count = -1,
                   int free = 0) {
  std::string z(1, static_cast<char>(count >= 0 ? count : static_cast<int>(pairs.size())));
  for (auto& [f, v] : pairs) {
    z.push_back(static_cast<char>(f.size()));
    z += f;
    z.push_back(static_cast<char>(v.size()));
    z.push_back(static_cast<char>(free));
    z += v;
    z.append(free, 'X');
  }
  z.push_back(static_cast<char>(0xff));
  return z;
}

std::string IntsetBlob(uint32_t enc, std::vector<int64_t> values) {
  std::string b(8, '\0');
  const auto n = static_cast<uint32_t>(values.size());
  std::memcpy(b.data(), &enc, 4);
  std::memcpy(b.data() + 4, &n, 4);
  for (int64_t v : values) b.append(reinterpret_cast<const char*>(&v), enc);
  return b;
}

TEST(RdbHashSet, EveryHashEncodingLoads) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeHash).Str("plain").Len(2).Str("a").Str("1").Str("b").Str("two");
  f.Byte(rdb::kTypeHashListpack).Str("lp").Str(Listpack({"f", "v", "12", "-3"}));
  f.Byte(rdb::kTypeHashZiplist).Str("zl").Str(Ziplist({"x", "7", "yy", "zzz"}));
  f.Byte(rdb::kTypeHashZipmap).Str("zm").Str(Zipmap({{"k1", "v1"}, {"k2", ""}}, -1, 2));
  auto l = LoadFile(f.Finish());
  ASSERT_TRUE(l->ok) << l->error;
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(Fields(HashAt(*l, "plain")), (M{{"a", "1"}, {"b", "two"}}));
  EXPECT_EQ(Fields(HashAt(*l, "lp")), (M{{"f", "v"}, {"12", "-3"}}));
  EXPECT_EQ(Fields(HashAt(*l, "zl")), (M{{"x", "7"}, {"yy", "zzz"}}));
  EXPECT_EQ(Fields(HashAt(*l, "zm")), (M{{"k1", "v1"}, {"k2", ""}}));
  for (const char* k : {"plain", "lp", "zl", "zm"}) {
    EXPECT_EQ(HashAt(*l, k)->EncodingName(), "listpack") << k;
  }
  EXPECT_EQ(l->info.keys_loaded, 4u);
}

TEST(RdbHashSet, HashesTakeTheFormTheLimitsGive) {
  RdbLoadOptions options;
  options.hash_limits = {.max_listpack_entries = 2, .max_listpack_value = 4};
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeHash).Str("many").Len(3).Str("a").Str("1").Str("b").Str("2").Str("c").Str("3");
  f.Byte(rdb::kTypeHash).Str("long").Len(1).Str("a").Str("12345");
  f.Byte(rdb::kTypeHashListpack).Str("lp-many").Str(Listpack({"a", "1", "b", "2", "c", "3"}));
  f.Byte(rdb::kTypeHashListpack).Str("lp-long").Str(Listpack({"abcde", "1"}));
  f.Byte(rdb::kTypeHashZipmap).Str("zm-long").Str(Zipmap({{"k", "value"}}));
  f.Byte(rdb::kTypeHashListpack).Str("fits").Str(Listpack({"abcd", "1234", "b", "2"}));
  auto l = LoadFile(f.Finish(), options);
  ASSERT_TRUE(l->ok) << l->error;
  for (const char* k : {"many", "long", "lp-many", "lp-long", "zm-long"}) {
    ASSERT_NE(HashAt(*l, k), nullptr) << k;
    EXPECT_EQ(HashAt(*l, k)->EncodingName(), "hashtable") << k;
  }
  EXPECT_EQ(HashAt(*l, "fits")->EncodingName(), "listpack");
  EXPECT_EQ(Fields(HashAt(*l, "lp-many")).size(), 3u);
}

TEST(RdbHashSet, EverySetEncodingLoads) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeSet).Str("ints").Len(3).Str("3").Str("-1").Str("200000");
  f.Byte(rdb::kTypeSet).Str("strs").Len(2).Str("a").Str("7");
  f.Byte(rdb::kTypeSetIntset).Str("is").Str(IntsetBlob(4, {-5, 70000}));
  f.Byte(rdb::kTypeSetListpack).Str("lp").Str(Listpack({"x", "1"}));
  f.Byte(rdb::kTypeSetListpack).Str("lp-ints").Str(Listpack({"5", "1"}));
  auto l = LoadFile(RawRdb(11).Raw(f.bytes().substr(9)).Finish());
  ASSERT_TRUE(l->ok) << l->error;
  using S = std::set<std::string>;
  EXPECT_EQ(Members(SetAt(*l, "ints")), (S{"3", "-1", "200000"}));
  EXPECT_EQ(SetAt(*l, "ints")->EncodingName(), "intset");
  EXPECT_EQ(Members(SetAt(*l, "strs")), (S{"a", "7"}));
  EXPECT_EQ(SetAt(*l, "strs")->EncodingName(), "hashtable");
  EXPECT_EQ(Members(SetAt(*l, "is")), (S{"-5", "70000"}));
  EXPECT_EQ(SetAt(*l, "is")->EncodingName(), "intset");
  EXPECT_EQ(Members(SetAt(*l, "lp")), (S{"x", "1"}));
  EXPECT_EQ(Members(SetAt(*l, "lp-ints")), (S{"1", "5"}));
  EXPECT_EQ(SetAt(*l, "lp-ints")->EncodingName(), "intset");
}

TEST(RdbHashSet, SetsTakeTheFormTheLimitsGive) {
  RdbLoadOptions options;
  options.set_limits.max_intset_entries = 2;
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeSet).Str("many-ints").Len(3).Str("1").Str("2").Str("3");
  f.Byte(rdb::kTypeSetIntset).Str("big-intset").Str(IntsetBlob(2, {1, 2, 3}));
  f.Byte(rdb::kTypeSetIntset).Str("small-intset").Str(IntsetBlob(2, {1, 2}));
  auto l = LoadFile(f.Finish(), options);
  ASSERT_TRUE(l->ok) << l->error;
  EXPECT_EQ(SetAt(*l, "many-ints")->EncodingName(), "hashtable");
  EXPECT_EQ(SetAt(*l, "big-intset")->EncodingName(), "hashtable");
  EXPECT_EQ(Members(SetAt(*l, "big-intset")), (std::set<std::string>{"1", "2", "3"}));
  EXPECT_EQ(SetAt(*l, "small-intset")->EncodingName(), "intset");
}

TEST(RdbHashSet, EmptyHashesAndSetsAreSkipped) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeHash).Str("h").Len(0);
  f.Byte(rdb::kTypeSet).Str("s").Len(0);
  f.Byte(rdb::kTypeHashListpack).Str("lp").Str(Listpack({}));
  f.Byte(0).Str("k").Str("v");
  auto l = LoadFile(f.Finish());
  ASSERT_TRUE(l->ok) << l->error;
  EXPECT_EQ(l->dbs[0].size(), 1u);
  EXPECT_EQ(l->info.empty_keys_skipped, 3u);
}

std::string ErrorOf(uint8_t type, const std::string& payload, bool is_blob = true) {
  RawRdb f;
  f.SelectDb(0).Byte(type).Str("key");
  if (is_blob) {
    f.Str(payload);
  } else {
    f.Raw(payload);
  }
  auto l = LoadFile(f.Finish());
  return l->ok ? "<loaded>" : l->error;
}

TEST(RdbHashSet, CorruptPayloadsAreRefusedWithAReason) {
  auto refused = [](const std::string& error, std::string_view why) {
    return error.find(why) != std::string::npos ? ::testing::AssertionSuccess()
                                                : ::testing::AssertionFailure() << error;
  };
  // Duplicate fields and members, in every encoding.
  RawRdb dup;
  dup.Len(2).Str("a").Str("1").Str("a").Str("2");
  EXPECT_TRUE(
      refused(ErrorOf(rdb::kTypeHash, dup.bytes().substr(9), false), "duplicate hash field 'a'"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashListpack, Listpack({"a", "1", "a", "2"})),
                      "duplicate hash field 'a'"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZiplist, Ziplist({"a", "1", "a", "2"})),
                      "duplicate hash field 'a'"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZipmap, Zipmap({{"a", "1"}, {"a", "2"}})),
                      "duplicate hash field 'a'"));
  RawRdb dup_members;
  dup_members.Len(2).Str("7").Str("7");
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSet, dup_members.bytes().substr(9), false),
                      "duplicate set member '7'"));
  EXPECT_TRUE(
      refused(ErrorOf(rdb::kTypeSetListpack, Listpack({"x", "x"})), "duplicate set member 'x'"));
  // Hash listpacks hold pairs.
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashListpack, Listpack({"a", "1", "b"})),
                      "odd number of elements"));
  // A listpack whose header lies about its count or size.
  std::string lp = Listpack({"a", "1", "b", "2"});
  std::string wrong_count = lp;
  wrong_count[4] = 6;
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashListpack, wrong_count), "bad hash payload"));
  std::string wrong_size = lp;
  wrong_size[0] = static_cast<char>(wrong_size[0] + 1);
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashListpack, wrong_size), "bad hash payload"));
  // Intsets: order, duplicates, encoding, length, emptiness.
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, IntsetBlob(2, {2, 1})), "bad intset"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, IntsetBlob(8, {5, 5})), "bad intset"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, IntsetBlob(3, {1})), "bad intset"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, IntsetBlob(2, {})), "bad intset"));
  std::string short_intset = IntsetBlob(4, {1, 2});
  short_intset.pop_back();
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, short_intset), "bad intset"));
  // Zipmaps: entries past the end, a wrong count, no entries.
  std::string zm = Zipmap({{"k", "v"}});
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZipmap, Zipmap({{"k", "v"}}, 3)), "zipmap count"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZipmap, Zipmap({})), "empty zipmap"));
  std::string long_field = zm;
  long_field[1] = 100;
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZipmap, long_field), "runs past the end"));
  std::string big_free = zm;
  big_free[4] = 100;
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashZipmap, big_free), "runs past the end"));
  // Payloads stored as integers.
  RawRdb as_int;
  as_int.Byte(0xc0).Byte(5);
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeHashListpack, as_int.bytes().substr(9), false),
                      "stored as an integer"));
  EXPECT_TRUE(refused(ErrorOf(rdb::kTypeSetIntset, as_int.bytes().substr(9), false),
                      "stored as an integer"));
}

// What Redis 7.0 writes for these values (checked against redis-server's own dump in
// tests/integration/rdb_interchange_test.cc; here the record layout).
TEST(RdbHashSet, WriterPicksRedisTypesByEncoding) {
  Dbs dbs;
  auto small = std::make_unique<ds::Hash>();
  small->Set("f", "1", ds::HashLimits{});
  dbs[0].SetObject("h", std::move(small));
  auto ints = std::make_unique<ds::Set>();
  ints->Add("5", ds::SetLimits{});
  ints->Add("-1", ds::SetLimits{});
  dbs[0].SetObject("s", std::move(ints));
  StringSink sink;
  std::string error;
  auto ptrs = dbs.const_ptrs();
  RdbSaveOptions options;
  ASSERT_TRUE(WriteRdb(ptrs, options, &sink, &error)) << error;
  const std::string file = sink.Take();
  // HASH_LISTPACK "h" with the listpack [f, 1]; SET_INTSET "s" with the int16 intset [-1, 5].
  std::string hash_record = std::string(1, static_cast<char>(rdb::kTypeHashListpack)) + "\x01h" +
                            std::string(1, static_cast<char>(Listpack({"f", "1"}).size())) +
                            Listpack({"f", "1"});
  std::string set_record = std::string(1, static_cast<char>(rdb::kTypeSetIntset)) + "\x01s" +
                           std::string(1, 12) + IntsetBlob(2, {-1, 5});
  EXPECT_NE(file.find(hash_record), std::string::npos);
  EXPECT_NE(file.find(set_record), std::string::npos);
}

}  // namespace
}  // namespace rill::persistence
