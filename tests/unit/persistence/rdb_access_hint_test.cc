// The per-key access records of an RDB (RDB_OPCODE_IDLE / RDB_OPCODE_FREQ): the loader gives
// the next key the recorded idle time or LFU counter when the policy uses that kind, as Redis's
// objectSetLRUOrLFU, and nothing else.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "datastructs/access_clock.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "tests/unit/persistence/rdb_test_util.h"

namespace rill::persistence {
namespace {

using testing::Dbs;
using testing::Hex;
using testing::RawRdb;

// 2023-11-14: the LRU clock (unix seconds mod 2^24) reads 5501184, below half its range.
constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr uint32_t kLruNow = 5'501'184;
// The longest idle time the 24-bit clock can tell (LRU_CLOCK_MAX - 1 seconds, about 194 days).
constexpr uint64_t kLongestIdle = ds::kAccessBitsMask - 1;

class RdbAccessHintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Update(kNowMs);
    dbs_[0].set_access_clock(&clock_);
  }

  RdbLoadOptions Options() {
    RdbLoadOptions options;
    options.now_ms = kNowMs;
    options.access_clock = &clock_;
    return options;
  }

  void Load(const std::string& file, RdbLoadInfo* info = nullptr) {
    std::string error;
    ASSERT_TRUE(testing::Load(file, &dbs_, &error, Options(), info)) << error;
  }

  // The key's access bits; a missing key fails the test and reads as all ones.
  uint32_t Bits(std::string_view key) {
    const ds::Entry* e = dbs_[0].Peek(key);
    if (e == nullptr) {
      ADD_FAILURE() << "no key " << key;
      return ds::kAccessBitsMask;
    }
    return e->access_bits();
  }
  uint64_t IdleSeconds(std::string_view key) { return clock_.IdleMs(Bits(key)) / 1000; }
  uint32_t Counter(std::string_view key) { return clock_.DecayedCounter(Bits(key)); }

  ds::AccessClock clock_;
  Dbs dbs_{1};
};

TEST_F(RdbAccessHintTest, LruPolicyKeepsTheRecordedIdleTimes) {
  ASSERT_EQ(clock_.lru_seconds(), kLruNow);
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kOpIdle).Len(100).Byte(rdb::kTypeString).Str("str").Str("bytes");
  f.Byte(rdb::kOpIdle).Len(3600).Byte(rdb::kTypeString).Str("int").Raw(Hex("c02a"));
  f.Byte(rdb::kOpIdle).Len(7).Byte(rdb::kTypeList).Str("list").Len(2).Str("a").Str("b");
  f.Byte(rdb::kOpExpireTimeMs).LittleEndian(kNowMs + 60000, 8);
  f.Byte(rdb::kOpIdle).Len(12).Byte(rdb::kTypeString).Str("volatile").Str("v");
  f.Byte(rdb::kOpFreq).Byte(200).Byte(rdb::kTypeString).Str("freq-only").Str("v");
  f.Byte(rdb::kTypeString).Str("fresh").Str("v");
  Load(f.Finish());
  EXPECT_EQ(Bits("str"), kLruNow - 100);
  EXPECT_EQ(IdleSeconds("str"), 100u);
  ASSERT_NE(dbs_[0].Peek("int"), nullptr);
  EXPECT_TRUE(dbs_[0].Peek("int")->is_int());  // the SetInt path
  EXPECT_EQ(IdleSeconds("int"), 3600u);
  ASSERT_NE(dbs_[0].Peek("list"), nullptr);
  EXPECT_EQ(dbs_[0].Peek("list")->type(), ds::ValueType::kList);  // the SetObject path
  EXPECT_EQ(IdleSeconds("list"), 7u);
  ASSERT_NE(dbs_[0].Peek("volatile"), nullptr);
  EXPECT_EQ(dbs_[0].Peek("volatile")->expire_ms(), kNowMs + 60000);
  EXPECT_EQ(IdleSeconds("volatile"), 12u);
  // An LFU counter means nothing to an LRU policy: the key is as new.
  EXPECT_EQ(Bits("freq-only"), kLruNow);
  EXPECT_EQ(Bits("fresh"), kLruNow);
  // The idle time goes on counting on the server's clock.
  clock_.Update(kNowMs + 5000);
  EXPECT_EQ(IdleSeconds("str"), 105u);
}

TEST_F(RdbAccessHintTest, LfuPolicyKeepsTheRecordedCounters) {
  clock_.set_lfu(true);
  const uint32_t minutes = static_cast<uint32_t>(kNowMs / 60000) & 0xFFFF;
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kOpFreq).Byte(77).Byte(rdb::kTypeString).Str("hot").Str("v");
  f.Byte(rdb::kOpFreq).Byte(0).Byte(rdb::kTypeString).Str("zero").Str("v");
  f.Byte(rdb::kOpFreq).Byte(255).Byte(rdb::kTypeString).Str("max").Str("v");
  f.Byte(rdb::kOpFreq).Byte(9).Byte(rdb::kTypeList).Str("list").Len(1).Str("a");
  f.Byte(rdb::kOpIdle).Len(100).Byte(rdb::kTypeString).Str("idle-only").Str("v");
  f.Byte(rdb::kTypeString).Str("fresh").Str("v");
  Load(f.Finish());
  // The counter with the current minute as its last decrement, as Redis stamps it.
  EXPECT_EQ(Bits("hot"), (minutes << 8) | 77);
  EXPECT_EQ(Counter("zero"), 0u);
  EXPECT_EQ(Counter("max"), 255u);
  EXPECT_EQ(Counter("list"), 9u);
  // An idle time means nothing to an LFU policy: new keys start at 5.
  EXPECT_EQ(Bits("idle-only"), (minutes << 8) | ds::kLfuInitialCounter);
  EXPECT_EQ(Counter("fresh"), ds::kLfuInitialCounter);
  // The loaded counter decays from the load on (lfu-decay-time 1: one step a minute).
  clock_.Update(kNowMs + 3 * 60000);
  EXPECT_EQ(Counter("hot"), 74u);
}

TEST_F(RdbAccessHintTest, HintsBelongToTheNextKeyOnly) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kOpIdle).Len(100).Byte(rdb::kTypeString).Str("a").Str("v");
  f.Byte(rdb::kTypeString).Str("b").Str("v");
  // A key dropped as expired, or skipped as an empty list, still takes its hint with it.
  f.Byte(rdb::kOpExpireTimeMs).LittleEndian(kNowMs - 1, 8);
  f.Byte(rdb::kOpIdle).Len(50).Byte(rdb::kTypeString).Str("expired").Str("v");
  f.Byte(rdb::kTypeString).Str("c").Str("v");
  f.Byte(rdb::kOpIdle).Len(60).Byte(rdb::kTypeList).Str("empty").Len(0);
  f.Byte(rdb::kTypeString).Str("d").Str("v");
  // Of two records for one key the last counts, as in Redis; a FREQ beside it changes nothing.
  f.Byte(rdb::kOpIdle).Len(30).Byte(rdb::kOpFreq).Byte(9).Byte(rdb::kOpIdle).Len(40);
  f.Byte(rdb::kTypeString).Str("twice").Str("v");
  RdbLoadInfo info;
  Load(f.Finish(), &info);
  EXPECT_EQ(info.keys_loaded, 5u);
  EXPECT_EQ(info.keys_expired, 1u);
  EXPECT_EQ(info.empty_keys_skipped, 1u);
  EXPECT_EQ(IdleSeconds("a"), 100u);
  EXPECT_EQ(IdleSeconds("b"), 0u);
  EXPECT_EQ(IdleSeconds("c"), 0u);
  EXPECT_EQ(IdleSeconds("d"), 0u);
  EXPECT_EQ(IdleSeconds("twice"), 40u);
}

// An idle time longer than the clock has counted since its last wrap reaches back across the
// wrap (Redis 7.0 adds LRU_CLOCK_MAX); one longer than the clock can tell at all is kept as the
// longest it can, where Redis 7.0 would wrap it around (IDLE 16777216 reads back as 1 second).
TEST_F(RdbAccessHintTest, IdleTimesReachBackAcrossTheClocksWrapAndSaturate) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kOpIdle).Len(kLruNow).Byte(rdb::kTypeString).Str("at-zero").Str("v");
  f.Byte(rdb::kOpIdle).Len(kLruNow + 1).Byte(rdb::kTypeString).Str("past-zero").Str("v");
  f.Byte(rdb::kOpIdle).Len(10'000'000).Byte(rdb::kTypeString).Str("months").Str("v");
  f.Byte(rdb::kOpIdle).Len(kLongestIdle).Byte(rdb::kTypeString).Str("longest").Str("v");
  f.Byte(rdb::kOpIdle).Len(ds::kAccessBitsMask).Byte(rdb::kTypeString).Str("mask").Str("v");
  f.Byte(rdb::kOpIdle).Len((1ull << 24) + 5).Byte(rdb::kTypeString).Str("wider").Str("v");
  f.Byte(rdb::kOpIdle).Len(std::numeric_limits<uint64_t>::max());
  f.Byte(rdb::kTypeString).Str("max").Str("v");
  Load(f.Finish());
  EXPECT_EQ(Bits("at-zero"), 0u);
  EXPECT_EQ(IdleSeconds("at-zero"), kLruNow);
  // Redis's lru_clock - idle + LRU_CLOCK_MAX.
  EXPECT_EQ(Bits("past-zero"), ds::kAccessBitsMask - 1);
  EXPECT_EQ(IdleSeconds("past-zero"), kLruNow + 1);
  EXPECT_EQ(IdleSeconds("months"), 10'000'000u);
  EXPECT_EQ(Bits("longest"), kLruNow + 1);
  EXPECT_EQ(IdleSeconds("longest"), kLongestIdle);
  EXPECT_EQ(IdleSeconds("mask"), kLongestIdle);
  EXPECT_EQ(IdleSeconds("wider"), kLongestIdle);
  EXPECT_EQ(IdleSeconds("max"), kLongestIdle);

  // The same on a clock past half its range.
  constexpr uint32_t kLateLru = 16'000'000;
  ds::AccessClock late;
  late.Update((101 * (int64_t{1} << 24) + kLateLru) * 1000);
  ASSERT_EQ(late.lru_seconds(), kLateLru);
  RawRdb g;
  g.SelectDb(0);
  g.Byte(rdb::kOpIdle).Len(15'000'000).Byte(rdb::kTypeString).Str("old").Str("v");
  g.Byte(rdb::kOpIdle).Len(16'500'000).Byte(rdb::kTypeString).Str("older").Str("v");
  g.Byte(rdb::kOpIdle).Len(1'000'000'000).Byte(rdb::kTypeString).Str("ancient").Str("v");
  Dbs dbs(1);
  RdbLoadOptions options;
  options.access_clock = &late;
  std::string error;
  ASSERT_TRUE(testing::Load(g.Finish(), &dbs, &error, options)) << error;
  EXPECT_EQ(dbs[0].Peek("old")->access_bits(), kLateLru - 15'000'000);
  EXPECT_EQ(late.IdleMs(dbs[0].Peek("older")->access_bits()), 16'500'000'000u);
  EXPECT_EQ(late.IdleMs(dbs[0].Peek("ancient")->access_bits()), kLongestIdle * 1000);
}

TEST_F(RdbAccessHintTest, AFileCutAfterAHintFailsCleanly) {
  RawRdb head;
  head.SelectDb(0);
  const size_t at = head.bytes().size() + 1;  // just past the opcode
  struct Cut {
    const char* name;
    std::string bytes;
    size_t offset;
  };
  const Cut cuts[] = {
      {"FREQ without its byte", RawRdb(head).Byte(rdb::kOpFreq).bytes(), at},
      {"IDLE without its length", RawRdb(head).Byte(rdb::kOpIdle).bytes(), at},
      {"IDLE in the middle of a 64-bit length",
       RawRdb(head).Byte(rdb::kOpIdle).Raw(Hex("81 00 01")).bytes(), at},
      {"FREQ without its key", RawRdb(head).Byte(rdb::kOpFreq).Byte(7).bytes(), at + 1},
      {"IDLE without its key", RawRdb(head).Byte(rdb::kOpIdle).Len(10).bytes(), at + 1},
  };
  for (bool lfu : {false, true}) {
    clock_.set_lfu(lfu);
    for (const Cut& cut : cuts) {
      SCOPED_TRACE(absl::StrCat(cut.name, lfu ? ", LFU" : ", LRU"));
      Dbs dbs(1);
      std::string error;
      EXPECT_FALSE(testing::Load(cut.bytes, &dbs, &error, Options()));
      EXPECT_EQ(error, absl::StrCat("unexpected end of file (the file is truncated) at offset ",
                                    cut.offset));
      EXPECT_EQ(dbs[0].size(), 0u);
    }
  }
}

TEST_F(RdbAccessHintTest, WithoutAClockTheHintsAreSkipped) {
  RawRdb f;
  f.SelectDb(0);
  f.Byte(rdb::kOpIdle).Len(100).Byte(rdb::kTypeString).Str("idle").Str("v");
  f.Byte(rdb::kOpFreq).Byte(77).Byte(rdb::kTypeString).Str("freq").Str("v");
  const std::string file = f.Finish();
  for (bool lfu : {false, true}) {
    SCOPED_TRACE(lfu ? "LFU" : "LRU");
    clock_.set_lfu(lfu);
    Dbs dbs(1);
    dbs[0].set_access_clock(&clock_);
    std::string error;
    ASSERT_TRUE(testing::Load(file, &dbs, &error, RdbLoadOptions{})) << error;
    EXPECT_EQ(dbs[0].Peek("idle")->access_bits(), clock_.NewKeyBits());
    EXPECT_EQ(dbs[0].Peek("freq")->access_bits(), clock_.NewKeyBits());
  }
}

// What the writer records is what the loader restores, on both kinds of policy.
TEST_F(RdbAccessHintTest, WriterAndLoaderAgree) {
  for (bool lfu : {false, true}) {
    SCOPED_TRACE(lfu ? "LFU" : "LRU");
    ds::AccessClock clock;
    clock.set_lfu(lfu);
    clock.set_lfu_log_factor(0);  // every access adds one to the counter
    clock.set_lfu_decay_time(0);  // and the minute that starts 40 seconds in takes none off
    clock.Update(kNowMs);
    ds::Database source;
    source.set_access_clock(&clock);
    source.SetString("old", "v");
    clock.Update(kNowMs + 42000);
    source.SetString("new", "v");
    for (int i = 0; i < 3; ++i) ASSERT_NE(source.Find("new", kNowMs + 42000), nullptr);
    RdbSaveOptions save;
    save.access_hint =
        lfu ? RdbSaveOptions::AccessHint::kLfuFreq : RdbSaveOptions::AccessHint::kLruIdle;
    save.access_clock = &clock;
    StringSink sink;
    std::string error;
    const ds::Database* sources[] = {&source};
    ASSERT_TRUE(WriteRdb(sources, save, &sink, &error)) << error;

    clock.Update(kNowMs + 50000);
    Dbs dbs(1);
    dbs[0].set_access_clock(&clock);
    RdbLoadOptions load;
    load.now_ms = kNowMs + 50000;
    load.access_clock = &clock;
    ASSERT_TRUE(testing::Load(sink.data(), &dbs, &error, load)) << error;
    if (lfu) {
      EXPECT_EQ(clock.DecayedCounter(dbs[0].Peek("old")->access_bits()), 5u);
      EXPECT_EQ(clock.DecayedCounter(dbs[0].Peek("new")->access_bits()), 8u);
    } else {
      // The file holds idle times as of the save: the 8 seconds to the load do not count.
      EXPECT_EQ(clock.IdleMs(dbs[0].Peek("old")->access_bits()), 42000u);
      EXPECT_EQ(clock.IdleMs(dbs[0].Peek("new")->access_bits()), 0u);
    }
  }
}

}  // namespace
}  // namespace rill::persistence
