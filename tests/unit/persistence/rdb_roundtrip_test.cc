// RdbWriter → LoadRdb round trips, and the writer's bytes against what redis-server 7.0 wrote.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/stream.h"
#include "persistence/crc64.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::AddEntries;
using testing::Dbs;
using testing::DescribeDb;
using testing::FillEverything;
using testing::Hex;
using testing::ToHex;

std::string Save(const Dbs& dbs, RdbSaveOptions options = {}) {
  StringSink sink;
  std::string error;
  auto ptrs = dbs.const_ptrs();
  EXPECT_TRUE(WriteRdb(ptrs, options, &sink, &error)) << error;
  return sink.Take();
}

TEST(RdbRoundTrip, EveryTypeAndEncoding) {
  Dbs dbs;
  FillEverything(dbs);
  for (bool compression : {true, false}) {
    RdbSaveOptions options;
    options.compression = compression;
    const std::string file = Save(dbs, options);
    Dbs back;
    std::string error;
    RdbLoadInfo info;
    ASSERT_TRUE(testing::Load(file, &back, &error, {}, &info)) << error;
    EXPECT_TRUE(info.checksum_verified);
    EXPECT_EQ(info.bytes_consumed, file.size());
    EXPECT_EQ(info.version, 10);
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(DescribeDb(back[i]), DescribeDb(dbs[i]))
          << "db " << i << " compression " << compression;
      EXPECT_EQ(back[i].volatile_size(), dbs[i].volatile_size());
    }
    EXPECT_EQ(info.keys_loaded, dbs[0].size() + dbs[3].size() + dbs[15].size());
  }
}

TEST(RdbRoundTrip, CompressionShrinksCompressibleStringsOnly) {
  Dbs dbs;
  dbs[0].SetString("k", std::string(10000, 'a'));
  RdbSaveOptions on, off;
  off.compression = false;
  const std::string packed = Save(dbs, on), plain = Save(dbs, off);
  EXPECT_LT(packed.size() + 9000, plain.size());
  // The LZF marker follows the key: 00 01 6b c3.
  EXPECT_NE(packed.find(Hex("00016bc3")), std::string::npos);
  EXPECT_EQ(plain.find(Hex("00016bc3")), std::string::npos);
  // 20 bytes: never tried (Redis's threshold), even when compressible.
  Dbs short_dbs;
  short_dbs[0].SetString("k", std::string(20, 'a'));
  EXPECT_NE(Save(short_dbs, on).find(Hex("00016b14") + std::string(20, 'a')), std::string::npos);
}

TEST(RdbRoundTrip, ChecksumTrailer) {
  Dbs dbs;
  dbs[0].SetString("a", "1");
  const std::string file = Save(dbs);
  const std::string_view body(file.data(), file.size() - 8);
  EXPECT_EQ(ToHex(file.substr(file.size() - 9, 1)), "ff");
  uint64_t crc = Crc64(0, body), stored = 0;
  for (int i = 7; i >= 0; --i)
    stored = (stored << 8) | static_cast<unsigned char>(file[file.size() - 8 + i]);
  EXPECT_EQ(stored, crc);

  RdbSaveOptions no_crc;
  no_crc.checksum = false;
  const std::string unchecked = Save(dbs, no_crc);
  EXPECT_EQ(unchecked.substr(unchecked.size() - 8), std::string(8, '\0'));
  Dbs back;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(unchecked, &back, &error, {}, &info)) << error;
  EXPECT_FALSE(info.checksum_verified);
  EXPECT_EQ(DescribeDb(back[0]), DescribeDb(dbs[0]));
}

TEST(RdbRoundTrip, HeaderAndAuxFieldsAsRedisWritesThem) {
  Dbs dbs;
  RdbSaveOptions options;
  options.ctime = 0x6b0e8bed;
  options.used_mem = 0x000fe970;
  const std::string file = Save(dbs, options);
  // Bytes of a redis-server 7.0.15 dump with the same ctime and used-mem, up to the aux end.
  EXPECT_EQ(ToHex(file.substr(0, 0x50)),
            ToHex(Hex("524544495330303130fa0972656469732d76657206372e302e3135fa0a726564"
                      "69732d62697473c040fa056374696d65c2ed8b0e6bfa08757365642d6d656dc2"
                      "70e90f00fa08616f662d62617365c000")));
  EXPECT_EQ(ToHex(file.substr(0x50)), "ff" + ToHex(file.substr(0x51)));  // nothing else: EOF
  options.aof_base = true;
  EXPECT_NE(Save(dbs, options).find(Hex("fa08616f662d62617365c001")), std::string::npos);
}

TEST(RdbRoundTrip, RecordsMatchRedisBytes) {
  // Records from the same redis-server 7.0.15 dump: SET a 1; SET b hello; RPUSH l 1 200 -5000
  // hello; XADD s 1-1 f v; XADD s 1-2 f w; XGROUP CREATE s g 0; XREADGROUP ... c1 COUNT 1.
  Dbs dbs;
  ds::Database& db = dbs[0];
  db.SetString("a", "1");
  db.SetString("b", "hello");
  auto list = std::make_unique<ds::List>();
  for (std::string_view v : {"1", "200", "-5000", "hello"}) list->PushBack(v);
  db.SetObject("l", std::move(list));
  auto s = std::make_unique<ds::Stream>();
  std::string_view fv1[] = {"f", "v"}, fv2[] = {"f", "w"};
  ASSERT_TRUE(s->LoadEntry({1, 1}, fv1, {}));
  ASSERT_TRUE(s->LoadEntry({1, 2}, fv2, {}));
  ds::ConsumerGroup* g = s->CreateGroup("g", {1, 1}, 1);
  ds::StreamConsumer* c1 = g->CreateConsumer("c1", 0x1a230d298c7);
  g->AddPending({1, 1}, c1, 0x1a230d298c7);
  db.SetObject("s", std::move(s));
  const std::string file = Save(dbs);
  const std::string stream_record =
      Hex("13017301100000000000000001000000000000000128280000000f0002010001010181660200010201"
          "000100018176020401020100010101817702040 1ff020102010100000201016701010101"
          "00000000000000010000000000000001c798d230a201000001010263 31c798d230a20100000100000000"
          "000000010000000000000001");
  const std::string list_record = Hex("12016c0102171700000004000101c0c802f178ec038568656c6c6f06ff");
  EXPECT_NE(file.find(stream_record), std::string::npos) << ToHex(file);
  EXPECT_NE(file.find(list_record), std::string::npos) << ToHex(file);
  EXPECT_NE(file.find(Hex("000162 0568656c6c6f")), std::string::npos);
  EXPECT_NE(file.find(Hex("000161c001")), std::string::npos);
  EXPECT_NE(file.find(Hex("fe00fb0400")), std::string::npos);  // SELECTDB 0, RESIZEDB 4 0
}

TEST(RdbRoundTrip, StreamNodesKeepLayoutAndTombstones) {
  Dbs dbs;
  auto s = std::make_unique<ds::Stream>();
  AddEntries(s.get(), 1000, 1000);
  for (uint64_t ms = 1000; ms < 1100; ms += 7) s->Delete({ms, 1});
  const size_t blocks = s->num_blocks();
  std::vector<std::pair<uint32_t, uint32_t>> shape;
  s->ForEachBlock([&](const ds::StreamBlock& b) { shape.emplace_back(b.live(), b.deleted()); });
  dbs[0].SetObject("s", std::move(s));
  Dbs back;
  std::string error;
  ASSERT_TRUE(testing::Load(Save(dbs), &back, &error)) << error;
  const auto* loaded = static_cast<const ds::Stream*>(back[0].Peek("s")->object());
  EXPECT_EQ(loaded->num_blocks(), blocks);
  std::vector<std::pair<uint32_t, uint32_t>> loaded_shape;
  loaded->ForEachBlock(
      [&](const ds::StreamBlock& b) { loaded_shape.emplace_back(b.live(), b.deleted()); });
  EXPECT_EQ(loaded_shape, shape);
  EXPECT_EQ(DescribeDb(back[0]), DescribeDb(dbs[0]));
  // Approximate trimming removes whole nodes, so it must remove the same entries after a load.
  ds::TrimSpec trim;
  trim.strategy = ds::TrimStrategy::kMaxLen;
  trim.approx = true;
  trim.maxlen = 500;
  auto* original = static_cast<ds::Stream*>(dbs[0].Peek("s")->object());
  auto* reloaded = static_cast<ds::Stream*>(back[0].Peek("s")->object());
  EXPECT_EQ(reloaded->Trim(trim), original->Trim(trim));
}

TEST(RdbRoundTrip, ListNodesFollowListMaxListpackSize) {
  Dbs dbs;
  auto list = std::make_unique<ds::List>();
  for (int i = 0; i < 10; ++i) list->PushBack("v" + std::to_string(i));
  dbs[0].SetObject("l", std::move(list));
  RdbSaveOptions options;
  options.list_max_listpack_size = 3;
  const std::string file = Save(dbs, options);
  // 12 01 6c then the node count 4 (3+3+3+1).
  EXPECT_NE(file.find(Hex("12016c04")), std::string::npos);
  Dbs back;
  std::string error;
  ASSERT_TRUE(testing::Load(file, &back, &error)) << error;
  EXPECT_EQ(DescribeDb(back[0]), DescribeDb(dbs[0]));
}

TEST(RdbRoundTrip, ExpiredKeysAreDroppedUnlessKept) {
  Dbs dbs;
  dbs[0].SetString("old", "v", ds::TtlMode::kSet, 1000);
  dbs[0].SetString("new", "v", ds::TtlMode::kSet, 5000);
  auto list = std::make_unique<ds::List>();
  list->PushBack("x");
  dbs[0].SetObject("old-list", std::move(list), ds::TtlMode::kSet, 1000);
  const std::string file = Save(dbs);
  RdbLoadOptions options;
  options.now_ms = 3000;
  Dbs back;
  std::string error;
  RdbLoadInfo info;
  ASSERT_TRUE(testing::Load(file, &back, &error, options, &info)) << error;
  EXPECT_EQ(info.keys_loaded, 1u);
  EXPECT_EQ(info.keys_expired, 2u);
  EXPECT_NE(back[0].Peek("new"), nullptr);
  EXPECT_EQ(back[0].Peek("old"), nullptr);
  options.skip_expired = false;
  Dbs kept;
  ASSERT_TRUE(testing::Load(file, &kept, &error, options, &info)) << error;
  EXPECT_EQ(info.keys_loaded, 3u);
  EXPECT_EQ(kept[0].Peek("old")->expire_ms(), 1000);
}

TEST(RdbRoundTrip, ProgressAndSinkErrors) {
  Dbs dbs;
  for (int i = 0; i < 5000; ++i) dbs[0].SetString("key:" + std::to_string(i), "value");
  std::vector<uint64_t> reports;
  RdbSaveOptions options;
  options.progress = [&](uint64_t n) { reports.push_back(n); };
  Save(dbs, options);
  // Every kProgressInterval (128) keys: 39 reports for 5,000 keys, the last at 4,992.
  std::vector<uint64_t> expected;
  for (uint64_t n = RdbSaveOptions::kProgressInterval; n <= 5000;
       n += RdbSaveOptions::kProgressInterval) {
    expected.push_back(n);
  }
  ASSERT_EQ(expected.size(), 39u);
  EXPECT_EQ(reports, expected);

  class FailingSink : public ByteSink {
   public:
    bool Write(std::string_view) override { return false; }
    std::string error() const override { return "disk on fire"; }
  } failing;
  std::string error;
  auto ptrs = dbs.const_ptrs();
  EXPECT_FALSE(WriteRdb(ptrs, {}, &failing, &error));
  EXPECT_EQ(error, "disk on fire");
}

}  // namespace
}  // namespace rill::persistence
