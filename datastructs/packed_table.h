// PackedTable: a hash table of distinct byte-string keys, each with a byte-string value (empty
// for sets), for the big forms of hashes (field -> value), sets (members) and sorted sets'
// member index (member -> the score's bytes).
//
// It is a SegmentedTable (segmented_table.h), so it grows and shrinks one bounded segment at a
// time (no stall when a 10-million-field hash doubles) and its Scan keeps SCAN's guarantee. A
// segment keeps its entries packed back to back in one byte arena, and its hash set holds
// 4-byte offsets into that arena instead of pointers to separate heap blocks:
//
//   inline entry (encoded size <= kMaxInlineEntry):
//     +--------------------+-----+----------------+-------+
//     | varint(key_len<<1) | key | varint(val_len)| value |
//     +--------------------+-----+----------------+-------+
//   big entry: [0x01][8-byte pointer to a heap block holding varint key_len, key, varint
//              val_len, value]
//
// so a 16-byte field with a 16-byte value costs its 34 bytes plus ~7.5 bytes of slot and
// control byte, where a dict entry and two sds strings cost Redis about 80. Big entries live
// apart so that moving an arena (growth, a split, compaction) copies at most ~kMaxInlineEntry
// bytes per entry. An overwritten or erased entry leaves a hole; a segment whose holes exceed a
// quarter of its arena is compacted (one bounded segment at a time, like a split).
//
// Views returned by Find, ForEach, Scan and Random are valid until the next change. Keys and
// values passed in must not point into the table itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/random/random.h"
#include "datastructs/segmented_table.h"

namespace rill::ds {

class PackedTable {
 public:
  struct Entry {
    std::string_view key;
    std::string_view value;
  };

  // Entries whose inline encoding would be bigger than this go to a heap block of their own.
  static constexpr size_t kMaxInlineEntry = 128;

  PackedTable() = default;
  PackedTable(const PackedTable& other);
  PackedTable& operator=(const PackedTable&) = delete;
  ~PackedTable();

  size_t size() const { return table_.size(); }
  bool empty() const { return table_.size() == 0; }

  // True if `key` is present; its value is stored in *value when given.
  bool Find(std::string_view key, std::string_view* value = nullptr) const;
  // Sets `key`'s value, adding the key if absent. True if it was added.
  bool Set(std::string_view key, std::string_view value);
  // Adds `key` with `value` if absent. False (nothing changed) if it was present.
  bool Add(std::string_view key, std::string_view value = {});
  // Removes `key`. False if absent.
  bool Erase(std::string_view key);
  // Forgets every entry.
  void Clear();

  // Visits one or more segments' entries from `cursor` until at least `count` were visited
  // (SegmentedTable::Scan). Returns the next cursor, 0 when done.
  uint64_t Scan(uint64_t cursor, size_t count, absl::FunctionRef<void(const Entry&)> visit) const;
  void ForEach(absl::FunctionRef<void(const Entry&)> visit) const;
  // A random entry (near-uniform: see SegmentedTable::Random). REQUIRES: !empty().
  Entry Random(absl::BitGen& gen) const;

  // Sizes an empty table for about `n` entries (a load that knows its count).
  void Reserve(size_t n) { table_.Reserve(n); }

  // Bytes held: tables, arenas and big entries' blocks.
  size_t MemoryUsage() const;

 private:
  struct Arena {
    Arena() = default;
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena();
    char* data = nullptr;
    uint32_t used = 0;
    uint32_t capacity = 0;
    uint32_t dead = 0;  // bytes of holes left by overwritten or erased entries
  };
  struct Policy {
    using Slot = uint32_t;
    using Store = Arena;
    static std::string_view KeyOf(const Arena* arena, uint32_t offset);
    static uint64_t Hash(std::string_view key);
    static uint32_t Transfer(Arena& from, uint32_t offset, Arena& to);
    static void Prepare(const Arena& from, size_t part, size_t total, Arena& to);
    static void Prefetch(const Arena*, uint32_t) {}
  };
  using Table = SegmentedTable<Policy>;

  static Entry Read(const Arena& arena, uint32_t offset);
  // Bytes the entry at `offset` takes in its arena (9 for a big entry's stub).
  static size_t ArenaSize(const Arena& arena, uint32_t offset);
  static bool IsBig(const Arena& arena, uint32_t offset);
  // Writes an entry for key/value at the end of `arena` (a block for a big one; its bytes are
  // added to *big_bytes) and returns its offset.
  static uint32_t Append(Arena& arena, std::string_view key, std::string_view value,
                         size_t* big_bytes);
  // Makes room for `n` more bytes at the end of `arena`.
  static void Grow(Arena& arena, size_t n);
  // Marks the entry at `offset` as a hole, freeing a big entry's block.
  void Release(Arena& arena, uint32_t offset);
  // Rewrites the segment's arena without its holes once they take over a quarter of it.
  static void MaybeCompact(Table::Ref ref);
  // Frees every big entry's block (the arenas go with their segments).
  void FreeBigEntries();

  Table table_;
  size_t big_bytes_ = 0;  // malloc_usable_size of big entries' blocks
};

}  // namespace rill::ds
