// A Redis sorted set: members with double scores, ordered by (score, member).
//
// Two forms, switched as Redis 7.0 switches its encodings so that OBJECT ENCODING answers the
// same:
//  * packed (ZPack, "listpack"): one buffer, linear operations; while the set has at most
//    zset-max-listpack-entries members of at most zset-max-listpack-value bytes each;
//  * big (ZTree + ZIndex, reported as "skiplist"): an order-statistic B+ tree of packed
//    entries beside a member -> score index, every operation O(log n).
// A set that grows past either limit turns big and stays big (as in Redis: removals never
// convert back), except where a command rebuilds it (ShrinkToPackedIfFits: ZRANGESTORE, the
// STORE forms of ZUNION/ZINTER/ZDIFF, GEOSEARCHSTORE) or a load reads it (RDB loads call it too).
//
// Scores are never NaN (callers refuse it before asking). Ranks are 0-based, ascending.
// String views handed out are valid until the next change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "datastructs/value.h"
#include "datastructs/zset_order.h"
#include "datastructs/zset_pack.h"

namespace rill::ds {

// zset-max-listpack-entries / zset-max-listpack-value.
struct ZSetLimits {
  size_t max_packed_entries = 128;
  size_t max_packed_value = 64;
};

class ZSet final : public ObjectValue {
 public:
  static constexpr ValueType kType = ValueType::kZSet;

  // Starts packed when `size_hint` members of up to `max_member_len` bytes fit the limits, as
  // Redis's zsetTypeCreate decides (ZADD passes its argument count and longest member).
  ZSet(size_t size_hint, size_t max_member_len, const ZSetLimits& limits);
  ZSet(const ZSet& other);
  ZSet& operator=(const ZSet&) = delete;
  ~ZSet() override;

  ValueType type() const override { return ValueType::kZSet; }
  std::unique_ptr<ObjectValue> Clone() const override;
  size_t MemoryUsage() const override;
  std::string_view EncodingName() const override { return packed() ? "listpack" : "skiplist"; }

  bool packed() const { return big() == nullptr; }
  size_t size() const;
  bool empty() const { return size() == 0; }

  // The score of `member`; false when absent.
  bool Score(std::string_view member, double* score) const;
  // The ascending rank of `member` (and its score when `score` is non-null); false when absent.
  bool Rank(std::string_view member, size_t* rank, double* score = nullptr) const;

  enum class SetResult { kAdded, kUpdated, kUnchanged };
  // Gives `member` the score `score` (adding it if absent), turning big first when a new
  // member would pass the limits. *old_score receives the previous score when updated.
  SetResult Set(std::string_view member, double score, const ZSetLimits& limits,
                double* old_score = nullptr);
  // A member found for a change (ZADD's options need the old score before deciding): its score
  // and, in the big form, where the member table keeps it, so that ChangeScore writes the new
  // score there instead of looking the member up again. Valid until the next change.
  struct Found {
    double score = 0;
    char* table_score = nullptr;
  };
  bool Find(std::string_view member, Found* found) const;
  // The two halves of Set for callers that know whether the member is there: Insert REQUIRES the
  // member absent (in order is cheapest: appends fill the tree's leaves), ChangeScore REQUIRES
  // `found` from Find with no change since. One member lookup fewer than Set.
  void Insert(std::string_view member, double score, const ZSetLimits& limits);
  void ChangeScore(std::string_view member, const Found& found, double score);
  // Removes `member`; false when absent.
  bool Remove(std::string_view member);

  // Entries before `bound` (see ZBound): a range is [CountBefore(low), CountBefore(high)).
  size_t CountBefore(const ZBound& bound) const;
  // Visits ranks [start, end] (REQUIRES: start <= end < size()), ascending or, when `reverse`,
  // from end down to start; visit returns false to stop.
  void ForRange(size_t start, size_t end, bool reverse,
                absl::FunctionRef<bool(double score, std::string_view member)> visit) const;
  void ForEach(absl::FunctionRef<void(double score, std::string_view member)> visit) const;
  // Removes `n` entries from rank `start` (clamped), calling removed(score, member) for each
  // before it goes.
  void EraseRanks(size_t start, size_t n,
                  absl::FunctionRef<void(double score, std::string_view member)> removed);

  // Turns packed when the set fits the limits (see above).
  void ShrinkToPackedIfFits(const ZSetLimits& limits);
  // Turns big (for tests and for callers that know the set will grow).
  void ConvertToBig();

  // ZSCAN: the packed form visits every entry, in order, and returns 0 (Redis replies a
  // listpack whole); the big form walks the member table from `cursor` (PackedTable::Scan:
  // every member present throughout a full walk is visited) and returns the next cursor.
  uint64_t Scan(uint64_t cursor, size_t count,
                absl::FunctionRef<void(double score, std::string_view member)> visit) const;

  // For tests: checks the big form's invariants (aborts on a violation).
  void CheckInvariants() const;

 private:
  struct Big;
  static constexpr uint32_t kBigMarker = UINT32_MAX;

  // Packed: pack_ holds the entries. Big: pack_.buf points at the Big and pack_.bytes is
  // kBigMarker (a word less per set than a separate pointer: the object is 24 bytes, which
  // matters for many small sets).
  Big* big() const {
    return pack_.bytes == kBigMarker ? reinterpret_cast<Big*>(pack_.buf) : nullptr;
  }
  void SetBig(Big* big);

  ZPack pack_;
};

}  // namespace rill::ds
