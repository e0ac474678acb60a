// RdbStreamLoader: RDBs fed in pieces of every size load exactly as LoadRdb loads them whole,
// fail with LoadRdb's errors when cut or corrupted, and are parsed as they come (the loader
// holds one record, not the file).
#include "persistence/rdb_stream_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "datastructs/access_clock.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/zset.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::DescribeDb;
using testing::RawRdb;

constexpr int64_t kNowMs = 1'700'000'000'000;  // 2023-11-14

// What a load left: its result, its report and the databases' contents with access bits.
struct Outcome {
  bool ok = false;
  std::string error;
  RdbLoadInfo info;
  std::string contents;
};

std::string Contents(Dbs& dbs) {
  std::string out;
  for (size_t i = 0; i < dbs.owned.size(); ++i) {
    absl::StrAppend(&out, "db", i, "\n", DescribeDb(dbs[static_cast<int>(i)]));
    std::vector<std::string> bits;
    dbs[static_cast<int>(i)].ForEach([&](const ds::Entry& e) {
      bits.push_back(absl::StrCat(std::string(e.key()), "=", e.access_bits()));
    });
    std::sort(bits.begin(), bits.end());
    for (const std::string& b : bits) absl::StrAppend(&out, b, "\n");
  }
  return out;
}

void ExpectSameInfo(const RdbLoadInfo& a, const RdbLoadInfo& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.keys_loaded, b.keys_loaded);
  EXPECT_EQ(a.keys_expired, b.keys_expired);
  EXPECT_EQ(a.empty_keys_skipped, b.empty_keys_skipped);
  EXPECT_EQ(a.bytes_consumed, b.bytes_consumed);
  EXPECT_EQ(a.checksum_verified, b.checksum_verified);
  EXPECT_EQ(a.aof_base, b.aof_base);
  EXPECT_EQ(a.used_mem, b.used_mem);
  EXPECT_EQ(a.aux, b.aux);
  EXPECT_EQ(a.functions, b.functions);
}

class RdbStreamLoaderTest : public ::testing::Test {
 protected:
  RdbStreamLoaderTest() {
    clock_.Update(kNowMs);
    lfu_clock_.set_lfu(true);
    lfu_clock_.Update(kNowMs);
  }

  RdbLoadOptions Options(bool verify_checksum = true, bool lfu = false) const {
    RdbLoadOptions options;
    options.now_ms = kNowMs;
    options.verify_checksum = verify_checksum;
    options.access_clock = lfu ? &lfu_clock_ : &clock_;
    return options;
  }

  Outcome Whole(std::string_view file, const RdbLoadOptions& options) const {
    Dbs dbs;
    Outcome out;
    out.ok = LoadRdb(file, dbs.ptrs, options, &out.info, &out.error);
    out.contents = Contents(dbs);
    return out;
  }

  // Feeds `file` in pieces whose sizes `next` gives, then finishes.
  Outcome Streamed(std::string_view file, const RdbLoadOptions& options,
                   const std::function<size_t()>& next, size_t* max_buffered = nullptr) const {
    Dbs dbs;
    Outcome out;
    RdbStreamLoader loader(dbs.ptrs, options, &out.info);
    size_t most = 0;
    for (size_t at = 0; at < file.size();) {
      const size_t n = std::min(std::max<size_t>(next(), 1), file.size() - at);
      loader.Feed(file.substr(at, n));
      most = std::max(most, loader.buffered());
      at += n;
    }
    out.ok = loader.Finish(&out.error);
    out.contents = Contents(dbs);
    if (max_buffered != nullptr) *max_buffered = most;
    return out;
  }

  // The piece sizes the tests feed with: single bytes, small and big reads, and a mix.
  std::vector<std::pair<std::string, std::function<size_t()>>> Chunkings(uint32_t seed) {
    auto rng = std::make_shared<std::mt19937>(seed);
    return {
        {"1 byte", [] { return size_t{1}; }},
        {"small", [rng] { return size_t{1} + (*rng)() % 64; }},
        {"16K", [] { return size_t{16384}; }},
        {"big", [rng] { return size_t{65536} + (*rng)() % (1 << 21); }},
        {"mixed",
         [rng] {
           const uint32_t r = (*rng)();
           return r % 3 == 0 ? size_t{1} : r % 3 == 1 ? r % 700 : r % 300000;
         }},
    };
  }

  // The stream and the whole-buffer loads agree on everything.
  void ExpectSameAsWhole(std::string_view file, const RdbLoadOptions& options, uint32_t seed) {
    const Outcome whole = Whole(file, options);
    for (auto& [name, next] : Chunkings(seed)) {
      SCOPED_TRACE(name);
      const Outcome streamed = Streamed(file, options, next);
      EXPECT_EQ(streamed.ok, whole.ok);
      EXPECT_EQ(streamed.error, whole.error);
      EXPECT_TRUE(streamed.contents == whole.contents) << "contents differ";
      ExpectSameInfo(streamed.info, whole.info);
    }
  }

  ds::AccessClock clock_;
  ds::AccessClock lfu_clock_;
};

std::string Save(const Dbs& dbs, const RdbSaveOptions& options) {
  StringSink sink;
  std::string error;
  EXPECT_TRUE(WriteRdb(dbs.const_ptrs(), options, &sink, &error)) << error;
  return sink.Take();
}

// Every type and encoding, sorted sets, expiries (some in the past), three databases, functions,
// aux fields and per-key access records.
Dbs EveryType() {
  Dbs dbs;
  testing::FillEverything(dbs);
  ds::ZSetLimits limits;
  auto small = std::make_unique<ds::ZSet>(3, 8, limits);
  small->Set("a", 1, limits);
  small->Set("b", -2.5, limits);
  small->Set("c", 1e17, limits);
  dbs[3].SetObject("small-zset", std::move(small), ds::TtlMode::kClear, ds::kNoExpire);
  auto big = std::make_unique<ds::ZSet>(3000, 12, limits);
  for (int i = 0; i < 3000; ++i) big->Set("member:" + std::to_string(i), i * 0.5, limits);
  dbs[15].SetObject("big-zset", std::move(big), ds::TtlMode::kSet, 4102444800000);
  dbs[0].SetString("expired", "gone", ds::TtlMode::kSet, kNowMs - 1000);
  dbs[3].SetString("expired-too", "gone", ds::TtlMode::kSet, 1000);
  return dbs;
}

RdbSaveOptions EveryTypeOptions(RdbSaveOptions::AccessHint hint, const ds::AccessClock* clock) {
  RdbSaveOptions options;
  options.used_mem = 123456789;
  options.ctime = 1700000000;
  options.access_hint = hint;
  options.access_clock = clock;
  options.functions = {"#!lua name=lib1\nredis.register_function('f1', function() return 1 end)",
                       "#!lua name=lib2\nredis.register_function('f2', function() return 2 end)"};
  return options;
}

TEST_F(RdbStreamLoaderTest, EveryTypeLoadsAsWholeInAnyPieces) {
  const Dbs dbs = EveryType();
  for (auto hint : {RdbSaveOptions::AccessHint::kLruIdle, RdbSaveOptions::AccessHint::kLfuFreq}) {
    const bool lfu = hint == RdbSaveOptions::AccessHint::kLfuFreq;
    const std::string file = Save(dbs, EveryTypeOptions(hint, lfu ? &lfu_clock_ : &clock_));
    const Outcome whole = Whole(file, Options(true, lfu));
    ASSERT_TRUE(whole.ok) << whole.error;
    EXPECT_EQ(whole.info.keys_expired, 2u);
    EXPECT_EQ(whole.info.functions.size(), 2u);
    EXPECT_EQ(whole.info.used_mem, 123456789);
    EXPECT_TRUE(whole.info.checksum_verified);
    ExpectSameAsWhole(file, Options(true, lfu), lfu ? 2 : 1);
  }
}

TEST_F(RdbStreamLoaderTest, BigValuesOfSeveralMegabytes) {
  Dbs dbs;
  std::mt19937 rng(3);
  std::string noise(6 << 20, '\0');  // incompressible: 6 MB on the wire
  for (char& c : noise) c = static_cast<char>(rng());
  dbs[0].SetString("before", "small");
  dbs[0].SetString("noise", noise, ds::TtlMode::kSet, 4102444800000);
  auto list = std::make_unique<ds::List>();
  for (int i = 0; i < 300000; ++i) list->PushBack("element-" + std::to_string(i));
  dbs[0].SetObject("list", std::move(list));
  dbs[2].SetString("after", "small");
  const std::string file = Save(dbs, {});
  ASSERT_GT(file.size(), 7u << 20);
  ExpectSameAsWhole(file, Options(), 4);
}

// A big value arriving in small reads is parsed a few times, not once per read: the loader holds
// little more than the record, and the whole file is never held.
TEST_F(RdbStreamLoaderTest, HoldsOneRecordNotTheFile) {
  Dbs dbs;
  for (int i = 0; i < 100000; ++i) dbs[0].SetString("key:" + std::to_string(i), "value");
  const std::string file = Save(dbs, {});
  ASSERT_GT(file.size(), 1u << 20);
  size_t most = 0;
  const Outcome out = Streamed(
      file, Options(), [] { return size_t{16384}; }, &most);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_LT(most, 100u);  // a cut record of ~20 bytes

  // Half the bytes fed: about half the keys are in the database already.
  Dbs half;
  RdbLoadInfo info;
  RdbStreamLoader loader(half.ptrs, Options(), &info);
  ASSERT_TRUE(loader.Feed(std::string_view(file).substr(0, file.size() / 2)));
  EXPECT_GT(loader.bytes_parsed(), file.size() / 2 - 100);
  EXPECT_GT(half[0].size(), 45000u);
  EXPECT_EQ(info.keys_loaded, half[0].size());
}

TEST_F(RdbStreamLoaderTest, ACutValueIsNotInsertedUntilWhole) {
  Dbs dbs;
  dbs[0].SetString("big", std::string(1 << 20, 'x'), ds::TtlMode::kSet, 4102444800000);
  auto list = std::make_unique<ds::List>();
  for (int i = 0; i < 50000; ++i) list->PushBack("e" + std::to_string(i));
  dbs[1].SetObject("list", std::move(list));
  dbs[2].SetString("z", "last");
  RdbSaveOptions plain;
  plain.compression = false;
  const std::string file = Save(dbs, plain);
  const size_t big_at = file.find("big");
  const size_t list_at = file.find("list");
  ASSERT_NE(big_at, std::string::npos);
  ASSERT_NE(list_at, std::string::npos);
  for (size_t cut : {big_at + 1000, big_at + (1 << 19), list_at + 10, list_at + 100000}) {
    SCOPED_TRACE(cut);
    Dbs loaded;
    RdbLoadInfo info;
    RdbStreamLoader loader(loaded.ptrs, Options(), &info);
    for (size_t at = 0; at < cut; at += 4096) {
      ASSERT_TRUE(loader.Feed(std::string_view(file).substr(at, std::min<size_t>(4096, cut - at))));
    }
    const bool in_list = cut > list_at;
    EXPECT_EQ(loaded[0].size(), in_list ? 1u : 0u);
    EXPECT_EQ(loaded[1].size(), 0u);
    EXPECT_EQ(info.keys_loaded, in_list ? 1u : 0u);
    std::string error, whole_error;
    EXPECT_FALSE(loader.Finish(&error));
    Dbs whole;
    EXPECT_FALSE(testing::Load(std::string_view(file).substr(0, cut), &whole, &whole_error));
    EXPECT_EQ(error, whole_error);
    EXPECT_NE(error.find("unexpected end of file"), std::string::npos) << error;
  }
}

// Every cut of a small file, and cuts across a bigger one, fail as LoadRdb fails on them.
TEST_F(RdbStreamLoaderTest, TruncatedFilesFailWithLoadRdbsErrors) {
  Dbs small;
  small[0].SetString("k", "v", ds::TtlMode::kSet, 4102444800000);
  auto list = std::make_unique<ds::List>();
  for (std::string_view v : {"1", "two", "3"}) list->PushBack(v);
  small[1].SetObject("l", std::move(list));
  RdbSaveOptions with_functions = EveryTypeOptions(RdbSaveOptions::AccessHint::kNone, nullptr);
  const std::string file = Save(small, with_functions);
  for (size_t cut = 0; cut < file.size(); ++cut) {
    SCOPED_TRACE(cut);
    const std::string_view part = std::string_view(file).substr(0, cut);
    const Outcome whole = Whole(part, Options());
    ASSERT_FALSE(whole.ok);
    for (size_t piece : {size_t{1}, size_t{7}}) {
      const Outcome streamed = Streamed(part, Options(), [piece] { return piece; });
      EXPECT_FALSE(streamed.ok);
      EXPECT_EQ(streamed.error, whole.error);
      EXPECT_TRUE(streamed.contents == whole.contents);
    }
  }
  const std::string big = Save(EveryType(), with_functions);
  std::mt19937 rng(5);
  for (int i = 0; i < 40; ++i) {
    const size_t cut = rng() % big.size();
    SCOPED_TRACE(cut);
    const std::string_view part = std::string_view(big).substr(0, cut);
    const Outcome whole = Whole(part, Options());
    const Outcome streamed = Streamed(part, Options(), [&rng] { return size_t{1} + rng() % 5000; });
    EXPECT_FALSE(streamed.ok);
    EXPECT_EQ(streamed.error, whole.error);
  }
}

// Bytes changed anywhere: the same verdict, error and data as LoadRdb, with the checksum checked
// and (so that damage reaches the value decoders) without.
TEST_F(RdbStreamLoaderTest, CorruptedFilesFailWithLoadRdbsErrors) {
  const std::string file =
      Save(EveryType(), EveryTypeOptions(RdbSaveOptions::AccessHint::kLruIdle, &clock_));
  std::mt19937 rng(9);
  int failures = 0;
  for (int i = 0; i < 200; ++i) {
    std::string bad = file;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] = static_cast<char>(rng());
    const bool verify = i % 2 == 0;
    SCOPED_TRACE(i);
    const Outcome whole = Whole(bad, Options(verify));
    failures += whole.ok ? 0 : 1;
    const uint32_t seed = rng();
    std::mt19937 pieces(seed);
    const Outcome streamed =
        Streamed(bad, Options(verify), [&pieces] { return size_t{1} + pieces() % 3000; });
    EXPECT_EQ(streamed.ok, whole.ok);
    EXPECT_EQ(streamed.error, whole.error);
    EXPECT_TRUE(streamed.contents == whole.contents);
    if (streamed.ok) ExpectSameInfo(streamed.info, whole.info);
  }
  EXPECT_GT(failures, 80);
}

TEST_F(RdbStreamLoaderTest, CorruptionFailsTheFeedThatReachesIt) {
  Dbs dbs;
  for (int i = 0; i < 1000; ++i) dbs[0].SetString("key:" + std::to_string(i), "value");
  std::string file = Save(dbs, {});
  const size_t at = file.find("key:10");
  ASSERT_NE(at, std::string::npos);
  file[at - 2] = 42;  // the record's type byte: no such RDB type
  Dbs loaded;
  RdbLoadInfo info;
  RdbStreamLoader loader(loaded.ptrs, Options(), &info);
  EXPECT_FALSE(loader.Feed(std::string_view(file).substr(0, at + 100)));
  EXPECT_TRUE(loader.failed());
  EXPECT_EQ(loader.error(), absl::StrCat("unknown RDB value type 42 at offset ", at - 2));
  EXPECT_FALSE(loader.Feed(std::string_view(file).substr(at + 100)));
  std::string error;
  EXPECT_FALSE(loader.Finish(&error));
  EXPECT_EQ(error, loader.error());

  // Not an RDB: refused from its first bytes.
  Dbs other;
  RdbStreamLoader http(other.ptrs, Options(), &info);
  EXPECT_FALSE(http.Feed("HTT"));
  EXPECT_EQ(http.error(), "wrong signature (not an RDB file) at offset 0");
}

// The bytes after the trailer (an AOF's commands, in a file) are not read.
TEST_F(RdbStreamLoaderTest, StopsAfterTheTrailer) {
  const std::string rdb = RawRdb().SelectDb(0).Byte(0).Str("k").Str("v").Finish();
  const std::string file = rdb + "*1\r\n$4\r\nPING\r\n";
  ExpectSameAsWhole(file, Options(), 6);
  const Outcome out = Streamed(file, Options(), [] { return size_t{3}; });
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.info.bytes_consumed, rdb.size());
  EXPECT_EQ(out.info.keys_loaded, 1u);
}

// The state between records (the database, the next key's expiry and access record) carries
// over a cut between an opcode and its key.
TEST_F(RdbStreamLoaderTest, OpcodesCarryOverPieces) {
  RawRdb raw;
  raw.SelectDb(2).Byte(0xfb).Len(2).Len(1);                           // RESIZEDB
  raw.Byte(0xfc).LittleEndian(4102444800000, 8).Byte(0xf9).Byte(77);  // EXPIRETIME_MS, FREQ
  raw.Byte(0).Str("k").Str("v");
  raw.Byte(0xf8).Len(100).Byte(0).Str("idle").Str("w");  // IDLE
  const std::string file = raw.Finish();
  for (bool lfu : {false, true}) {
    ExpectSameAsWhole(file, Options(true, lfu), 7);
    const Outcome out = Streamed(file, Options(true, lfu), [] { return size_t{1}; });
    ASSERT_TRUE(out.ok) << out.error;
    EXPECT_NE(out.contents.find("db2\n"), std::string::npos);
  }
  Dbs dbs;
  RdbLoadInfo info;
  RdbStreamLoader loader(dbs.ptrs, Options(true, true), &info);
  for (char c : file) ASSERT_TRUE(loader.Feed(std::string_view(&c, 1)));
  std::string error;
  ASSERT_TRUE(loader.Finish(&error)) << error;
  const ds::Entry* k = dbs[2].Peek("k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->expire_ms(), 4102444800000);
  EXPECT_EQ(lfu_clock_.DecayedCounter(k->access_bits()), 77u);
  EXPECT_FALSE(dbs[2].Peek("idle")->has_expire());
}

}  // namespace
}  // namespace rill::persistence
