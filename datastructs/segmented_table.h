// SegmentedTable<Policy>: the one hash table of datastructs/ (the keyspace's index, big hashes,
// big sets, and sorted sets' member index are all instances of it).
//
// Extendible hashing: a directory of 2^global_depth slots, indexed by the low bits of a key's
// 64-bit hash, points at segments; a segment with local depth d owns every directory slot that
// shares its low d bits. A segment is a bounded absl::flat_hash_set of Policy::Slot values
// (block pointers, or offsets into the segment's own Policy::Store). When an insert finds a
// segment full, the segment splits in two by hash bit d (doubling the directory first if d ==
// global_depth); when an erase leaves a segment and its buddy (the segment differing only in
// bit d-1) nearly empty, the two merge (halving the directory when no segment needs its top
// bit). Growth and shrink therefore cost one segment's rehash at a time, never the whole
// table's: no stall however big the table gets.
//
// Scan cursors are directory slots walked in reverse-binary order (the dictScan technique):
// after visiting a segment of depth d the cursor advances by incrementing its low d bits
// counted from the top, so every slot sharing the segment is skipped at once, and splits or
// merges between calls never make the walk miss a key that was present throughout (a key may
// come twice after a merge, as with Redis's SCAN).
//
// The Policy contract (see KeyIndex and PackedTable for the two policies):
//
//   using Slot = ...;    // trivially copyable; what a segment's set stores
//   struct Store;        // per-segment storage the slots may point into (empty if none);
//                        // default-constructible, lives as long as its segment, never moves
//   static std::string_view KeyOf(const Store*, Slot);
//   static uint64_t Hash(std::string_view key);     // every bit must depend on every key bit
//   // Moves the entry of `slot` from `from` to `to` (a split or merge) and returns its slot
//   // there. `from` is dropped afterwards without being told which entries it held.
//   static Slot Transfer(Store& from, Slot slot, Store& to);
//   // Called before a split's or merge's transfers, with the number of entries `to` will get
//   // out of `total` held by `from` (a Store may size itself once instead of growing).
//   static void Prepare(const Store& from, size_t part, size_t total, Store& to);
//   // Starts fetching what visiting `slot` will read (ForEach runs it a few entries ahead).
//   static void Prefetch(const Store*, Slot);
//
// Stores are reached by the segment's hash and equality functors through a pointer, which is
// why segments live on the heap and never move. An empty Store costs nothing: the functors then
// hold no pointer (the keyspace's segments are exactly what they were before this template).
//
// Not thread-safe. A Ref is valid until the next insert or erase.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/config.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"

// Random access to a segment's slots. absl's flat_hash_set offers no "slot i", and walking its
// iterator to a random offset costs ~7 ns per element (3 µs for one eviction sample), so on the
// abseil release Debian 12 ships, the slot arrays are read through the debug-access hook that
// raw_hash_set befriends (any specialization of HashtableDebugAccess). Other releases fall back
// to iterator walking: slower, same results.
#if defined(ABSL_LTS_RELEASE_VERSION) && ABSL_LTS_RELEASE_VERSION == 20220623
#define RILL_SEGMENT_SLOT_ACCESS 1
namespace rill::ds {
struct SegmentSlotsTag {};
}  // namespace rill::ds
namespace absl {
ABSL_NAMESPACE_BEGIN
namespace container_internal::hashtable_debug_internal {
template <typename Set>
struct HashtableDebugAccess<Set, rill::ds::SegmentSlotsTag> {
  static size_t Capacity(const Set& s) { return s.capacity_; }
  static bool IsFullAt(const Set& s, size_t i) { return IsFull(s.ctrl_[i]); }
  static auto At(const Set& s, size_t i) { return s.slots_[i]; }
};
}  // namespace container_internal::hashtable_debug_internal
ABSL_NAMESPACE_END
}  // namespace absl
#else
#define RILL_SEGMENT_SLOT_ACCESS 0
#endif

namespace rill::ds {

uint64_t ReverseBits(uint64_t v);

namespace segmented_table_internal {

// What the functors hold to reach a segment's store: a pointer, or nothing for an empty Store.
template <typename Store, bool kEmpty = std::is_empty_v<Store>>
struct StoreRef {
  explicit StoreRef(const Store* s) : store(s) {}
  const Store* get() const { return store; }
  const Store* store;
};
template <typename Store>
struct StoreRef<Store, true> {
  explicit StoreRef(const Store*) {}
  const Store* get() const { return nullptr; }
};

}  // namespace segmented_table_internal

template <typename Policy>
class SegmentedTable {
 public:
  using Slot = typename Policy::Slot;
  using Store = typename Policy::Store;

  // A segment splits when an insert finds it holding this many keys. 896 = 7/8 of a 1023-slot
  // table: the largest load absl's flat_hash_set allows before growing.
  static constexpr size_t kSegmentMaxKeys = 896;
  // A segment and its buddy merge when together they hold at most this many keys (an eighth of
  // a full segment: far enough below the split point that a size hovering there does not make
  // segments split and merge in turn).
  static constexpr size_t kMergeMaxKeys = kSegmentMaxKeys / 8;

 private:
  struct Segment;

 public:
  // A located entry: its segment's store and its slot, which may be overwritten with a slot for
  // the same key (PackedTable moves an entry inside its store). Valid until the next insert or
  // erase.
  struct Ref {
    Segment* segment = nullptr;
    Slot* slot = nullptr;
    explicit operator bool() const { return slot != nullptr; }
    Store& store() const { return segment->store; }
  };

  SegmentedTable() { Clear(); }
  SegmentedTable(const SegmentedTable&) = delete;
  SegmentedTable& operator=(const SegmentedTable&) = delete;

  // The slot of `key`, or `absent` (the keyspace's hot lookup: no Ref to build and test).
  Slot FindOr(std::string_view key, uint64_t hash, Slot absent) const {
    const Segment* segment = SegmentFor(hash);
    auto it = segment->slots.find(LookupKey{key, hash});
    return it == segment->slots.end() ? absent : *it;
  }

  Ref Find(std::string_view key, uint64_t hash) const {
    Segment* segment = SegmentFor(hash);
    auto it = segment->slots.find(LookupKey{key, hash});
    if (it == segment->slots.end()) return {};
    return {segment, const_cast<Slot*>(&*it)};
  }

  // Inserts the slot `make(Store&)` returns (an entry for `key` it just wrote into that store,
  // or a block pointer) unless `key` is present. *inserted says which happened; the Ref is the
  // key's entry either way.
  template <typename Make>
  Ref FindOrInsert(std::string_view key, uint64_t hash, Make&& make, bool* inserted) {
    Segment* segment = SegmentFor(hash);
    if (segment->slots.size() >= kSegmentMaxKeys && CanSplit(*segment)) {
      auto it = segment->slots.find(LookupKey{key, hash});
      if (it != segment->slots.end()) {
        *inserted = false;
        return {segment, const_cast<Slot*>(&*it)};
      }
      do {
        Split(segment, hash);
        segment = SegmentFor(hash);
      } while (segment->slots.size() >= kSegmentMaxKeys && CanSplit(*segment));
    }
    bool added = false;
    auto it = segment->slots.lazy_emplace(LookupKey{key, hash},
                                          [&](const typename SlotSet::constructor& construct) {
                                            added = true;
                                            construct(make(segment->store));
                                          });
    *inserted = added;
    size_ += added;
    return {segment, const_cast<Slot*>(&*it)};
  }

  // REQUIRES: `key` is absent.
  template <typename Make>
  Ref Insert(std::string_view key, uint64_t hash, Make&& make) {
    bool inserted;
    return FindOrInsert(key, hash, std::forward<Make>(make), &inserted);
  }

  // Removes `key`'s slot after handing it to `release(Store&, Slot)` (which frees what the
  // slot owns, or takes it over). Returns the segment the key was in (the merged one if the
  // erase merged it with its buddy), nullptr if the key was absent.
  template <typename Release>
  Segment* Erase(std::string_view key, uint64_t hash, Release&& release) {
    Segment* segment = SegmentFor(hash);
    auto it = segment->slots.find(LookupKey{key, hash});
    if (it == segment->slots.end()) return nullptr;
    release(segment->store, *it);
    segment->slots.erase(it);
    --size_;
    if (segment->slots.size() <= kMergeMaxKeys) {
      MaybeMerge(segment, hash);
      segment = SegmentFor(hash);
    }
    return segment;
  }

  static Store& StoreOf(Segment* segment) { return segment->store; }

  size_t size() const { return size_; }

  // Visits `visit(const Store*, Slot)` for the entries of one or more segments starting at
  // `cursor`, until at least `count` were visited or the walk wrapped. Returns the next cursor
  // (0 when done).
  template <typename Visit>
  uint64_t Scan(uint64_t cursor, size_t count, Visit&& visit) const {
    uint64_t v = cursor;
    size_t visited = 0;
    do {
      const Segment* segment = SegmentFor(v);
      for (Slot s : segment->slots) visit(&segment->store, s);
      visited += segment->slots.size();
      const uint64_t mask = (uint64_t{1} << segment->depth) - 1;
      v |= ~mask;
      v = ReverseBits(ReverseBits(v) + 1);
    } while (v != 0 && visited < count);
    return v;
  }

  // Visits `visit(const Store*, Slot)` for every entry. Slots that point at heap blocks scatter
  // over the heap, so touching each is a cache miss: Policy::Prefetch runs a few entries ahead
  // of the visit.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    constexpr size_t kAhead = 8;
    struct Pending {
      const Store* store;
      Slot slot;
    };
    Pending ring[kAhead];
    size_t queued = 0, head = 0;
    for (const auto& segment : segments_) {
      for (Slot s : segment->slots) {
        Policy::Prefetch(&segment->store, s);
        if (queued < kAhead) {
          ring[queued++] = {&segment->store, s};
          continue;
        }
        Pending next = ring[head];
        ring[head] = {&segment->store, s};
        head = (head + 1) % kAhead;
        visit(next.store, next.slot);
      }
    }
    for (size_t i = 0; i < queued; ++i) {
      const Pending& p = ring[(head + i) % kAhead];
      visit(p.store, p.slot);
    }
  }

  // Visits `f(Slot&)` for every slot of one segment; f may overwrite a slot with another slot
  // for the same key (a store compacting itself). No insert or erase meanwhile.
  template <typename F>
  static void ForEachSlotOf(Segment* segment, F&& f) {
    for (const Slot& s : segment->slots) f(const_cast<Slot&>(s));
  }

  // Sizes an empty table for about `keys` keys up front (a load that knows its count), so that
  // filling it never splits a segment. No effect on a non-empty table.
  void Reserve(size_t keys) {
    // Segments filled to 7/8 of their split point leave room for an uneven hash spread.
    constexpr size_t kPlannedKeys = kSegmentMaxKeys * 7 / 8;
    constexpr int kMaxReserveDepth = 20;
    if (size_ != 0) return;
    int depth = 0;
    while (depth < kMaxReserveDepth && (size_t{1} << depth) * kPlannedKeys < keys) ++depth;
    if (depth <= global_depth_ && keys <= kPlannedKeys) {
      segments_.front()->slots.reserve(keys);
      return;
    }
    if (depth <= global_depth_) return;
    const size_t count = size_t{1} << depth;
    segments_.clear();
    directory_.assign(count, nullptr);
    for (size_t i = 0; i < count; ++i) {
      auto segment = std::make_unique<Segment>();
      segment->depth = depth;
      segment->slots.reserve(keys / count + keys / count / 4 + 8);
      directory_[i] = segment.get();
      AddSegment(std::move(segment));
    }
    global_depth_ = depth;
    at_global_depth_ = count;
  }

  // A uniformly-ish random entry as (store, slot); false when empty. A uniform directory slot
  // picks a segment of depth d with probability 2^-d, which is its expected share of the keys.
  bool Random(absl::BitGen& gen, const Store** store, Slot* slot) const {
    if (size_ == 0) return false;
    const Segment* s = nullptr;
    for (int attempt = 0; attempt < 64 && s == nullptr; ++attempt) {
      const Segment* candidate = directory_[absl::Uniform<size_t>(gen, 0, directory_.size())];
      if (!candidate->slots.empty()) s = candidate;
    }
    for (size_t i = 0; s == nullptr && i < segments_.size(); ++i) {
      if (!segments_[i]->slots.empty()) s = segments_[i].get();
    }
    *store = &s->store;
    VisitSlots(*s, gen, 1, [slot](const Store*, Slot picked) { *slot = picked; });
    return true;
  }

  // Visits up to `count` entries from a random place: consecutive slots of a random segment
  // (as Redis's dictGetSomeKeys takes consecutive buckets), continuing in other segments when
  // that one holds fewer (an entry may then come twice, as with Redis). Eviction sampling.
  template <typename Visit>
  void Sample(absl::BitGen& gen, size_t count, Visit&& visit) const {
    if (size_ == 0 || count == 0) return;
    count = std::min(count, size_);
    size_t slot = absl::Uniform<size_t>(gen, 0, directory_.size());
    const Segment* previous = nullptr;
    for (size_t steps = 0; count > 0 && steps < directory_.size(); ++steps) {
      const Segment* s = directory_[(slot + steps) % directory_.size()];
      if (s == previous || s->slots.empty()) continue;  // a segment owns several slots
      previous = s;
      const size_t n = std::min(count, s->slots.size());
      VisitSlots(*s, gen, n, visit);
      count -= n;
    }
  }

  // Forgets every entry (the caller released them first, e.g. through ForEach) and shrinks back
  // to one empty segment.
  void Clear() {
    segments_.clear();
    AddSegment(std::make_unique<Segment>());
    directory_.assign(1, segments_.front().get());
    global_depth_ = 0;
    at_global_depth_ = 1;
    size_ = 0;
  }

  void Swap(SegmentedTable& other) {
    segments_.swap(other.segments_);
    directory_.swap(other.directory_);
    std::swap(global_depth_, other.global_depth_);
    std::swap(at_global_depth_, other.at_global_depth_);
    std::swap(size_, other.size_);
  }

  // Bytes of directory and segment tables (not what the slots point at, nor the stores).
  size_t MemoryUsage() const {
    size_t bytes = directory_.capacity() * sizeof(Segment*) +
                   segments_.capacity() * sizeof(std::unique_ptr<Segment>);
    for (const auto& s : segments_) {
      // A flat_hash_set slot costs the slot plus one control byte; the control array has a
      // 16-byte group tail.
      bytes += sizeof(Segment) + s->slots.capacity() * (sizeof(Slot) + 1) + 16;
    }
    return bytes;
  }

  // Visits every segment's store (a PackedTable adds up their bytes).
  template <typename F>
  void ForEachStore(F&& f) const {
    for (const auto& s : segments_) f(s->store);
  }

  size_t segment_count() const { return segments_.size(); }
  int global_depth() const { return global_depth_; }

 private:
  // A lookup key carrying its precomputed hash, so one hash serves directory and segment.
  struct LookupKey {
    std::string_view key;
    uint64_t hash;
  };
  // A probe that matches whatever slot it meets first among the tag matches (prefetching).
  struct AnyKeyWithHash {
    uint64_t hash;
  };
  using StoreRef = segmented_table_internal::StoreRef<Store>;

  // Within a segment the low `depth` hash bits are all equal; flat_hash_set takes its 7-bit
  // control tag from the low bits and its probe start from the bits above, so rotate the
  // directory bits out of both.
  static size_t Mix(uint64_t h) { return static_cast<size_t>((h >> 32) | (h << 32)); }

  struct SlotHash : StoreRef {
    using is_transparent = void;
    explicit SlotHash(const Store* s) : StoreRef(s) {}
    size_t operator()(Slot s) const { return Mix(Policy::Hash(Policy::KeyOf(this->get(), s))); }
    size_t operator()(const LookupKey& k) const { return Mix(k.hash); }
    size_t operator()(const AnyKeyWithHash& k) const { return Mix(k.hash); }
  };
  struct SlotEq : StoreRef {
    using is_transparent = void;
    explicit SlotEq(const Store* s) : StoreRef(s) {}
    bool operator()(Slot a, Slot b) const {
      return a == b || Policy::KeyOf(this->get(), a) == Policy::KeyOf(this->get(), b);
    }
    bool operator()(Slot a, const LookupKey& k) const {
      return Policy::KeyOf(this->get(), a) == k.key;
    }
    bool operator()(const LookupKey& k, Slot a) const {
      return Policy::KeyOf(this->get(), a) == k.key;
    }
    bool operator()(Slot, const AnyKeyWithHash&) const { return true; }
    bool operator()(const AnyKeyWithHash&, Slot) const { return true; }
  };
  using SlotSet = absl::flat_hash_set<Slot, SlotHash, SlotEq>;

  struct Segment {
    Segment() : slots(0, SlotHash(&store), SlotEq(&store)) {}
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;
    [[no_unique_address]] Store store;  // before `slots`, whose functors point at it
    SlotSet slots;
    int depth = 0;
    size_t position = 0;  // in segments_
  };

 public:
  // Prefetching for a batch of lookups: first the control bytes and slots a Find of `hash`
  // will probe, then, once those have arrived, `then(Slot)` for the first slot whose 7-bit tag
  // matches (the key itself is not compared: that would wait for the very data being
  // prefetched; a wrong guess, about 1 in 128 per probed slot, costs only a useless prefetch).
  void PrefetchSlots(uint64_t hash) const {
    SegmentFor(hash)->slots.prefetch(AnyKeyWithHash{hash});
  }
  template <typename Then>
  void PrefetchEntry(uint64_t hash, Then&& then) const {
    const SlotSet& slots = SegmentFor(hash)->slots;
    auto it = slots.find(AnyKeyWithHash{hash});
    if (it != slots.end()) then(*it);
  }

 private:
  // Past this directory depth a full segment grows instead of splitting; only a flood of keys
  // with colliding hashes can get here, and doubling a 2^32 directory would be worse than a
  // big segment.
  static constexpr int kMaxDepth = 32;

  Segment* SegmentFor(uint64_t hash) const {
    return directory_[hash & ((uint64_t{1} << global_depth_) - 1)];
  }
  bool CanSplit(const Segment& s) const { return s.depth < kMaxDepth; }

  // Visits `count` slots of `s` in table order from a random slot, wrapping around.
  // REQUIRES: count <= s.slots.size().
  template <typename Visit>
  static void VisitSlots(const Segment& s, absl::BitGen& gen, size_t count, Visit&& visit) {
#if RILL_SEGMENT_SLOT_ACCESS
    using Access =
        absl::container_internal::hashtable_debug_internal::HashtableDebugAccess<SlotSet,
                                                                                 SegmentSlotsTag>;
    const size_t capacity = Access::Capacity(s.slots);
    size_t i = absl::Uniform<size_t>(gen, 0, capacity);
    while (count > 0) {
      if (Access::IsFullAt(s.slots, i)) {
        visit(&s.store, Access::At(s.slots, i));
        --count;
      }
      if (++i == capacity) i = 0;
    }
#else
    auto it = s.slots.begin();
    for (size_t skip = absl::Uniform<size_t>(gen, 0, s.slots.size()); skip > 0; --skip) ++it;
    while (count-- > 0) {
      visit(&s.store, *it);
      if (++it == s.slots.end()) it = s.slots.begin();
    }
#endif
  }

  // Moves every slot of `from` into `to` (whose store becomes the entries' home).
  static void MoveAll(Segment& from, Segment& to) {
    for (Slot s : from.slots) {
      const uint64_t h = Policy::Hash(Policy::KeyOf(&from.store, s));
      Place(to, Policy::Transfer(from.store, s, to.store), h);
    }
  }
  static void Place(Segment& to, Slot moved, uint64_t hash) {
    to.slots.lazy_emplace(
        LookupKey{Policy::KeyOf(&to.store, moved), hash},
        [moved](const typename SlotSet::constructor& construct) { construct(moved); });
  }

  // segments_ bookkeeping (each segment knows its position there; the directory is the
  // caller's business).
  void AddSegment(std::unique_ptr<Segment> s) {
    s->position = segments_.size();
    segments_.push_back(std::move(s));
  }
  void ReplaceSegment(const Segment* old, std::unique_ptr<Segment> fresh) {
    const size_t at = old->position;
    fresh->position = at;
    segments_[at] = std::move(fresh);
  }
  void RemoveSegment(const Segment* old) {
    const size_t at = old->position;
    segments_[at] = std::move(segments_.back());
    segments_[at]->position = at;
    segments_.pop_back();
  }

  void Split(Segment* segment, uint64_t hash_in_segment) {
    const int depth = segment->depth;
    if (depth == global_depth_) {
      const size_t old_size = directory_.size();
      directory_.resize(old_size * 2);
      for (size_t i = 0; i < old_size; ++i) directory_[old_size + i] = directory_[i];
      ++global_depth_;
      at_global_depth_ = 0;  // every segment is now shallower than the directory
    }
    auto low = std::make_unique<Segment>();
    auto high = std::make_unique<Segment>();
    low->depth = high->depth = depth + 1;
    low->slots.reserve(kSegmentMaxKeys);
    high->slots.reserve(kSegmentMaxKeys);
    const size_t total = segment->slots.size();
    Policy::Prepare(segment->store, total / 2, total, low->store);
    Policy::Prepare(segment->store, total / 2, total, high->store);
    const uint64_t bit = uint64_t{1} << depth;
    for (Slot s : segment->slots) {
      const uint64_t h = Policy::Hash(Policy::KeyOf(&segment->store, s));
      Segment& target = (h & bit) ? *high : *low;
      Place(target, Policy::Transfer(segment->store, s, target.store), h);
    }
    if (depth + 1 == global_depth_) at_global_depth_ += 2;
    // Every directory slot sharing the old segment's low `depth` bits pointed at it; bit
    // `depth` now says which half it belongs to.
    for (size_t i = hash_in_segment & (bit - 1); i < directory_.size(); i += bit) {
      directory_[i] = (i & bit) ? high.get() : low.get();
    }
    AddSegment(std::move(high));
    ReplaceSegment(segment, std::move(low));
  }

  void MaybeMerge(Segment* segment, uint64_t hash_in_segment) {
    const int depth = segment->depth;
    if (depth == 0) return;
    const uint64_t buddy_bit = uint64_t{1} << (depth - 1);
    const uint64_t mask = (uint64_t{1} << depth) - 1;
    Segment* buddy = directory_[(hash_in_segment & mask) ^ buddy_bit];
    if (buddy->depth != depth || segment->slots.size() + buddy->slots.size() > kMergeMaxKeys) {
      return;
    }
    auto merged = std::make_unique<Segment>();
    merged->depth = depth - 1;
    const size_t total = segment->slots.size() + buddy->slots.size();
    merged->slots.reserve(total);
    Policy::Prepare(segment->store, segment->slots.size(), total, merged->store);
    Policy::Prepare(buddy->store, buddy->slots.size(), total, merged->store);
    MoveAll(*segment, *merged);
    MoveAll(*buddy, *merged);
    if (depth == global_depth_) at_global_depth_ -= 2;
    for (size_t i = hash_in_segment & (buddy_bit - 1); i < directory_.size(); i += buddy_bit) {
      directory_[i] = merged.get();
    }
    ReplaceSegment(segment, std::move(merged));
    RemoveSegment(buddy);
    // No segment needs the directory's top bit any more: halve it (the upper half mirrors the
    // lower one).
    while (global_depth_ > 0 && at_global_depth_ == 0) {
      directory_.resize(directory_.size() / 2);
      directory_.shrink_to_fit();
      --global_depth_;
      at_global_depth_ = 0;
      for (const auto& s : segments_) at_global_depth_ += s->depth == global_depth_;
    }
  }

  std::vector<std::unique_ptr<Segment>> segments_;
  std::vector<Segment*> directory_;
  int global_depth_ = 0;
  size_t at_global_depth_ = 1;  // segments whose depth is global_depth_
  size_t size_ = 0;
};

}  // namespace rill::ds
