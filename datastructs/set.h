// A Redis set of distinct byte strings.
//
// Two forms, as in Redis 7.0, with its conversion rules (the command layer passes
// set-max-intset-entries):
//
//   intset    while every member is the canonical decimal form of an int64 (ParseInt64, Redis's
//             string2ll) and there are at most max_intset_entries of them: an IntSet
//             (intset.h), sorted, so members come back in ascending order.
//   hashtable beyond that, for good: a PackedTable of members (packed_table.h), ~25 bytes per
//             16-byte member where Redis's dict entry and sds take ~56.
//
// The object is 24 bytes. Views passed to visitors are valid until the next change; an
// intset's members are formatted into a buffer that lives only for the visit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "datastructs/intset.h"
#include "datastructs/value.h"

namespace rill::ds {

class PackedTable;

struct SetLimits {
  size_t max_intset_entries = 512;
};

class Set final : public ObjectValue {
 public:
  using Visit = absl::FunctionRef<void(std::string_view member)>;

  // An empty intset.
  Set();
  Set(const Set& other);
  Set& operator=(const Set&) = delete;
  ~Set() override;

  ValueType type() const override { return ValueType::kSet; }
  std::unique_ptr<ObjectValue> Clone() const override;
  size_t MemoryUsage() const override;
  std::string_view EncodingName() const override;

  bool is_intset() const { return !is_table_; }
  size_t size() const;
  bool empty() const { return size() == 0; }

  bool Contains(std::string_view member) const;
  // True if added. An intset becomes a table when `member` is not an integer or when the add
  // makes it hold more than max_intset_entries members (Redis's setTypeAdd).
  bool Add(std::string_view member, const SetLimits& limits);
  // False if absent.
  bool Erase(std::string_view member);
  void ConvertToTable();
  // Prepares an empty set for `n` members that will not fit an intset (an RDB load).
  void ReserveTable(size_t n);

  // Visits every member: ascending for an intset, table order otherwise.
  void ForEach(Visit visit) const;
  // SSCAN: table segments from `cursor`; the whole intset at once (returns 0), as Redis does.
  uint64_t Scan(uint64_t cursor, size_t count, Visit visit) const;
  // A random member. REQUIRES: !empty().
  void Random(absl::BitGen& gen, Visit visit) const;
  // `count` distinct random members (all when count >= size()), order unspecified.
  void SampleDistinct(absl::BitGen& gen, size_t count, Visit visit) const;

  // The intset (REQUIRES: is_intset()), for RDB's SET_INTSET payload.
  const IntSet& intset() const;
  // Replaces an empty set's contents with a validated intset blob (IntSet::Load); returns why
  // it was refused, or nullptr.
  const char* LoadIntset(std::string_view blob);

 private:
  const IntSet* ints() const { return &ints_; }
  IntSet* ints() { return &ints_; }
  PackedTable* table() const { return table_; }

  union {
    IntSet ints_;  // while !is_table_ (the intset's blob pointer: no second object)
    PackedTable* table_;
  };
  bool is_table_ = false;
};

}  // namespace rill::ds
