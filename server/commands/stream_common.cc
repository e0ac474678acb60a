// Shared stream command helpers (stream_internal.h) and the family's registration.

#include "absl/strings/ascii.h"
#include "common/string_util.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace stream_internal {

bool ParseIdOrReply(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, bool strict,
                    bool* seq_given, ds::StreamId* id) {
  if (ds::ParseStreamId(arg, missing_seq, strict, seq_given, id)) return true;
  ctx.reply.Error(kInvalidStreamId);
  return false;
}

bool ParseRangeStartOrReply(CommandContext& ctx, std::string_view arg, ds::StreamId* id) {
  bool exclusive;
  if (!ds::ParseStreamIntervalId(arg, 0, &exclusive, id)) {
    ctx.reply.Error(kInvalidStreamId);
    return false;
  }
  if (exclusive && !id->Increment()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseRangeEndOrReply(CommandContext& ctx, std::string_view arg, ds::StreamId* id) {
  bool exclusive;
  if (!ds::ParseStreamIntervalId(arg, UINT64_MAX, &exclusive, id)) {
    ctx.reply.Error(kInvalidStreamId);
    return false;
  }
  if (exclusive && !id->Decrement()) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

ds::StreamLimits NodeLimits(CommandContext& ctx) {
  static const Config::IntParam kMaxBytes("stream-node-max-bytes");
  static const Config::IntParam kMaxEntries("stream-node-max-entries");
  return {ctx.engine.config().Int(kMaxBytes), ctx.engine.config().Int(kMaxEntries)};
}

void PropagateClaim(Engine& engine, int db, std::string_view key, std::string_view group_name,
                    ds::StreamId id, const ds::PendingEntry& pending, ds::StreamId group_last_id) {
  if (!engine.propagation().active()) return;
  engine.Propagate(db, {"XCLAIM", key, group_name, pending.consumer->name, "0", id.ToString(),
                        "TIME", std::to_string(pending.delivery_time), "RETRYCOUNT",
                        std::to_string(pending.delivery_count), "FORCE", "JUSTID", "LASTID",
                        group_last_id.ToString()});
}

void PropagateGroupPosition(Engine& engine, int db, std::string_view key,
                            std::string_view group_name, const ds::ConsumerGroup& group) {
  if (!engine.propagation().active()) return;
  engine.Propagate(db, {"XGROUP", "SETID", key, group_name, group.last_id.ToString(), "ENTRIESREAD",
                        std::to_string(group.entries_read)});
}

void ReplyId(protocol::ReplyBuilder& reply, ds::StreamId id) {
  char buf[ds::StreamId::kMaxTextSize];
  reply.Bulk(std::string_view(buf, id.Format(buf)));
}

void ReplyEntry(protocol::ReplyBuilder& reply, const ds::StreamEntryView& entry) {
  reply.ArrayHeader(2);
  ReplyId(reply, entry.id);
  reply.ArrayHeader(2 * static_cast<size_t>(entry.num_fields));
  entry.ForEachField([&](std::string_view field, std::string_view value) {
    reply.Bulk(field);
    reply.Bulk(value);
  });
}

bool ReplyEntryById(protocol::ReplyBuilder& reply, const ds::Stream& stream, ds::StreamId id) {
  ds::Stream::Iterator it(stream, id, id);
  ds::StreamEntryView entry;
  if (!it.Next(&entry)) return false;
  ReplyEntry(reply, entry);
  return true;
}

size_t ReplyRangeEntries(protocol::ReplyBuilder& reply, const ds::Stream& stream,
                         ds::StreamId start, ds::StreamId end, size_t count, bool reverse) {
  ds::Stream::Iterator it(stream, start, end, reverse);
  ds::StreamEntryView entry;
  size_t n = 0;
  while ((count == 0 || n < count) && it.Next(&entry)) {
    ReplyEntry(reply, entry);
    ++n;
  }
  return n;
}

void SignalKeyReady(CommandContext& ctx, std::string_view key) {
  ctx.engine.blocking().SignalKeyReady(ctx.client.db, key);
}

bool ParseInt64OrReplyMsg(CommandContext& ctx, std::string_view arg, int64_t* out,
                          std::string_view error) {
  if (ParseInt64(arg, out)) return true;
  ctx.reply.Error(error);
  return false;
}

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error(errors::SubcommandSyntax(ctx.args[1], ctx.args[0]));
}

}  // namespace stream_internal

void RegisterStreamCommands(CommandTable& table) {
  RegisterStreamWriteCommands(table);
  RegisterStreamReadCommands(table);
  RegisterStreamGroupCommands(table);
  RegisterStreamPendingCommands(table);
  RegisterStreamInfoCommands(table);
}

}  // namespace rill
