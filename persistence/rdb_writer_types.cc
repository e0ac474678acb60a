// RdbWriter: lists (QUICKLIST_2) and streams (STREAM_LISTPACKS_2).
#include <algorithm>
#include <vector>

#include "datastructs/list.h"
#include "datastructs/stream.h"
#include "persistence/listpack.h"
#include "persistence/quicklist_chunker.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {

void RdbWriter::PutList(const ds::List& list) {
  // Pass 1 counts the nodes (the count precedes them); pass 2 builds and writes each one.
  // Both make the same cut decisions.
  QuicklistChunker counter(options_.list_max_listpack_size);
  uint64_t nodes = 0;
  list.ForEach([&](std::string_view v) {
    if (counter.StartsNewNode(v)) ++nodes;
  });
  PutLength(nodes);

  QuicklistChunker chunker(options_.list_max_listpack_size);
  ListpackBuilder lp(&listpack_scratch_);
  bool open = false;
  auto close_node = [&] {
    if (!open) return;
    PutLength(rdb::kContainerPacked);
    PutString(lp.Finish());
    open = false;
    MaybeFlush();
  };
  list.ForEach([&](std::string_view v) {
    if (chunker.StartsNewNode(v)) {
      close_node();
      if (chunker.plain()) {
        PutLength(rdb::kContainerPlain);
        PutString(v);
        return;
      }
      lp = ListpackBuilder(&listpack_scratch_);
      open = true;
    }
    lp.AppendString(v);
  });
  close_node();
}

namespace {

void PutStreamId(std::string* out, ds::StreamId id) {
  char b[rdb::kStreamIdSize];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<char>((id.ms >> (56 - 8 * i)) & 0xff);
    b[8 + i] = static_cast<char>((id.seq >> (56 - 8 * i)) & 0xff);
  }
  out->append(b, sizeof(b));
}

// One stream block as the listpack Redis keeps for the node (rdb_format.h).
std::string_view EncodeStreamNode(const ds::StreamBlock& block, std::string* scratch) {
  ListpackBuilder lp(scratch);
  scratch->reserve(block.lp_bytes());
  lp.AppendInteger(block.live());
  lp.AppendInteger(block.deleted());
  size_t master_fields = 0;
  block.ForEachMasterField([&](std::string_view) { ++master_fields; });
  lp.AppendInteger(static_cast<int64_t>(master_fields));
  block.ForEachMasterField([&](std::string_view f) { lp.AppendString(f); });
  lp.AppendInteger(0);

  const ds::StreamId master = block.master_id();
  uint8_t flags;
  ds::StreamEntryView view;
  for (uint32_t off = block.first_offset(); off < block.end_offset();) {
    off = block.Decode(off, &flags, &view);
    // Rill's block flags have Redis's values (deleted 1, same fields 2).
    const bool same = (flags & ds::StreamBlock::kSameFields) != 0;
    lp.AppendInteger(flags & (rdb::kStreamFlagDeleted | rdb::kStreamFlagSameFields));
    lp.AppendInteger(static_cast<int64_t>(view.id.ms - master.ms));
    lp.AppendInteger(static_cast<int64_t>(view.id.seq - master.seq));
    if (!same) lp.AppendInteger(view.num_fields);
    view.ForEachField([&](std::string_view field, std::string_view value) {
      if (!same) lp.AppendString(field);
      lp.AppendString(value);
    });
    lp.AppendInteger(3 + static_cast<int64_t>(view.num_fields) * (same ? 1 : 2) + (same ? 0 : 1));
  }
  return lp.Finish();
}

}  // namespace

void RdbWriter::PutStream(const ds::Stream& stream) {
  PutLength(stream.num_blocks());
  std::string key;
  stream.ForEachBlock([&](const ds::StreamBlock& block) {
    key.clear();
    PutStreamId(&key, block.master_id());
    PutString(key);
    PutString(EncodeStreamNode(block, &listpack_scratch_));
    MaybeFlush();
  });
  PutLength(stream.length());
  PutLength(stream.last_id().ms);
  PutLength(stream.last_id().seq);
  PutLength(stream.first_id().ms);
  PutLength(stream.first_id().seq);
  PutLength(stream.max_deleted_id().ms);
  PutLength(stream.max_deleted_id().seq);
  PutLength(stream.entries_added());

  PutLength(stream.groups().size());
  for (const auto& [name, group] : stream.groups()) {
    PutString(name);
    PutLength(group->last_id.ms);
    PutLength(group->last_id.seq);
    PutLength(static_cast<uint64_t>(group->entries_read));  // -1 (unknown) as 2^64-1
    PutLength(group->pending().size());
    for (const auto& [id, nack] : group->pending()) {
      PutStreamId(&buf_, id);
      PutMillis(nack.delivery_time);
      PutLength(nack.delivery_count);
    }
    PutLength(group->consumers().size());
    for (const auto& [cname, consumer] : group->consumers()) {
      PutString(cname);
      PutMillis(consumer->seen_time);
      PutLength(consumer->pending.size());
      for (ds::StreamId id : consumer->pending) PutStreamId(&buf_, id);
      MaybeFlush();
    }
    MaybeFlush();
  }
}

}  // namespace rill::persistence
