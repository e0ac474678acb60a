// A Redis stream: an append-only log of entries (an ID and field/value pairs) plus consumer
// groups. Entries live in blocks of a few dozen to a few hundred entries (stream_block.h), kept
// in an ordered map keyed by each block's first ID, like Redis's radix tree of listpacks; the
// stream also keeps Redis 7.0's metadata (last generated ID, entries ever added, highest
// deleted ID, first live ID) from which consumer-group lag is derived.
//
// Public API for persistence (RDB/AOF):
//   Reading:  length(), last_id(), entries_added(), max_deleted_id(), first_id();
//             Stream::Iterator over live entries (StreamEntryView::ForEachField for pairs);
//             ForEachBlock() for the node layout (StreamBlock::EntryOffsets / Decode give
//             tombstones too); groups() → ConsumerGroup: last_id, entries_read, pending()
//             (ID → delivery_time, delivery_count, consumer), consumers() (name, seen_time,
//             pending IDs).
//   Building: Add() each entry with its explicit ID in increasing order (LoadEntry is the
//             shortcut), or, to keep a saved node layout with its tombstones, build each
//             StreamBlock (constructor, Append, MarkDeleted) and AppendLoadedBlock() it; then
//             set_last_id / set_entries_added / set_max_deleted_id; for each
//             group CreateGroup(name, last_id, entries_read); for each consumer
//             group->CreateConsumer(name, seen_time); for each pending entry
//             group->AddPending(id, consumer, delivery_time).delivery_count = n.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "datastructs/stream_block.h"
#include "datastructs/stream_group.h"
#include "datastructs/stream_id.h"
#include "datastructs/value.h"

namespace rill::ds {

// stream-node-max-bytes / stream-node-max-entries (0 = no limit from that parameter).
struct StreamLimits {
  int64_t node_max_bytes = 4096;
  int64_t node_max_entries = 100;
};

enum class TrimStrategy { kNone, kMaxLen, kMinId };

struct TrimSpec {
  TrimStrategy strategy = TrimStrategy::kNone;
  bool approx = false;  // remove whole blocks only
  int64_t limit = 0;    // at most this many entries removed (0 = no limit)
  int64_t maxlen = 0;
  StreamId minid;
};

class Stream final : public ObjectValue {
 public:
  // Redis's STREAM_LISTPACK_MAX_SIZE: the most bytes one entry's fields and values may take.
  static constexpr size_t kMaxEntryBytes = size_t{1} << 30;

  Stream() = default;
  Stream(const Stream& other);

  static constexpr ValueType kType = ValueType::kStream;
  ValueType type() const override { return kType; }
  std::unique_ptr<ObjectValue> Clone() const override;
  size_t MemoryUsage() const override;
  std::string_view EncodingName() const override { return "stream"; }
  // Redis 7.0's lazyfreeGetFreeEffort for a stream, so that UNLINK and the lazyfree-lazy-*
  // options free the same streams in the background as Redis does: the radix tree's node
  // count, plus groups x (1 + the PEL size of the group with the smallest name).
  size_t FreeEffort() const override;

  uint64_t length() const { return length_; }
  StreamId last_id() const { return last_id_; }
  StreamId first_id() const { return first_id_; }  // 0-0 when empty
  StreamId max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(StreamId id) { last_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_max_deleted_id(StreamId id) { max_deleted_id_ = id; }

  enum class AddStatus { kOk, kIdNotGreater, kTooLarge };
  // XADD: appends an entry with ID `*explicit_id` (its sequence generated when !seq_given, the
  // "<ms>-*" form) or, when explicit_id is null, the next ID after last_id at `now_ms`.
  // `fields_values` alternates field, value. REQUIRES: last_id() != StreamId::Max().
  AddStatus Add(const StreamId* explicit_id, bool seq_given, int64_t now_ms,
                std::span<const std::string_view> fields_values, const StreamLimits& limits,
                StreamId* added);
  // Appends with an explicit ID; false if `id` is not greater than last_id().
  bool LoadEntry(StreamId id, std::span<const std::string_view> fields_values,
                 const StreamLimits& limits);
  // Appends a whole block as the new last one, exactly as built (an RDB node keeps its
  // entries and tombstones, which approximate trimming depends on). Length, first ID and
  // last ID follow its entries. False (and the block dropped) if it holds no live entry or its
  // first ID is not greater than every ID already in the stream.
  bool AppendLoadedBlock(std::unique_ptr<StreamBlock> block);

  // XTRIM / XADD trimming; returns the number of entries removed.
  int64_t Trim(const TrimSpec& spec);
  // XDEL of one ID: true if a live entry was removed (max_deleted_id and first_id follow).
  bool Delete(StreamId id);

  bool Contains(StreamId id) const;
  // The last / first live entry's ID; false when the stream is empty.
  bool LastValidId(StreamId* id) const;
  bool FirstValidId(StreamId* id) const;

  // Live entries with start <= ID <= end, ascending or (reverse) descending.
  class Iterator {
   public:
    Iterator(const Stream& stream, StreamId start, StreamId end, bool reverse = false);
    bool Next(StreamEntryView* entry);

   private:
    using BlockMap = absl::btree_map<StreamId, std::unique_ptr<StreamBlock>>;
    bool LoadBlock();
    const BlockMap& blocks_;
    BlockMap::const_iterator it_;
    StreamId start_, end_;
    bool reverse_;
    bool done_ = false;
    uint32_t offset_ = 0;            // forward: next entry's offset
    std::vector<uint32_t> offsets_;  // reverse: the current block's entries
    size_t index_ = 0;               // reverse: entries left in offsets_
  };

  template <typename F>
  void ForEachBlock(F&& f) const {
    for (const auto& [key, block] : blocks_) f(*block);
  }
  size_t num_blocks() const { return blocks_.size(); }
  // What Redis reports as "radix-tree-nodes": the node count of a compressed radix tree over
  // the blocks' first IDs (Rill keeps blocks in a B-tree; this is computed on demand).
  size_t RadixTreeNodes() const;

  // ---- consumer groups ----
  const ByteOrderedMap<std::unique_ptr<ConsumerGroup>>& groups() const { return groups_; }
  ConsumerGroup* FindGroup(std::string_view name) const;
  // nullptr if a group with that name exists.
  ConsumerGroup* CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

  // Redis 7.0's lag bookkeeping (t_stream.c): whether [start, end] holds the highest tombstone;
  // an entry's logical read counter when it can be known (else kInvalidEntriesRead); the
  // group update when an entry past its last ID is delivered; the group's lag (false: unknown).
  bool RangeHasTombstones(StreamId start, StreamId end) const;
  int64_t EstimateEntriesRead(StreamId id) const;
  void AdvanceGroup(ConsumerGroup& group, StreamId delivered) const;
  bool GroupLag(const ConsumerGroup& group, int64_t* lag) const;

 private:
  using BlockMap = absl::btree_map<StreamId, std::unique_ptr<StreamBlock>>;
  bool NewBlockNeeded(const StreamBlock& tail, size_t payload_bytes,
                      const StreamLimits& limits) const;
  void AppendEntry(StreamId id, std::span<const std::string_view> fv, size_t payload_bytes,
                   const StreamLimits& limits);
  // Marks the first `n`... entries of a block as deleted per the trim rule; returns how many.
  int64_t TrimWithinBlock(StreamBlock& block, const TrimSpec& spec);
  void RefreshFirstId();

  BlockMap blocks_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  ByteOrderedMap<std::unique_ptr<ConsumerGroup>> groups_;
};

}  // namespace rill::ds
