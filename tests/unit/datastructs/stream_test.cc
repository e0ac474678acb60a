// Stream structure: IDs, blocks, iteration both ways, deletion and trimming, checked against a
// plain std::map model under random operations.
#include "datastructs/stream.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace rill::ds {
namespace {

using Fields = std::vector<std::string>;

std::vector<std::string_view> Views(const Fields& f) { return {f.begin(), f.end()}; }

Fields FieldsOf(const StreamEntryView& e) {
  Fields out;
  e.ForEachField([&](std::string_view f, std::string_view v) {
    out.emplace_back(f);
    out.emplace_back(v);
  });
  return out;
}

bool Add(Stream& s, StreamId id, const Fields& fv, StreamLimits limits = {}) {
  auto views = Views(fv);
  StreamId added;
  return s.Add(&id, true, 0, views, limits, &added) == Stream::AddStatus::kOk && added == id;
}

std::vector<std::pair<StreamId, Fields>> Collect(const Stream& s, StreamId a, StreamId b,
                                                 bool reverse) {
  std::vector<std::pair<StreamId, Fields>> out;
  Stream::Iterator it(s, a, b, reverse);
  StreamEntryView e;
  while (it.Next(&e)) out.emplace_back(e.id, FieldsOf(e));
  return out;
}

TEST(StreamIdTest, ParsesRedisForms) {
  StreamId id;
  bool seq_given;
  ASSERT_TRUE(ParseStreamId("5-3", 0, true, nullptr, &id));
  EXPECT_EQ(id, (StreamId{5, 3}));
  ASSERT_TRUE(ParseStreamId("7", 9, true, nullptr, &id));
  EXPECT_EQ(id, (StreamId{7, 9}));
  ASSERT_TRUE(ParseStreamId("7-*", 0, true, &seq_given, &id));
  EXPECT_FALSE(seq_given);
  EXPECT_FALSE(ParseStreamId("7-*", 0, true, nullptr, &id));  // only where allowed
  EXPECT_FALSE(ParseStreamId("-", 0, true, nullptr, &id));
  ASSERT_TRUE(ParseStreamId("+", 0, false, nullptr, &id));
  EXPECT_EQ(id, StreamId::Max());
  ASSERT_TRUE(ParseStreamId("18446744073709551615-18446744073709551615", 0, true, nullptr, &id));
  EXPECT_EQ(id, StreamId::Max());
  EXPECT_FALSE(ParseStreamId("18446744073709551616", 0, true, nullptr, &id));
  EXPECT_FALSE(ParseStreamId("-1", 0, true, nullptr, &id));
  EXPECT_FALSE(ParseStreamId("1-x", 0, true, nullptr, &id));
  EXPECT_FALSE(ParseStreamId("", 0, true, nullptr, &id));
  ASSERT_TRUE(ParseStreamId("007-+2", 0, true, nullptr, &id));  // strtoull accepts these
  EXPECT_EQ(id, (StreamId{7, 2}));
  EXPECT_FALSE(ParseStreamId(std::string(200, '1'), 0, true, nullptr, &id));
  bool excl;
  ASSERT_TRUE(ParseStreamIntervalId("(5", 0, &excl, &id));
  EXPECT_TRUE(excl);
  EXPECT_FALSE(ParseStreamIntervalId("(-", 0, &excl, &id));
  ASSERT_TRUE(ParseStreamIntervalId("(", 0, &excl, &id) == false);
}

TEST(StreamIdTest, IncrementDecrementAndFormat) {
  StreamId id{1, UINT64_MAX};
  ASSERT_TRUE(id.Increment());
  EXPECT_EQ(id, (StreamId{2, 0}));
  ASSERT_TRUE(id.Decrement());
  EXPECT_EQ(id, (StreamId{1, UINT64_MAX}));
  StreamId max = StreamId::Max();
  EXPECT_FALSE(max.Increment());
  StreamId min = StreamId::Min();
  EXPECT_FALSE(min.Decrement());
  EXPECT_EQ(StreamId::Max().ToString(), "18446744073709551615-18446744073709551615");
  EXPECT_EQ((StreamId{0, 0}).ToString(), "0-0");
}

TEST(StreamBlockTest, ListpackSizesFollowRedisEncodings) {
  EXPECT_EQ(StreamBlock::LpIntSize(0), 2u);
  EXPECT_EQ(StreamBlock::LpIntSize(127), 2u);
  EXPECT_EQ(StreamBlock::LpIntSize(128), 3u);
  EXPECT_EQ(StreamBlock::LpIntSize(-4096), 3u);
  EXPECT_EQ(StreamBlock::LpIntSize(4096), 4u);
  EXPECT_EQ(StreamBlock::LpIntSize(40000), 5u);
  EXPECT_EQ(StreamBlock::LpIntSize(10000000), 6u);
  EXPECT_EQ(StreamBlock::LpIntSize(int64_t{1} << 40), 10u);
  EXPECT_EQ(StreamBlock::LpStringSize("v"), 3u);
  EXPECT_EQ(StreamBlock::LpStringSize("12"), 2u);  // canonical integers are stored as integers
  EXPECT_EQ(StreamBlock::LpStringSize("012"), 5u);
  EXPECT_EQ(StreamBlock::LpStringSize(std::string(63, 'x')), 65u);
  EXPECT_EQ(StreamBlock::LpStringSize(std::string(64, 'x')), 66u + 1);  // 2-byte header, backlen 1
  EXPECT_EQ(StreamBlock::LpStringSize(std::string(200, 'x')), 204u);    // backlen 2
}

TEST(StreamTest, AppendAssignsIdsLikeRedis) {
  Stream s;
  std::vector<std::string_view> fv = {"f", "v"};
  StreamId added;
  ASSERT_EQ(s.Add(nullptr, true, 1000, fv, {}, &added), Stream::AddStatus::kOk);
  EXPECT_EQ(added, (StreamId{1000, 0}));
  ASSERT_EQ(s.Add(nullptr, true, 999, fv, {}, &added), Stream::AddStatus::kOk);  // clock behind
  EXPECT_EQ(added, (StreamId{1000, 1}));
  StreamId partial{1000, 0};
  ASSERT_EQ(s.Add(&partial, false, 0, fv, {}, &added), Stream::AddStatus::kOk);
  EXPECT_EQ(added, (StreamId{1000, 2}));
  partial = {2000, 0};
  ASSERT_EQ(s.Add(&partial, false, 0, fv, {}, &added), Stream::AddStatus::kOk);
  EXPECT_EQ(added, (StreamId{2000, 0}));
  StreamId explicit_id{2000, 0};
  EXPECT_EQ(s.Add(&explicit_id, true, 0, fv, {}, &added), Stream::AddStatus::kIdNotGreater);
  EXPECT_EQ(s.length(), 4u);
  EXPECT_EQ(s.entries_added(), 4u);
  EXPECT_EQ(s.first_id(), (StreamId{1000, 0}));
  EXPECT_EQ(s.last_id(), (StreamId{2000, 0}));
}

TEST(StreamTest, BlocksSplitAtEntryLimitAndSharedFieldsRoundTrip) {
  Stream s;
  for (uint64_t i = 1; i <= 250; ++i) {
    Fields fv = i % 5 == 0 ? Fields{"other", std::to_string(i)}
                           : Fields{"f", std::to_string(i), "g", std::string(i % 9, 'x')};
    ASSERT_TRUE(Add(s, {i, i % 3}, fv));
  }
  EXPECT_EQ(s.num_blocks(), 3u);
  // The layout persistence writes: master fields per block, tombstones included.
  std::vector<std::string> master;
  size_t entries = 0;
  s.ForEachBlock([&](const StreamBlock& b) {
    b.ForEachMasterField([&](std::string_view f) { master.emplace_back(f); });
    std::vector<uint32_t> offsets;
    b.EntryOffsets(&offsets);
    entries += offsets.size();
  });
  EXPECT_EQ(master, (std::vector<std::string>{"f", "g", "f", "g", "f", "g"}));
  EXPECT_EQ(entries, 250u);
  auto all = Collect(s, StreamId::Min(), StreamId::Max(), false);
  ASSERT_EQ(all.size(), 250u);
  EXPECT_EQ(all[4].second, (Fields{"other", "5"}));
  EXPECT_EQ(all[5].second, (Fields{"f", "6", "g", std::string(6, 'x')}));
  auto rev = Collect(s, StreamId::Min(), StreamId::Max(), true);
  ASSERT_EQ(rev.size(), 250u);
  EXPECT_EQ(rev.front().first, (StreamId{250, 1}));
  EXPECT_EQ(rev.back().first, (StreamId{1, 1}));
}

TEST(StreamTest, SequenceBelowMasterIsEncodedAsNegativeDelta) {
  Stream s;
  ASSERT_TRUE(Add(s, {5, 1000000}, {"f", "a"}));
  ASSERT_TRUE(Add(s, {6, 0}, {"f", "b"}));
  ASSERT_TRUE(Add(s, {UINT64_MAX, UINT64_MAX}, {"f", "c"}));
  auto all = Collect(s, StreamId::Min(), StreamId::Max(), false);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].first, (StreamId{6, 0}));
  EXPECT_EQ(all[2].first, StreamId::Max());
}

TEST(StreamTest, DeleteMaintainsFirstIdAndTombstones) {
  Stream s;
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(Add(s, {i, 0}, {"f", "v"}));
  EXPECT_TRUE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({9, 0}));
  EXPECT_EQ(s.first_id(), (StreamId{2, 0}));
  EXPECT_TRUE(s.Delete({3, 0}));
  EXPECT_EQ(s.max_deleted_id(), (StreamId{3, 0}));
  EXPECT_FALSE(s.Contains({3, 0}));
  EXPECT_TRUE(s.Contains({4, 0}));
  for (uint64_t i : {2, 4, 5}) EXPECT_TRUE(s.Delete({i, 0}));
  EXPECT_EQ(s.length(), 0u);
  EXPECT_EQ(s.num_blocks(), 0u);  // a block goes once its last live entry does
  EXPECT_EQ(s.first_id(), StreamId::Min());
  EXPECT_EQ(s.last_id(), (StreamId{5, 0}));
}

TEST(StreamTest, ApproximateTrimRemovesWholeBlocksOnly) {
  Stream s;
  for (uint64_t i = 1; i <= 350; ++i) ASSERT_TRUE(Add(s, {i, 0}, {"f", "v"}));
  TrimSpec spec{TrimStrategy::kMaxLen, true, 10000, 120, {}};
  EXPECT_EQ(s.Trim(spec), 200);  // two blocks of 100; a third would leave fewer than 120
  EXPECT_EQ(s.length(), 150u);
  spec.approx = false;
  spec.limit = 0;
  EXPECT_EQ(s.Trim(spec), 30);
  EXPECT_EQ(s.first_id(), (StreamId{231, 0}));
  TrimSpec by_id{TrimStrategy::kMinId, false, 0, 0, {300, 0}};
  EXPECT_EQ(s.Trim(by_id), 69);
  EXPECT_EQ(s.first_id(), (StreamId{300, 0}));
  TrimSpec limited{TrimStrategy::kMaxLen, true, 10, 0, {}};
  EXPECT_EQ(s.Trim(limited), 1);  // the block left with only 300-0 goes whole
  EXPECT_EQ(s.Trim(limited), 0);  // the next block (50 entries) is more than LIMIT allows
  EXPECT_EQ(s.length(), 50u);
}

TEST(StreamTest, RandomOperationsMatchModel) {
  std::mt19937_64 rng(42);
  Stream s;
  std::map<StreamId, Fields> model;
  StreamLimits limits{256, 7};  // small blocks: many boundaries
  uint64_t next_ms = 1;
  for (int step = 0; step < 4000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      StreamId id{next_ms, rng() % 3};
      next_ms += 1 + rng() % 2;
      Fields fv = rng() % 2 ? Fields{"a", std::to_string(rng() % 1000)}
                            : Fields{"a", "x", "b", std::string(rng() % 40, 'y')};
      ASSERT_TRUE(Add(s, id, fv, limits));
      model[id] = fv;
    } else if (op < 8 && !model.empty()) {
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      ASSERT_TRUE(s.Delete(it->first));
      model.erase(it);
    } else if (op == 8) {
      int64_t maxlen = static_cast<int64_t>(rng() % 60);
      TrimSpec spec{TrimStrategy::kMaxLen, false, 0, maxlen, {}};
      s.Trim(spec);
      while (model.size() > static_cast<size_t>(maxlen)) model.erase(model.begin());
    } else {
      StreamId a{rng() % next_ms, rng() % 3}, b{rng() % next_ms, rng() % 3};
      if (b < a) std::swap(a, b);
      auto fwd = Collect(s, a, b, false);
      auto rev = Collect(s, a, b, true);
      std::vector<std::pair<StreamId, Fields>> expect(model.lower_bound(a), model.upper_bound(b));
      ASSERT_EQ(fwd, expect);
      std::reverse(expect.begin(), expect.end());
      ASSERT_EQ(rev, expect);
    }
    ASSERT_EQ(s.length(), model.size());
    StreamId last;
    ASSERT_EQ(s.LastValidId(&last), !model.empty());
    if (!model.empty()) {
      ASSERT_EQ(s.first_id(), model.begin()->first);
      ASSERT_EQ(last, model.rbegin()->first);
    }
  }
  Stream copy(s);
  EXPECT_EQ(Collect(copy, StreamId::Min(), StreamId::Max(), false),
            Collect(s, StreamId::Min(), StreamId::Max(), false));
}

TEST(StreamTest, LagFollowsRedisRules) {
  Stream s;
  ConsumerGroup* g = s.CreateGroup("g", StreamId::Min(), ConsumerGroup::kInvalidEntriesRead);
  int64_t lag = -1;
  ASSERT_TRUE(s.GroupLag(*g, &lag));
  EXPECT_EQ(lag, 0);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(Add(s, {i, 0}, {"f", "v"}));
  ASSERT_TRUE(s.GroupLag(*g, &lag));  // before the first entry, no tombstones: exact
  EXPECT_EQ(lag, 10);
  s.AdvanceGroup(*g, {1, 0});
  s.AdvanceGroup(*g, {2, 0});
  EXPECT_EQ(g->entries_read, 2);
  s.Delete({5, 0});
  EXPECT_FALSE(s.GroupLag(*g, &lag));  // a tombstone ahead of the group: unknown
  // Delivering across the tombstone loses the counter until the last entry pins it again.
  s.AdvanceGroup(*g, {3, 0});
  EXPECT_EQ(g->entries_read, ConsumerGroup::kInvalidEntriesRead);
  for (uint64_t i : {4, 6, 7, 8, 9}) s.AdvanceGroup(*g, {i, 0});
  EXPECT_EQ(g->entries_read, ConsumerGroup::kInvalidEntriesRead);
  s.AdvanceGroup(*g, {10, 0});
  EXPECT_EQ(g->entries_read, 10);
  ASSERT_TRUE(s.GroupLag(*g, &lag));
  EXPECT_EQ(lag, 0);
  EXPECT_EQ(s.EstimateEntriesRead({11, 0}), ConsumerGroup::kInvalidEntriesRead);
}

}  // namespace
}  // namespace rill::ds
