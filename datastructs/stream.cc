#include "datastructs/stream.h"

#include <algorithm>
#include <array>

namespace rill::ds {

Stream::Stream(const Stream& other)
    : length_(other.length_),
      last_id_(other.last_id_),
      first_id_(other.first_id_),
      max_deleted_id_(other.max_deleted_id_),
      entries_added_(other.entries_added_) {
  for (const auto& [key, block] : other.blocks_) {
    blocks_.emplace(key, std::make_unique<StreamBlock>(*block));
  }
  for (const auto& [name, group] : other.groups_) {
    groups_.emplace(name, std::make_unique<ConsumerGroup>(*group));
  }
}

std::unique_ptr<ObjectValue> Stream::Clone() const { return std::make_unique<Stream>(*this); }

size_t Stream::MemoryUsage() const {
  // Blocks, plus a per-node estimate for the ordered maps (btree nodes hold many slots).
  size_t bytes = sizeof(*this);
  for (const auto& [key, block] : blocks_) bytes += block->memory_usage() + 32;
  for (const auto& [name, group] : groups_) {
    bytes += sizeof(ConsumerGroup) + name.size() + group->pending().size() * 48;
    for (const auto& [cname, consumer] : group->consumers()) {
      bytes += sizeof(StreamConsumer) + 2 * cname.size() + consumer->pending.size() * 24;
    }
  }
  return bytes;
}

namespace {

using RaxKey = std::array<uint8_t, 16>;

// Nodes of a compressed radix tree (Redis's rax) holding keys[lo, hi), all sharing their first
// `depth` bytes, counted from the node reached after those bytes: a run of bytes shared by all
// keys is one compressed node, a point where they diverge one branching node, and every key
// ends in a node of its own.
size_t RaxNodes(const std::vector<RaxKey>& keys, size_t lo, size_t hi, size_t depth) {
  if (hi - lo == 1) return depth < 16 ? 2 : 1;
  size_t common = depth;
  while (common < 16 && keys[lo][common] == keys[hi - 1][common]) ++common;
  size_t nodes = common > depth ? 2 : 1;  // [compressed node +] branching node
  for (size_t i = lo; i < hi;) {
    size_t j = i + 1;
    while (j < hi && keys[j][common] == keys[i][common]) ++j;
    nodes += RaxNodes(keys, i, j, common + 1);
    i = j;
  }
  return nodes;
}

}  // namespace

size_t Stream::RadixTreeNodes() const {
  if (blocks_.empty()) return 1;
  std::vector<RaxKey> keys;
  keys.reserve(blocks_.size());
  for (const auto& [id, block] : blocks_) {
    RaxKey k;
    for (int i = 0; i < 8; ++i) {
      k[i] = static_cast<uint8_t>(id.ms >> (56 - 8 * i));
      k[8 + i] = static_cast<uint8_t>(id.seq >> (56 - 8 * i));
    }
    keys.push_back(k);
  }
  return RaxNodes(keys, 0, keys.size(), 0);
}

size_t Stream::FreeEffort() const {
  size_t effort = RadixTreeNodes();
  if (!groups_.empty()) effort += groups_.size() * (1 + groups_.begin()->second->pending().size());
  return effort;
}

bool Stream::NewBlockNeeded(const StreamBlock& tail, size_t payload_bytes,
                            const StreamLimits& limits) const {
  // Redis 7.0 streamAppendItem: a node is full when its listpack plus the new entry's raw
  // bytes reach stream-node-max-bytes, or it holds stream-node-max-entries entries
  // (tombstones included).
  size_t max_bytes = static_cast<size_t>(limits.node_max_bytes);
  if (limits.node_max_bytes <= 0 || max_bytes > kMaxEntryBytes) max_bytes = kMaxEntryBytes;
  if (tail.lp_bytes() + payload_bytes >= max_bytes) return true;
  return limits.node_max_entries > 0 &&
         static_cast<int64_t>(tail.live() + tail.deleted()) >= limits.node_max_entries;
}

void Stream::AppendEntry(StreamId id, std::span<const std::string_view> fv, size_t payload_bytes,
                         const StreamLimits& limits) {
  StreamBlock* tail = blocks_.empty() ? nullptr : blocks_.rbegin()->second.get();
  if (tail != nullptr && NewBlockNeeded(*tail, payload_bytes, limits)) {
    tail->ShrinkToFit();
    tail = nullptr;
  }
  if (tail == nullptr) {
    blocks_.emplace(id, std::make_unique<StreamBlock>(id, fv));
  } else {
    tail->Append(id, fv);
  }
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

Stream::AddStatus Stream::Add(const StreamId* explicit_id, bool seq_given, int64_t now_ms,
                              std::span<const std::string_view> fv, const StreamLimits& limits,
                              StreamId* added) {
  StreamId id;
  if (explicit_id != nullptr) {
    if (seq_given) {
      id = *explicit_id;
    } else if (last_id_.ms == explicit_id->ms) {
      // "<ms>-*" in the current millisecond: the next sequence, unless it would overflow.
      if (last_id_.seq == UINT64_MAX) return AddStatus::kIdNotGreater;
      id = {last_id_.ms, last_id_.seq + 1};
    } else {
      id = {explicit_id->ms, 0};
    }
  } else {
    const auto ms = static_cast<uint64_t>(now_ms);
    if (ms > last_id_.ms) {
      id = {ms, 0};
    } else {
      id = last_id_;
      if (!id.Increment()) return AddStatus::kIdNotGreater;
    }
  }
  if (id <= last_id_) return AddStatus::kIdNotGreater;

  size_t payload = 0;
  for (std::string_view s : fv) payload += s.size();
  if (payload > kMaxEntryBytes) return AddStatus::kTooLarge;

  AppendEntry(id, fv, payload, limits);
  if (added != nullptr) *added = id;
  return AddStatus::kOk;
}

bool Stream::LoadEntry(StreamId id, std::span<const std::string_view> fv,
                       const StreamLimits& limits) {
  if (id <= last_id_) return false;
  size_t payload = 0;
  for (std::string_view s : fv) payload += s.size();
  AppendEntry(id, fv, payload, limits);
  return true;
}

bool Stream::AppendLoadedBlock(std::unique_ptr<StreamBlock> block) {
  if (block->live() == 0) return false;
  if (!blocks_.empty() && block->master_id() <= blocks_.rbegin()->second->last_id()) return false;
  block->ShrinkToFit();
  const bool was_empty = length_ == 0;
  length_ += block->live();
  last_id_ = std::max(last_id_, block->last_id());
  const StreamBlock& added = *block;
  blocks_.emplace(block->master_id(), std::move(block));
  if (was_empty) {
    // The first live entry of the new block (its first entries may be tombstones).
    uint8_t flags;
    StreamEntryView view;
    for (uint32_t off = added.first_offset(); off < added.end_offset();) {
      off = added.Decode(off, &flags, &view);
      if (!(flags & StreamBlock::kDeleted)) break;
    }
    first_id_ = view.id;
  }
  return true;
}

int64_t Stream::TrimWithinBlock(StreamBlock& block, const TrimSpec& spec) {
  int64_t removed = 0;
  uint8_t flags;
  StreamEntryView view;
  for (uint32_t off = block.first_offset(); off < block.end_offset();) {
    const uint32_t next = block.Decode(off, &flags, &view);
    const bool stop = spec.strategy == TrimStrategy::kMaxLen
                          ? length_ <= static_cast<uint64_t>(spec.maxlen)
                          : view.id >= spec.minid;
    if (stop) break;
    if (!(flags & StreamBlock::kDeleted)) {
      block.MarkDeleted(off);
      --length_;
      ++removed;
    }
    off = next;
  }
  return removed;
}

int64_t Stream::Trim(const TrimSpec& spec) {
  if (spec.strategy == TrimStrategy::kNone) return 0;
  int64_t deleted = 0;
  auto it = blocks_.begin();
  while (it != blocks_.end()) {
    if (spec.strategy == TrimStrategy::kMaxLen && length_ <= static_cast<uint64_t>(spec.maxlen)) {
      break;
    }
    StreamBlock& block = *it->second;
    const int64_t entries = block.live();
    if (spec.limit != 0 && deleted + entries > spec.limit) break;

    const bool remove_block = spec.strategy == TrimStrategy::kMaxLen
                                  ? length_ - entries >= static_cast<uint64_t>(spec.maxlen)
                                  : block.last_id() < spec.minid;
    if (remove_block) {
      length_ -= entries;
      deleted += entries;
      it = blocks_.erase(it);
      continue;
    }
    if (spec.approx) break;
    // Enough to delete inside this block: tombstone entries up to the bound, then stop.
    deleted += TrimWithinBlock(block, spec);
    break;
  }
  if (length_ == 0) {
    first_id_ = StreamId::Min();
  } else if (deleted != 0) {
    RefreshFirstId();
  }
  return deleted;
}

bool Stream::Delete(StreamId id) {
  auto it = blocks_.upper_bound(id);
  if (it == blocks_.begin()) return false;
  --it;
  StreamBlock& block = *it->second;
  if (id > block.last_id()) return false;
  uint8_t flags;
  StreamEntryView view;
  for (uint32_t off = block.first_offset(); off < block.end_offset();) {
    const uint32_t next = block.Decode(off, &flags, &view);
    if (view.id == id) {
      if (flags & StreamBlock::kDeleted) return false;
      if (block.live() == 1) {
        blocks_.erase(it);  // its last live entry: Redis frees the whole node
      } else {
        block.MarkDeleted(off);
      }
      --length_;
      if (id > max_deleted_id_) max_deleted_id_ = id;
      if (length_ == 0) {
        first_id_ = StreamId::Min();
      } else if (id == first_id_) {
        RefreshFirstId();
      }
      return true;
    }
    if (view.id > id) return false;
    off = next;
  }
  return false;
}

void Stream::RefreshFirstId() {
  if (!FirstValidId(&first_id_)) first_id_ = StreamId::Min();
}

bool Stream::Contains(StreamId id) const {
  Iterator it(*this, id, id);
  StreamEntryView view;
  return it.Next(&view);
}

bool Stream::LastValidId(StreamId* id) const {
  // Fast path: the newest entry is usually alive (XREAD/XREADGROUP ask on every call).
  if (!blocks_.empty() && blocks_.rbegin()->second->last_entry_live()) {
    *id = blocks_.rbegin()->second->last_id();
    return true;
  }
  Iterator it(*this, StreamId::Min(), StreamId::Max(), true);
  StreamEntryView view;
  if (!it.Next(&view)) return false;
  *id = view.id;
  return true;
}

bool Stream::FirstValidId(StreamId* id) const {
  Iterator it(*this, StreamId::Min(), StreamId::Max());
  StreamEntryView view;
  if (!it.Next(&view)) return false;
  *id = view.id;
  return true;
}

// ---- iteration ----

Stream::Iterator::Iterator(const Stream& stream, StreamId start, StreamId end, bool reverse)
    : blocks_(stream.blocks_), start_(start), end_(end), reverse_(reverse) {
  // Start at the block holding the first candidate: the last block whose first ID is <= the
  // bound (Redis seeks "<=" in the radix tree the same way).
  const StreamId bound = reverse ? end : start;
  it_ = blocks_.upper_bound(bound);
  if (it_ == blocks_.begin()) {
    if (reverse || it_ == blocks_.end()) {
      done_ = true;
      return;
    }
  } else {
    --it_;
  }
  LoadBlock();
}

bool Stream::Iterator::LoadBlock() {
  if (reverse_) {
    it_->second->EntryOffsets(&offsets_);
    index_ = offsets_.size();
  } else {
    offset_ = it_->second->first_offset();
  }
  return true;
}

bool Stream::Iterator::Next(StreamEntryView* entry) {
  uint8_t flags;
  while (!done_) {
    const StreamBlock& block = *it_->second;
    if (!reverse_) {
      if (offset_ >= block.end_offset()) {
        if (++it_ == blocks_.end()) break;
        LoadBlock();
        continue;
      }
      offset_ = block.Decode(offset_, &flags, entry);
      if ((flags & StreamBlock::kDeleted) || entry->id < start_) continue;
      if (entry->id > end_) break;
      return true;
    }
    if (index_ == 0) {
      if (it_ == blocks_.begin()) break;
      --it_;
      LoadBlock();
      continue;
    }
    block.Decode(offsets_[--index_], &flags, entry);
    if ((flags & StreamBlock::kDeleted) || entry->id > end_) continue;
    if (entry->id < start_) break;
    return true;
  }
  done_ = true;
  return false;
}

// ---- consumer groups ----

ConsumerGroup* Stream::FindGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

ConsumerGroup* Stream::CreateGroup(std::string_view name, StreamId last_id, int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name), nullptr);
  if (!inserted) return nullptr;
  it->second = std::make_unique<ConsumerGroup>(last_id, entries_read);
  return it->second.get();
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

bool Stream::RangeHasTombstones(StreamId start, StreamId end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;  // the latest tombstone is before the first entry
  return start <= max_deleted_id_ && max_deleted_id_ <= end;
}

int64_t Stream::EstimateEntriesRead(StreamId id) const {
  if (entries_added_ == 0) return 0;
  // An empty stream: every ID up to the last one has been read by a reader at `id`.
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return ConsumerGroup::kInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    // No tombstone past the first entry: positions are exact.
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return ConsumerGroup::kInvalidEntriesRead;
}

void Stream::AdvanceGroup(ConsumerGroup& group, StreamId delivered) const {
  if (delivered <= group.last_id) return;
  if (group.entries_read != ConsumerGroup::kInvalidEntriesRead &&
      !RangeHasTombstones(delivered, StreamId::Max())) {
    ++group.entries_read;
  } else if (entries_added_ != 0) {
    group.entries_read = EstimateEntriesRead(delivered);
  }
  group.last_id = delivered;
}

bool Stream::GroupLag(const ConsumerGroup& group, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  if (group.entries_read != ConsumerGroup::kInvalidEntriesRead &&
      !RangeHasTombstones(group.last_id, StreamId::Max())) {
    *lag = static_cast<int64_t>(entries_added_) - group.entries_read;
    return true;
  }
  const int64_t read = EstimateEntriesRead(group.last_id);
  if (read == ConsumerGroup::kInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added_) - read;
  return true;
}

}  // namespace rill::ds
