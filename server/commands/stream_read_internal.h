// XREAD / XREADGROUP requests, shared between the synchronous path (stream_read.cc) and
// clients blocked waiting for entries (stream_blocking.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datastructs/stream.h"
#include "server/engine/command.h"

namespace rill::stream_internal {

struct StreamReadRequest {
  bool group_read = false;  // XREADGROUP
  bool has_group = false;
  std::string group;
  std::string consumer;
  bool noack = false;
  size_t count = 0;         // 0 = no limit
  int64_t deadline_ms = 0;  // BLOCK: absolute unix ms, 0 = forever
  std::vector<std::string> keys;
  // Per key: entries after this ID are wanted ("$" already resolved to the last ID when the
  // command ran); for XREADGROUP ">" the group's last delivered ID decides instead.
  std::vector<ds::StreamId> ids;
  std::vector<bool> new_only;  // XREADGROUP ">"
};

// Replies (map in RESP3, array in RESP2) with every stream that has something to give and
// returns true; returns false without replying when none has.
bool ServeReadSynchronously(CommandContext& ctx, StreamReadRequest& req);

// Parks the client until an entry arrives on one of the keys, the deadline passes, or the
// group disappears.
void BlockRead(CommandContext& ctx, StreamReadRequest req);

// Where a group read happens, for signalling and propagating its effects: the reading client's
// context (a waiter's own when a blocked read is served), the stream's key and the group's name
// as the client wrote it.
struct GroupReadTarget {
  CommandContext& ctx;
  std::string_view key;
  std::string_view group_name;
};

// The consumer a group read is served to, created on first use (with its keyspace event; a
// NOACK read also propagates the creation, as no XCLAIM will create it on replay).
ds::StreamConsumer* ServedConsumer(const GroupReadTarget& target, ds::ConsumerGroup& group,
                                   std::string_view name, bool noack, int64_t now_ms);

// Delivers entries after `after` to `consumer` of `group` (XREADGROUP ">"): the entries array
// reply, the group's last ID / read counter, and (unless NOACK) the PELs. Propagates each
// delivery as an XCLAIM, or a NOACK read as one XGROUP SETID. Returns how many.
size_t ReplyGroupRead(protocol::ReplyBuilder& reply, const GroupReadTarget& target,
                      ds::Stream& stream, ds::ConsumerGroup& group, ds::StreamConsumer& consumer,
                      ds::StreamId after, size_t count, bool noack, int64_t now_ms);

}  // namespace rill::stream_internal
