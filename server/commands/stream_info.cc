// XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP, with Redis 7.0's
// fields (7.2 added more; Rill answers as 7.0 does).

#include <algorithm>
#include <cstdint>
#include <string>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace stream_internal;

void ReplyLag(protocol::ReplyBuilder& reply, const ds::Stream& stream,
              const ds::ConsumerGroup& group) {
  int64_t lag;
  if (stream.GroupLag(group, &lag)) {
    reply.Integer(lag);
  } else {
    reply.Null();
  }
}

void ReplyEntriesRead(protocol::ReplyBuilder& reply, const ds::ConsumerGroup& group) {
  if (group.entries_read != ds::ConsumerGroup::kInvalidEntriesRead) {
    reply.Integer(group.entries_read);
  } else {
    reply.Null();
  }
}

ds::Stream* LookupOrReply(CommandContext& ctx) {
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[2], kRead);
  ds::Stream* stream = found.value;
  if (stream == nullptr && !found.wrong_type) ctx.reply.Error(errors::kNoSuchKey);
  return stream;
}

void ReplyStreamHeader(protocol::ReplyBuilder& reply, const ds::Stream& s, bool full) {
  reply.MapHeader(full ? 9 : 10);
  reply.Bulk("length");
  reply.Integer(static_cast<int64_t>(s.length()));
  reply.Bulk("radix-tree-keys");
  reply.Integer(static_cast<int64_t>(s.num_blocks()));
  reply.Bulk("radix-tree-nodes");
  reply.Integer(static_cast<int64_t>(s.RadixTreeNodes()));
  reply.Bulk("last-generated-id");
  ReplyId(reply, s.last_id());
  reply.Bulk("max-deleted-entry-id");
  ReplyId(reply, s.max_deleted_id());
  reply.Bulk("entries-added");
  reply.Integer(static_cast<int64_t>(s.entries_added()));
  reply.Bulk("recorded-first-entry-id");
  ReplyId(reply, s.first_id());
}

void ReplyFullGroups(protocol::ReplyBuilder& reply, const ds::Stream& s, size_t count) {
  reply.ArrayHeader(s.groups().size());
  for (const auto& [name, group] : s.groups()) {
    reply.MapHeader(7);
    reply.Bulk("name");
    reply.Bulk(name);
    reply.Bulk("last-delivered-id");
    ReplyId(reply, group->last_id);
    reply.Bulk("entries-read");
    ReplyEntriesRead(reply, *group);
    reply.Bulk("lag");
    ReplyLag(reply, s, *group);
    reply.Bulk("pel-count");
    reply.Integer(static_cast<int64_t>(group->pending().size()));
    reply.Bulk("pending");
    const size_t pel_shown =
        count == 0 ? group->pending().size() : std::min(count, group->pending().size());
    reply.ArrayHeader(pel_shown);
    size_t n = 0;
    for (const auto& [id, entry] : group->pending()) {
      if (n++ == pel_shown) break;
      reply.ArrayHeader(4);
      ReplyId(reply, id);
      reply.Bulk(entry.consumer->name);
      reply.Integer(entry.delivery_time);
      reply.Integer(static_cast<int64_t>(entry.delivery_count));
    }
    reply.Bulk("consumers");
    reply.ArrayHeader(group->consumers().size());
    for (const auto& [cname, consumer] : group->consumers()) {
      reply.MapHeader(4);
      reply.Bulk("name");
      reply.Bulk(cname);
      reply.Bulk("seen-time");
      reply.Integer(consumer->seen_time);
      reply.Bulk("pel-count");
      reply.Integer(static_cast<int64_t>(consumer->pending.size()));
      reply.Bulk("pending");
      const size_t shown =
          count == 0 ? consumer->pending.size() : std::min(count, consumer->pending.size());
      reply.ArrayHeader(shown);
      size_t k = 0;
      for (ds::StreamId id : consumer->pending) {
        if (k++ == shown) break;
        const ds::PendingEntry& entry = group->pending().find(id)->second;
        reply.ArrayHeader(3);
        ReplyId(reply, id);
        reply.Integer(entry.delivery_time);
        reply.Integer(static_cast<int64_t>(entry.delivery_count));
      }
    }
  }
}

void CmdXInfoStream(CommandContext& ctx) {
  bool full = false;
  int64_t count = 10;  // FULL shows 10 entries / PEL items unless told (0 = all)
  const size_t optc = ctx.argc() - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !EqualsIgnoreCase(ctx.args[3], "full") ||
        (optc == 3 && !EqualsIgnoreCase(ctx.args[4], "count"))) {
      ReplySubcommandSyntaxError(ctx);
      return;
    }
    if (optc == 3) {
      if (!ParseInt64OrReply(ctx.args[5], &count, ctx.reply)) return;
      if (count < 0) count = 10;
    }
    full = true;
  }
  ds::Stream* s = LookupOrReply(ctx);
  if (s == nullptr) return;

  ReplyStreamHeader(ctx.reply, *s, full);
  if (!full) {
    ctx.reply.Bulk("groups");
    ctx.reply.Integer(static_cast<int64_t>(s->groups().size()));
    for (bool last : {false, true}) {
      ctx.reply.Bulk(last ? "last-entry" : "first-entry");
      if (ReplyRangeEntries(ctx.reply, *s, ds::StreamId::Min(), ds::StreamId::Max(), 1, last) ==
          0) {
        ctx.reply.Null();
      }
    }
    return;
  }
  ctx.reply.Bulk("entries");
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = ReplyRangeEntries(ctx.reply, *s, ds::StreamId::Min(), ds::StreamId::Max(),
                               static_cast<size_t>(count), false);
  ctx.reply.EndDeferredArray(token, n);
  ctx.reply.Bulk("groups");
  ReplyFullGroups(ctx.reply, *s, static_cast<size_t>(count));
}

void CmdXInfoGroups(CommandContext& ctx) {
  ds::Stream* s = LookupOrReply(ctx);
  if (s == nullptr) return;
  ctx.reply.ArrayHeader(s->groups().size());
  for (const auto& [name, group] : s->groups()) {
    ctx.reply.MapHeader(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(group->consumers().size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(group->pending().size()));
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx.reply, group->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx.reply, *group);
    ctx.reply.Bulk("lag");
    ReplyLag(ctx.reply, *s, *group);
  }
}

void CmdXInfoConsumers(CommandContext& ctx) {
  ds::Stream* s = LookupOrReply(ctx);
  if (s == nullptr) return;
  const ds::ConsumerGroup* group = s->FindGroup(ctx.args[3]);
  if (group == nullptr) {
    ctx.reply.Error("NOGROUP No such consumer group '" + std::string(CStr(ctx.args[3])) +
                    "' for key name '" + std::string(CStr(ctx.args[2])) + "'");
    return;
  }
  ctx.reply.ArrayHeader(group->consumers().size());
  for (const auto& [name, consumer] : group->consumers()) {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(consumer->pending.size()));
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(std::max<int64_t>(0, ctx.now_ms - consumer->seen_time));
  }
}

void CmdXInfoHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterStreamInfoCommands(CommandTable& table) {
  table.Add("xinfo|stream", &CmdXInfoStream);
  table.Add("xinfo|groups", &CmdXInfoGroups);
  table.Add("xinfo|consumers", &CmdXInfoConsumers);
  table.Add("xinfo|help", &CmdXInfoHelp);
}

}  // namespace rill
