// KeyIndex: the keyspace's hash index over entry blocks (internal to datastructs/).
//
// Extendible hashing: a directory of 2^global_depth slots, indexed by the low bits of the key's
// 64-bit hash, points at segments; a segment with local depth d owns every directory slot that
// shares its low d bits. A segment is a bounded absl::flat_hash_set; when it is full it splits
// in two by hash bit d, doubling the directory first if d == global_depth. Growth therefore
// costs one segment's rehash at a time, never the whole table's.
//
// Scan cursors are directory slots walked in reverse-binary order (the dictScan technique):
// after visiting a segment of depth d the cursor advances by incrementing its low d bits
// counted from the top, so every slot sharing the segment is skipped at once and splits between
// calls never make the walk miss a key that was present throughout.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "datastructs/entry_block.h"
#include "datastructs/key_hash.h"

namespace rill::ds {

class KeyIndex {
 public:
  using Block = uint8_t;

  static uint64_t Hash(std::string_view key) { return HashKey(key); }

  KeyIndex();
  ~KeyIndex();
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  Block* Find(std::string_view key, uint64_t hash) const;
  // Prefetching for a batch of lookups (Database::PrefetchKeys): first the control bytes and
  // slots a Find of `hash` will probe, then, once those have arrived, the block of the first
  // slot whose 7-bit tag matches (the key itself is not compared: that would wait for the very
  // block being prefetched; a wrong guess, about 1 in 128 per probed slot, costs only a
  // useless prefetch).
  void PrefetchSlots(uint64_t hash) const;
  void PrefetchBlock(uint64_t hash) const;
  // Points the slot holding `old_block`'s key at `new_block` (same key, reallocated block).
  void Replace(const Block* old_block, Block* new_block, uint64_t hash);
  // REQUIRES: no block with the same key is present.
  void Insert(Block* block, uint64_t hash);
  // Removes and returns the block for `key`, or nullptr. The caller owns the block.
  Block* Erase(std::string_view key, uint64_t hash);

  size_t size() const { return size_; }

  template <typename Visit>
  uint64_t Scan(uint64_t cursor, size_t count, Visit&& visit) const;

  // Visits every block. Blocks sit all over the heap, so touching each is a cache miss: the
  // next few are prefetched while the current one is visited (a save or FLUSHALL of a big
  // database spends most of its time waiting for memory otherwise).
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    constexpr size_t kAhead = 8;
    Block* ring[kAhead];
    size_t queued = 0, head = 0;
    for (const auto& segment : segments_) {
      for (Block* b : segment->blocks) {
        __builtin_prefetch(b);
        if (queued < kAhead) {
          ring[queued++] = b;
          continue;
        }
        Block* next = ring[head];
        ring[head] = b;
        head = (head + 1) % kAhead;
        visit(next);
      }
    }
    for (size_t i = 0; i < queued; ++i) visit(ring[(head + i) % kAhead]);
  }

  // Sizes an empty index for about `keys` keys up front (a load that knows its key count), so
  // that filling it never splits a segment. No effect on a non-empty index.
  void Reserve(size_t keys);

  Block* Random(absl::BitGen& gen) const;
  // Visits up to `count` blocks from a random place of the index: consecutive slots of a random
  // segment (as Redis's dictGetSomeKeys takes consecutive buckets), continuing in other segments
  // when that one holds fewer (a block may then come twice, as with Redis). Sampling for
  // eviction; O(count) on the pinned abseil (see SampleSegment in key_index.cc).
  template <typename Visit>
  void Sample(absl::BitGen& gen, size_t count, Visit&& visit) const;

  // Forgets every block (the caller frees them first) and shrinks back to one segment.
  void Clear();
  void Swap(KeyIndex& other);

  // Approximate bytes of directory and segment tables.
  size_t MemoryUsage() const;

  size_t segment_count() const { return segments_.size(); }
  int global_depth() const { return global_depth_; }

  // A segment splits when an insert finds it holding this many keys. 896 = 7/8 of a 1023-slot
  // table: the largest load absl's flat_hash_set allows before growing.
  static constexpr size_t kSegmentMaxKeys = 896;

 private:
  // A lookup key carrying its precomputed hash, so one hash serves directory and segment.
  struct LookupKey {
    std::string_view key;
    uint64_t hash;
  };
  // A probe that matches whatever block it meets first among the tag matches (PrefetchBlock).
  struct AnyKeyWithHash {
    uint64_t hash;
  };
  struct SegmentHash {
    using is_transparent = void;
    size_t operator()(const Block* b) const { return Mix(Hash(block::Key(b))); }
    size_t operator()(const LookupKey& k) const { return Mix(k.hash); }
    size_t operator()(const AnyKeyWithHash& k) const { return Mix(k.hash); }
  };
  struct SegmentEq {
    using is_transparent = void;
    bool operator()(const Block* a, const Block* b) const {
      return a == b || block::Key(a) == block::Key(b);
    }
    bool operator()(const Block* a, const LookupKey& k) const { return block::Key(a) == k.key; }
    bool operator()(const LookupKey& k, const Block* a) const { return block::Key(a) == k.key; }
    bool operator()(const Block*, const AnyKeyWithHash&) const { return true; }
    bool operator()(const AnyKeyWithHash&, const Block*) const { return true; }
  };
  using BlockSet = absl::flat_hash_set<Block*, SegmentHash, SegmentEq>;

  struct Segment {
    BlockSet blocks;
    int depth = 0;
  };

  friend struct SegmentSlots;

  // Within a segment the low `depth` hash bits are all equal; flat_hash_set takes its 7-bit
  // control tag from the low bits and its probe start from the bits above, so rotate the
  // directory bits out of both.
  static size_t Mix(uint64_t h) { return static_cast<size_t>((h >> 32) | (h << 32)); }

  Segment* SegmentFor(uint64_t hash) const {
    return directory_[hash & ((uint64_t{1} << global_depth_) - 1)];
  }
  // Visits `count` blocks of `s` in table order from a random slot, wrapping around.
  // REQUIRES: count <= s.blocks.size().
  static void SampleSegment(const Segment& s, absl::BitGen& gen, size_t count,
                            void (*visit)(void*, Block*), void* arg);
  bool CanSplit(const Segment& s) const;
  void Split(Segment* segment, uint64_t hash_in_segment);

  std::vector<std::unique_ptr<Segment>> segments_;
  std::vector<Segment*> directory_;
  int global_depth_ = 0;
  size_t size_ = 0;
};

uint64_t ReverseBits(uint64_t v);

template <typename Visit>
void KeyIndex::Sample(absl::BitGen& gen, size_t count, Visit&& visit) const {
  if (size_ == 0 || count == 0) return;
  count = std::min(count, size_);
  // A uniform directory slot picks a segment with the probability of its share of the keys;
  // then take consecutive blocks there and continue in the next segment if it has too few.
  size_t slot = absl::Uniform<size_t>(gen, 0, directory_.size());
  const Segment* previous = nullptr;
  for (size_t steps = 0; count > 0 && steps < directory_.size(); ++steps) {
    const Segment* s = directory_[(slot + steps) % directory_.size()];
    if (s == previous || s->blocks.empty()) continue;  // a segment owns several slots
    previous = s;
    const size_t n = std::min(count, s->blocks.size());
    SampleSegment(
        *s, gen, n, [](void* arg, Block* b) { (*static_cast<Visit*>(arg))(b); },
        const_cast<void*>(static_cast<const void*>(&visit)));
    count -= n;
  }
}

template <typename Visit>
uint64_t KeyIndex::Scan(uint64_t cursor, size_t count, Visit&& visit) const {
  uint64_t v = cursor;
  size_t visited = 0;
  do {
    const Segment* segment = SegmentFor(v);
    for (Block* b : segment->blocks) visit(b);
    visited += segment->blocks.size();
    const uint64_t mask = (uint64_t{1} << segment->depth) - 1;
    v |= ~mask;
    v = ReverseBits(ReverseBits(v) + 1);
  } while (v != 0 && visited < count);
  return v;
}

}  // namespace rill::ds
