// Encodings only the loader knows (older Redis versions, 7.2), built byte by byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/number_parse.h"
#include "persistence/listpack.h"
#include "persistence/lzf_codec.h"
#include "persistence/rdb_format.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::Hex;
using testing::Listpack;
using testing::RawRdb;
using testing::Ziplist;

std::vector<std::string> ListOf(Dbs& dbs, std::string_view key, int db = 0) {
  std::vector<std::string> out;
  const ds::Entry* e = dbs[db].Peek(key);
  if (e == nullptr || e->type() != ds::ValueType::kList) return {"<not a list>"};
  static_cast<const ds::List*>(e->object())->ForEach([&](std::string_view v) {
    out.emplace_back(v);
  });
  return out;
}

std::string StringOf(Dbs& dbs, std::string_view key, int db = 0) {
  const ds::Entry* e = dbs[db].Peek(key);
  if (e == nullptr) return "<missing>";
  char scratch[24];
  return std::string(e->StringView(scratch));
}

TEST(RdbLoad, StringEncodings) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(0).Str("raw").Str("bytes");
  f.Byte(0).Str("i8").Raw(Hex("c0f9"));         // -7
  f.Byte(0).Str("i16").Raw(Hex("c12c01"));      // 300
  f.Byte(0).Str("i32").Raw(Hex("c200943577"));  // 2000000000
  std::string text(3000, 'q');
  auto packed = LzfCompress(text);
  ASSERT_TRUE(packed.has_value());
  f.Byte(0).Str("lzf").Byte(0xc3).Len(packed->size()).Len(text.size()).Raw(*packed);
  f.Byte(0).Raw(Hex("c07b")).Str("key is 123");  // an integer-encoded key
  Dbs dbs;
  std::string error;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error)) << error;
  EXPECT_EQ(StringOf(dbs, "raw"), "bytes");
  EXPECT_EQ(StringOf(dbs, "i8"), "-7");
  EXPECT_EQ(StringOf(dbs, "i16"), "300");
  EXPECT_EQ(StringOf(dbs, "i32"), "2000000000");
  EXPECT_TRUE(dbs[0].Peek("i32")->is_int());
  EXPECT_EQ(StringOf(dbs, "lzf"), text);
  EXPECT_EQ(StringOf(dbs, "123"), "key is 123");
}

TEST(RdbLoad, AllListEncodings) {
  RawRdb f;
  f.SelectDb(0);
  // LIST: a linked list of strings (one integer-encoded).
  f.Byte(rdb::kTypeList).Str("linked").Len(3).Str("a").Raw(Hex("c00c")).Str("c");
  // ZIPLIST: one ziplist.
  f.Byte(rdb::kTypeListZiplist).Str("zl").Str(Ziplist({"x", "7", "-100", "yz"}));
  // QUICKLIST: ziplist nodes, one of them empty (skipped silently, as Redis).
  f.Byte(rdb::kTypeListQuicklist)
      .Str("ql")
      .Len(3)
      .Str(Ziplist({"1", "2"}))
      .Str(Ziplist({}))
      .Str(Ziplist({"three"}));
  // QUICKLIST_2: a packed node, a plain node, an LZF-compressed packed node.
  std::string lp = Listpack({"p1", "p2", "3"});
  std::string big_lp = Listpack({std::string(100, 'r'), std::string(100, 'r')});
  auto packed = LzfCompress(big_lp);
  ASSERT_TRUE(packed.has_value());
  f.Byte(rdb::kTypeListQuicklist2)
      .Str("ql2")
      .Len(3)
      .Len(rdb::kContainerPacked)
      .Str(lp)
      .Len(rdb::kContainerPlain)
      .Str("a plain element")
      .Len(rdb::kContainerPacked)
      .Byte(0xc3)
      .Len(packed->size())
      .Len(big_lp.size())
      .Raw(*packed);
  // An empty quicklist: the key is skipped.
  f.Byte(rdb::kTypeListQuicklist2).Str("empty").Len(0);
  Dbs dbs;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error, {}, &info)) << error;
  EXPECT_EQ(ListOf(dbs, "linked"), (std::vector<std::string>{"a", "12", "c"}));
  EXPECT_EQ(ListOf(dbs, "zl"), (std::vector<std::string>{"x", "7", "-100", "yz"}));
  EXPECT_EQ(ListOf(dbs, "ql"), (std::vector<std::string>{"1", "2", "three"}));
  EXPECT_EQ(ListOf(dbs, "ql2"),
            (std::vector<std::string>{"p1", "p2", "3", "a plain element", std::string(100, 'r'),
                                      std::string(100, 'r')}));
  EXPECT_EQ(dbs[0].Peek("empty"), nullptr);
  EXPECT_EQ(info.empty_keys_skipped, 1u);
  EXPECT_EQ(info.keys_loaded, 4u);
}

// The listpack of one stream node with the given entries (all with fields f1..fn).
struct NodeEntry {
  uint64_t ms, seq;
  std::vector<std::string> values;  // for fields "a", "b", ...
  bool deleted = false;
  bool same_fields = true;
};

std::string StreamNode(uint64_t master_ms, uint64_t master_seq,
                       const std::vector<std::string>& master_fields,
                       const std::vector<NodeEntry>& entries) {
  std::string buf;
  ListpackBuilder lp(&buf);
  int64_t live = 0, dead = 0;
  for (const NodeEntry& e : entries) (e.deleted ? dead : live)++;
  lp.AppendInteger(live);
  lp.AppendInteger(dead);
  lp.AppendInteger(static_cast<int64_t>(master_fields.size()));
  for (const std::string& f : master_fields) lp.AppendString(f);
  lp.AppendInteger(0);
  for (const NodeEntry& e : entries) {
    lp.AppendInteger((e.deleted ? 1 : 0) | (e.same_fields ? 2 : 0));
    lp.AppendInteger(static_cast<int64_t>(e.ms - master_ms));
    lp.AppendInteger(static_cast<int64_t>(e.seq - master_seq));
    const int64_t n = static_cast<int64_t>(e.values.size());
    if (!e.same_fields) lp.AppendInteger(n);
    for (size_t i = 0; i < e.values.size(); ++i) {
      if (!e.same_fields) lp.AppendString(std::string(1, static_cast<char>('a' + i)));
      lp.AppendString(e.values[i]);
    }
    lp.AppendInteger(e.same_fields ? 3 + n : 4 + 2 * n);
  }
  return std::string(lp.Finish());
}

TEST(RdbLoad, StreamListpacksVersion1EstimatesCounters) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kTypeStreamListpacks).Str("s").Len(1);
  f.Len(16).Id(5, 0).Str(StreamNode(
      5, 0, {"a"}, {{5, 0, {"x"}}, {5, 1, {"y"}, true}, {6, 0, {"1", "2"}, false, false}}));
  f.Len(2).Len(6).Len(0);  // length, last id
  // One group at 5-0 (entries_read is estimated), PEL 6-0 owned by consumer "c".
  f.Len(1).Str("g").Len(5).Len(0);
  f.Len(1).Id(6, 0).LittleEndian(1234, 8).Len(2);
  f.Len(1).Str("c").LittleEndian(999, 8).Len(1).Id(6, 0);
  Dbs dbs;
  std::string error;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error)) << error;
  const auto* s = static_cast<const ds::Stream*>(dbs[0].Peek("s")->object());
  EXPECT_EQ(testing::DescribeStream(*s),
            "len=2 last=6-0 first=5-0 maxdel=0-0 added=2\n"
            "5-0: a=x\n"
            "6-0: a=1 b=2\n"
            "group g last=5-0 read=1\n"
            "  pel 6-0 t=1234 n=2 c=c\n"
            "  consumer c seen=999 owns=6-0,\n");
  EXPECT_EQ(s->num_blocks(), 1u);
  s->ForEachBlock([](const ds::StreamBlock& b) { EXPECT_EQ(b.deleted(), 1u); });
}

TEST(RdbLoad, StreamListpacksVersion3WithActiveTime) {
  RawRdb f(11);
  f.SelectDb(0);
  f.Byte(rdb::kTypeStreamListpacks3).Str("s").Len(1);
  f.Len(16).Id(1, 1).Str(StreamNode(1, 1, {"f"}, {{1, 1, {"v"}}, {1, 2, {"w"}}}));
  f.Len(2).Len(1).Len(2);                  // length, last id
  f.Len(1).Len(1).Len(0).Len(0).Len(2);    // first id, max deleted, entries added
  f.Len(1).Str("g").Len(1).Len(1).Len(1);  // group g at 1-1, entries read 1
  f.Len(1).Id(1, 1).LittleEndian(777, 8).Len(1);
  f.Len(1).Str("c1").LittleEndian(888, 8).LittleEndian(889, 8).Len(1).Id(1, 1);
  Dbs dbs;
  std::string error;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error)) << error;
  const auto* s = static_cast<const ds::Stream*>(dbs[0].Peek("s")->object());
  EXPECT_EQ(testing::DescribeStream(*s),
            "len=2 last=1-2 first=1-1 maxdel=0-0 added=2\n"
            "1-1: f=v\n"
            "1-2: f=w\n"
            "group g last=1-1 read=1\n"
            "  pel 1-1 t=777 n=1 c=c1\n"
            "  consumer c1 seen=888 owns=1-1,\n");
}

// Without an access clock in the options the IDLE and FREQ records are read and dropped
// (rdb_access_hint_test.cc has them applied).
TEST(RdbLoad, ExpiryOpcodesAndIgnoredHints) {
  RawRdb f(9);
  f.Byte(rdb::kOpAux).Str("redis-ver").Str("6.2.6");
  f.Byte(rdb::kOpAux).Str("lua").Str("return 1");
  f.SelectDb(2).Byte(rdb::kOpResizeDb).Len(3).Len(2);
  f.Byte(rdb::kOpExpireTime)
      .LittleEndian(2000000000, 4)  // signed 32-bit seconds
      .Byte(0)
      .Str("sec")
      .Str("1");
  f.Byte(rdb::kOpExpireTimeMs).LittleEndian(4102444800123, 8);
  f.Byte(rdb::kOpIdle).Len(100).Byte(0).Str("ms").Str("2");
  f.Byte(rdb::kOpFreq).Byte(5).Byte(0).Str("none").Str("3");
  Dbs dbs;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(f.Finish(), &dbs, &error, {}, &info)) << error;
  EXPECT_EQ(info.version, 9);
  ASSERT_EQ(info.aux.size(), 2u);
  EXPECT_EQ(info.aux[0], (std::pair<std::string, std::string>("redis-ver", "6.2.6")));
  ASSERT_NE(dbs[2].Peek("sec"), nullptr);
  ASSERT_NE(dbs[2].Peek("ms"), nullptr);
  ASSERT_NE(dbs[2].Peek("none"), nullptr);
  EXPECT_EQ(dbs[2].Peek("sec")->expire_ms(), 2000000000000);
  EXPECT_EQ(dbs[2].Peek("ms")->expire_ms(), 4102444800123);
  EXPECT_EQ(dbs[2].Peek("none")->expire_ms(), ds::kNoExpire);
  EXPECT_EQ(dbs[2].volatile_size(), 2u);
}

TEST(RdbLoad, StopsAtTheTrailerAndReportsItsSize) {
  RawRdb f;
  f.SelectDb(0).Byte(0).Str("k").Str("v");
  const std::string rdb = f.Finish();
  const std::string with_tail = rdb + "*1\r\n$4\r\nPING\r\n";  // an AOF after its preamble
  Dbs dbs;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(with_tail, &dbs, &error, {}, &info)) << error;
  EXPECT_EQ(info.bytes_consumed, rdb.size());
}

TEST(RdbLoad, DuplicateKeysFailUnlessMerging) {
  RawRdb f;
  f.SelectDb(0).Byte(0).Str("k").Str("first").Byte(0).Str("k").Str("second");
  const std::string file = f.Finish();
  Dbs dbs;
  std::string error;
  EXPECT_FALSE(testing::Load(file, &dbs, &error));
  EXPECT_NE(error.find("duplicate key 'k'"), std::string::npos) << error;
  RdbLoadOptions merge;
  merge.allow_duplicates = true;
  Dbs merged;
  ASSERT_TRUE(testing::Load(file, &merged, &error, merge)) << error;
  EXPECT_EQ(StringOf(merged, "k"), "second");
}

}  // namespace
}  // namespace rill::persistence
