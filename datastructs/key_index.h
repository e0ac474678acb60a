// KeyIndex: the keyspace's hash index over entry blocks (internal to datastructs/).
//
// A SegmentedTable (segmented_table.h: extendible hashing over bounded segments, growth and
// shrink one segment at a time, reverse-binary scan cursors) whose slots are pointers to the
// keys' heap blocks (entry_block.h). Blocks never move for the index's sake: an Entry* stays
// valid across splits and merges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/random/random.h"
#include "datastructs/entry_block.h"
#include "datastructs/key_hash.h"
#include "datastructs/segmented_table.h"

namespace rill::ds {

class KeyIndex {
 public:
  using Block = uint8_t;

  static uint64_t Hash(std::string_view key) { return HashKey(key); }

  KeyIndex() = default;
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  Block* Find(std::string_view key, uint64_t hash) const;
  // Prefetching for a batch of lookups (Database::PrefetchKeys): first the control bytes and
  // slots a Find of `hash` will probe, then, once those have arrived, the block of the first
  // slot whose 7-bit tag matches (see SegmentedTable::PrefetchEntry).
  void PrefetchSlots(uint64_t hash) const { table_.PrefetchSlots(hash); }
  void PrefetchBlock(uint64_t hash) const;
  // Points the slot holding `old_block`'s key at `new_block` (same key, reallocated block).
  void Replace(const Block* old_block, Block* new_block, uint64_t hash);
  // REQUIRES: no block with the same key is present.
  void Insert(Block* block, uint64_t hash);
  // Removes and returns the block for `key`, or nullptr. The caller owns the block.
  Block* Erase(std::string_view key, uint64_t hash);

  size_t size() const { return table_.size(); }

  template <typename Visit>
  uint64_t Scan(uint64_t cursor, size_t count, Visit&& visit) const {
    return table_.Scan(cursor, count, [&visit](const Policy::Store*, Block* b) { visit(b); });
  }

  // Visits every block (prefetching a few ahead: a save or FLUSHALL of a big database spends
  // most of its time waiting for memory otherwise).
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    table_.ForEach([&visit](const Policy::Store*, Block* b) { visit(b); });
  }

  // Sizes an empty index for about `keys` keys up front (a load that knows its key count), so
  // that filling it never splits a segment. No effect on a non-empty index.
  void Reserve(size_t keys) { table_.Reserve(keys); }

  Block* Random(absl::BitGen& gen) const;
  // Visits up to `count` blocks from a random place of the index (eviction sampling, like
  // Redis's dictGetSomeKeys; see SegmentedTable::Sample).
  template <typename Visit>
  void Sample(absl::BitGen& gen, size_t count, Visit&& visit) const {
    table_.Sample(gen, count, [&visit](const Policy::Store*, Block* b) { visit(b); });
  }

  // Forgets every block (the caller frees them first) and shrinks back to one segment.
  void Clear() { table_.Clear(); }
  void Swap(KeyIndex& other) { table_.Swap(other.table_); }

  // Approximate bytes of directory and segment tables.
  size_t MemoryUsage() const { return table_.MemoryUsage(); }

  size_t segment_count() const { return table_.segment_count(); }
  int global_depth() const { return table_.global_depth(); }

 private:
  struct Policy {
    using Slot = Block*;
    struct Store {};
    static std::string_view KeyOf(const Store*, const Block* b) { return block::Key(b); }
    static uint64_t Hash(std::string_view key) { return HashKey(key); }
    static Block* Transfer(Store&, Block* b, Store&) { return b; }
    static void Prepare(const Store&, size_t, size_t, Store&) {}
    static void Prefetch(const Store*, const Block* b) { __builtin_prefetch(b); }
  };
  using Table = SegmentedTable<Policy>;

 public:
  static constexpr size_t kSegmentMaxKeys = Table::kSegmentMaxKeys;

 private:
  Table table_;
};

}  // namespace rill::ds
