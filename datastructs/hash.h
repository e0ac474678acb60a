// A Redis hash: field -> value, both byte strings.
//
// Two forms, as Redis has, and the same conversion rules (the command layer passes the
// thresholds, hash-max-listpack-entries / -value):
//
//   listpack  while the hash has at most max_listpack_entries fields and no field or value
//             longer than max_listpack_value: one malloc'd byte array of entries in insertion
//             order, [varint field_len][field][varint value_len][value] each (a field is found
//             by a linear walk, as in Redis's listpack; OBJECT ENCODING says "listpack").
//   hashtable beyond that, for good: a PackedTable (packed_table.h), ~42 bytes per 16-byte
//             field and value where Redis's dict entry and two sds strings take ~80.
//
// The object itself is 24 bytes (a 32-byte malloc chunk), the same as Redis's robj + listpack
// pointer. Views returned by Get, ForEach, Scan and sampling are valid until the next change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "datastructs/value.h"

namespace rill::ds {

class PackedTable;

struct HashLimits {
  size_t max_listpack_entries = 512;
  size_t max_listpack_value = 64;
};

class Hash final : public ObjectValue {
 public:
  using Visit = absl::FunctionRef<void(std::string_view field, std::string_view value)>;

  Hash() = default;
  Hash(const Hash& other);
  Hash& operator=(const Hash&) = delete;
  ~Hash() override;

  ValueType type() const override { return ValueType::kHash; }
  std::unique_ptr<ObjectValue> Clone() const override;
  size_t MemoryUsage() const override;
  std::string_view EncodingName() const override;

  bool is_listpack() const { return bytes_ != kTableForm; }
  size_t size() const;
  bool empty() const { return size() == 0; }

  // True if `field` is present; its value goes to *value when given.
  bool Get(std::string_view field, std::string_view* value = nullptr) const;
  // Sets `field` to `value`; true if the field was added. A listpack hash becomes a table
  // before the write when field or value is longer than max_listpack_value, and after it when
  // it has more than max_listpack_entries fields (Redis's hashTypeSet).
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // False if the field was absent.
  bool Erase(std::string_view field);
  // Moves a listpack hash to the table form (what HSET does first when one of its arguments
  // is longer than max_listpack_value). No effect on a table.
  void ConvertToTable();
  // Prepares an empty hash for `n` fields that will not fit a listpack (an RDB load).
  void ReserveTable(size_t n);

  // Visits every field: insertion order for a listpack, table order otherwise.
  void ForEach(Visit visit) const;
  // HSCAN: one or more table segments from `cursor`, the whole listpack at once (cursor 0 after
  // it, as Redis does).
  uint64_t Scan(uint64_t cursor, size_t count, Visit visit) const;
  // A random field. REQUIRES: !empty().
  void Random(absl::BitGen& gen, Visit visit) const;
  // `count` distinct random fields (all of them when count >= size()), order unspecified.
  void SampleDistinct(absl::BitGen& gen, size_t count, Visit visit) const;

 private:
  static constexpr uint32_t kTableForm = UINT32_MAX;

  PackedTable* table() const { return static_cast<PackedTable*>(rep_); }
  // Byte offset of `field`'s entry in the listpack, or -1.
  int64_t PackFind(std::string_view field) const;
  void PackAppend(std::string_view field, std::string_view value);
  // Replaces the entry at `offset` (of `old_bytes` bytes) with one for field/value.
  void PackReplace(size_t offset, size_t old_bytes, std::string_view field, std::string_view value);
  void PackErase(size_t offset, size_t bytes);
  void PackReserve(size_t bytes);

  void* rep_ = nullptr;  // the listpack's bytes (malloc), or the PackedTable
  uint32_t bytes_ = 0;   // listpack bytes used, or kTableForm
  uint32_t pack_count_ = 0;
};

}  // namespace rill::ds
