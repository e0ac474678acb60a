#include "datastructs/key_index.h"

#include <utility>

#include "absl/base/config.h"

// Random access to a segment's slots. absl's flat_hash_set offers no "slot i" and walking its
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

struct SegmentSlots {
#if RILL_SEGMENT_SLOT_ACCESS
  using Access =
      absl::container_internal::hashtable_debug_internal::HashtableDebugAccess<KeyIndex::BlockSet,
                                                                               SegmentSlotsTag>;
#endif
  static void Visit(const KeyIndex::Segment& s, absl::BitGen& gen, size_t count,
                    void (*visit)(void*, KeyIndex::Block*), void* arg) {
#if RILL_SEGMENT_SLOT_ACCESS
    const size_t capacity = Access::Capacity(s.blocks);
    size_t i = absl::Uniform<size_t>(gen, 0, capacity);
    while (count > 0) {
      if (Access::IsFullAt(s.blocks, i)) {
        visit(arg, Access::At(s.blocks, i));
        --count;
      }
      if (++i == capacity) i = 0;
    }
#else
    auto it = s.blocks.begin();
    for (size_t skip = absl::Uniform<size_t>(gen, 0, s.blocks.size()); skip > 0; --skip) ++it;
    while (count-- > 0) {
      visit(arg, *it);
      if (++it == s.blocks.end()) it = s.blocks.begin();
    }
#endif
  }
};

void KeyIndex::SampleSegment(const Segment& s, absl::BitGen& gen, size_t count,
                             void (*visit)(void*, Block*), void* arg) {
  SegmentSlots::Visit(s, gen, count, visit, arg);
}

namespace {

// Past this directory depth a full segment grows instead of splitting; only a flood of keys with
// colliding hashes can get here, and doubling a 2^32 directory would be worse than a big segment.
constexpr int kMaxDepth = 32;

}  // namespace

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

KeyIndex::KeyIndex() { Clear(); }

KeyIndex::~KeyIndex() = default;

KeyIndex::Block* KeyIndex::Find(std::string_view key, uint64_t hash) const {
  const Segment* segment = SegmentFor(hash);
  auto it = segment->blocks.find(LookupKey{key, hash});
  return it == segment->blocks.end() ? nullptr : *it;
}

void KeyIndex::PrefetchSlots(uint64_t hash) const {
  SegmentFor(hash)->blocks.prefetch(AnyKeyWithHash{hash});
}

void KeyIndex::PrefetchBlock(uint64_t hash) const {
  const BlockSet& blocks = SegmentFor(hash)->blocks;
  auto it = blocks.find(AnyKeyWithHash{hash});
  if (it != blocks.end()) __builtin_prefetch(*it);
}

void KeyIndex::Replace(const Block* old_block, Block* new_block, uint64_t hash) {
  Segment* segment = SegmentFor(hash);
  auto it = segment->blocks.find(LookupKey{block::Key(old_block), hash});
  // The new block has the same key, hence the same hash and equality class: overwriting the
  // stored pointer keeps the set consistent and saves an erase + insert.
  const_cast<Block*&>(*it) = new_block;
}

void KeyIndex::Insert(Block* b, uint64_t hash) {
  Segment* segment = SegmentFor(hash);
  while (segment->blocks.size() >= kSegmentMaxKeys && CanSplit(*segment)) {
    Split(segment, hash);
    segment = SegmentFor(hash);
  }
  segment->blocks.lazy_emplace(LookupKey{block::Key(b), hash},
                               [b](const BlockSet::constructor& construct) { construct(b); });
  ++size_;
}

KeyIndex::Block* KeyIndex::Erase(std::string_view key, uint64_t hash) {
  Segment* segment = SegmentFor(hash);
  auto it = segment->blocks.find(LookupKey{key, hash});
  if (it == segment->blocks.end()) return nullptr;
  Block* b = *it;
  segment->blocks.erase(it);
  --size_;
  return b;
}

bool KeyIndex::CanSplit(const Segment& s) const { return s.depth < kMaxDepth; }

void KeyIndex::Reserve(size_t keys) {
  // Segments filled to 7/8 of their split point leave room for an uneven hash spread.
  constexpr size_t kPlannedKeys = kSegmentMaxKeys * 7 / 8;
  constexpr int kMaxReserveDepth = 20;
  if (size_ != 0) return;
  int depth = 0;
  while (depth < kMaxReserveDepth && (size_t{1} << depth) * kPlannedKeys < keys) ++depth;
  if (depth <= global_depth_) return;
  const size_t count = size_t{1} << depth;
  segments_.clear();
  directory_.assign(count, nullptr);
  for (size_t i = 0; i < count; ++i) {
    auto segment = std::make_unique<Segment>();
    segment->depth = depth;
    segment->blocks.reserve(keys / count + keys / count / 4 + 8);
    directory_[i] = segment.get();
    segments_.push_back(std::move(segment));
  }
  global_depth_ = depth;
}

void KeyIndex::Split(Segment* segment, uint64_t hash_in_segment) {
  const int depth = segment->depth;
  if (depth == global_depth_) {
    const size_t old_size = directory_.size();
    directory_.resize(old_size * 2);
    for (size_t i = 0; i < old_size; ++i) directory_[old_size + i] = directory_[i];
    ++global_depth_;
  }
  auto high = std::make_unique<Segment>();
  high->depth = depth + 1;
  high->blocks.reserve(kSegmentMaxKeys);
  BlockSet low;
  low.reserve(kSegmentMaxKeys);
  const uint64_t bit = uint64_t{1} << depth;
  for (Block* b : segment->blocks) {
    const uint64_t h = Hash(block::Key(b));
    BlockSet& target = (h & bit) ? high->blocks : low;
    target.lazy_emplace(LookupKey{block::Key(b), h},
                        [b](const BlockSet::constructor& construct) { construct(b); });
  }
  segment->blocks = std::move(low);
  segment->depth = depth + 1;
  // Every directory slot sharing the old segment's low `depth` bits pointed at it; those with
  // bit `depth` set now belong to the new high half.
  for (size_t i = hash_in_segment & (bit - 1); i < directory_.size(); i += bit) {
    if (i & bit) directory_[i] = high.get();
  }
  segments_.push_back(std::move(high));
}

KeyIndex::Block* KeyIndex::Random(absl::BitGen& gen) const {
  if (size_ == 0) return nullptr;
  auto pick_in = [&gen](const Segment& s) {
    Block* picked = nullptr;
    SampleSegment(
        s, gen, 1, [](void* arg, Block* b) { *static_cast<Block**>(arg) = b; }, &picked);
    return picked;
  };
  // A uniform directory slot picks a segment of depth d with probability 2^-d, which is its
  // expected share of the keys.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const Segment* s = directory_[absl::Uniform<size_t>(gen, 0, directory_.size())];
    if (!s->blocks.empty()) return pick_in(*s);
  }
  for (const auto& s : segments_) {
    if (!s->blocks.empty()) return pick_in(*s);
  }
  return nullptr;
}

void KeyIndex::Clear() {
  segments_.clear();
  segments_.push_back(std::make_unique<Segment>());
  directory_.assign(1, segments_.front().get());
  global_depth_ = 0;
  size_ = 0;
}

void KeyIndex::Swap(KeyIndex& other) {
  segments_.swap(other.segments_);
  directory_.swap(other.directory_);
  std::swap(global_depth_, other.global_depth_);
  std::swap(size_, other.size_);
}

size_t KeyIndex::MemoryUsage() const {
  size_t bytes = directory_.capacity() * sizeof(Segment*) +
                 segments_.capacity() * sizeof(std::unique_ptr<Segment>);
  for (const auto& s : segments_) {
    // A flat_hash_set slot costs the pointer plus one control byte; the control array has a
    // 16-byte group tail.
    bytes += sizeof(Segment) + s->blocks.capacity() * (sizeof(Block*) + 1) + 16;
  }
  return bytes;
}

}  // namespace rill::ds
