// Helpers shared by the stream command files (stream_write.cc, stream_read.cc,
// stream_group_commands.cc, stream_pending.cc, stream_info.cc): ID parsing with Redis's error
// replies, and replying with entries. Keys are reached through the key kit.
#pragma once

#include <cstdint>
#include <string_view>

#include "datastructs/stream.h"
#include "server/engine/command.h"

namespace rill::stream_internal {

inline constexpr std::string_view kInvalidStreamId =
    "ERR Invalid stream ID specified as stream command argument";

// ID parsing (see ds::ParseStreamId); replies kInvalidStreamId and returns false on error.
bool ParseIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, bool strict,
                    bool* seq_given, ds::StreamId* id);
// Range bounds: "(" makes the bound exclusive, which moves it to the next (start) or previous
// (end) ID, with Redis's errors at the ends of the ID space.
bool ParseRangeStartOrReply(CommandContext& ctx, std::string_view arg, ds::StreamId* id);
bool ParseRangeEndOrReply(CommandContext& ctx, std::string_view arg, ds::StreamId* id);

ds::StreamLimits NodeLimits(CommandContext& ctx);

void ReplyId(protocol::ReplyBuilder& reply, ds::StreamId id);
// [id, [field, value, ...]]
void ReplyEntry(protocol::ReplyBuilder& reply, const ds::StreamEntryView& entry);
// Replies the entry with `id` as ReplyEntry does; false (nothing written) if it is not there.
bool ReplyEntryById(protocol::ReplyBuilder& reply, const ds::Stream& stream, ds::StreamId id);
// Entries in [start, end] (count 0 = all) without the array header; returns how many.
size_t ReplyRangeEntries(protocol::ReplyBuilder& reply, const ds::Stream& stream,
                         ds::StreamId start, ds::StreamId end, size_t count, bool reverse);

// Wakes clients blocked in XREAD/XREADGROUP on `key` once the current command finishes.
void SignalKeyReady(CommandContext& ctx, std::string_view key);

// How consumer-group state reaches the AOF, in Redis 7.0's forms:
//   XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE JUSTID LASTID <id>
// sets one pending entry exactly as it is now (a replay of a deleted entry drops it from the
// PEL), and
//   XGROUP SETID <key> <group> <last id> ENTRIESREAD <n>
// the group's position.
void PropagateClaim(Engine& engine, int db, std::string_view key, std::string_view group_name,
                    ds::StreamId id, const ds::PendingEntry& pending, ds::StreamId group_last_id);
void PropagateGroupPosition(Engine& engine, int db, std::string_view key,
                            std::string_view group_name, const ds::ConsumerGroup& group);

// Redis's getLongLongFromObjectOrReply with a custom message ("ERR <msg>").
bool ParseInt64OrReplyMsg(CommandContext& ctx, std::string_view arg, int64_t* out,
                          std::string_view error);

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP."
void ReplySubcommandSyntaxError(CommandContext& ctx);

}  // namespace rill::stream_internal

namespace rill {
void RegisterStreamWriteCommands(CommandTable& table);
void RegisterStreamReadCommands(CommandTable& table);
void RegisterStreamGroupCommands(CommandTable& table);
void RegisterStreamPendingCommands(CommandTable& table);
void RegisterStreamInfoCommands(CommandTable& table);
}  // namespace rill
