// Stream reads: XRANGE XREVRANGE XREAD XREADGROUP (the synchronous part; a read that has to
// wait is handed to stream_blocking.cc).

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/commands/stream_read_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace stream_internal {

size_t ReplyGroupRead(protocol::ReplyBuilder& reply, const GroupReadTarget& target,
                      ds::Stream& stream, ds::ConsumerGroup& group, ds::StreamConsumer& consumer,
                      ds::StreamId after, size_t count, bool noack, int64_t now_ms) {
  ds::StreamId start = after;
  start.Increment();
  size_t token = reply.BeginDeferredArray();
  size_t n = 0;
  ds::Stream::Iterator it(stream, start, ds::StreamId::Max());
  ds::StreamEntryView entry;
  while ((count == 0 || n < count) && it.Next(&entry)) {
    stream.AdvanceGroup(group, entry.id);
    ReplyEntry(reply, entry);
    if (!noack) {
      group.Deliver(entry.id, &consumer, now_ms);
      PropagateClaim(target.ctx.engine, target.ctx.client.db, target.key, target.group_name,
                     entry.id, *group.FindPending(entry.id), group.last_id);
    }
    ++n;
  }
  reply.EndDeferredArray(token, n);
  if (noack && n != 0) {
    PropagateGroupPosition(target.ctx.engine, target.ctx.client.db, target.key, target.group_name,
                           group);
  }
  return n;
}

// The consumer's own history (XREADGROUP with an ID other than ">"): its pending entries from
// `after` on, each counted as delivered again; an entry deleted from the stream meanwhile is
// shown as its ID with a null field list.
static void ReplyConsumerHistory(protocol::ReplyBuilder& reply, const ds::Stream& stream,
                                 ds::ConsumerGroup& group, ds::StreamConsumer& consumer,
                                 ds::StreamId start, size_t count, int64_t now_ms) {
  size_t token = reply.BeginDeferredArray();
  size_t n = 0;
  for (auto it = consumer.pending.lower_bound(start);
       it != consumer.pending.end() && (count == 0 || n < count); ++it) {
    if (ReplyEntryById(reply, stream, *it)) {
      ds::PendingEntry* pending = group.FindPending(*it);
      pending->delivery_time = now_ms;
      ++pending->delivery_count;
    } else {
      reply.ArrayHeader(2);
      ReplyId(reply, *it);
      reply.NullArray();
    }
    ++n;
  }
  reply.EndDeferredArray(token, n);
}

}  // namespace stream_internal

namespace {

using namespace stream_internal;

void RangeGeneric(CommandContext& ctx, bool reverse) {
  ds::StreamId start, end;
  if (!ParseRangeStartOrReply(ctx, ctx.args[reverse ? 3 : 2], &start)) return;
  if (!ParseRangeEndOrReply(ctx, ctx.args[reverse ? 2 : 3], &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.args[j], "COUNT") && j + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx.args[j + 1], &count, ctx.reply)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  if (stream == nullptr) {
    ctx.reply.EmptyArray();
    return;
  }
  if (count == 0) {
    ctx.reply.NullArray();
    return;
  }
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = ReplyRangeEntries(ctx.reply, *stream, start, end,
                               count < 0 ? 0 : static_cast<size_t>(count), reverse);
  ctx.reply.EndDeferredArray(token, n);
}

void CmdXRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void CmdXRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

// Redis's getTimeoutFromObjectOrReply in milliseconds: an integer, not negative; returns the
// absolute deadline (0 = wait forever).
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  int64_t ms;
  if (!ParseInt64(arg, &ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return false;
  }
  if (ms < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return false;
  }
  if (ms > 0) {
    // Redis 7.0 adds without a range check; a deadline past the end of time waits forever.
    ms = ms > INT64_MAX - ctx.now_ms ? 0 : ms + ctx.now_ms;
  }
  *deadline_ms = ms;
  return true;
}

void XReadGeneric(CommandContext& ctx, bool xreadgroup) {
  StreamReadRequest req;
  req.group_read = xreadgroup;
  bool block = false;
  size_t streams_arg = 0;
  size_t streams_count = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const size_t more = ctx.argc() - i - 1;
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "BLOCK") && more > 0) {
      ++i;
      if (!ParseBlockTimeout(ctx, ctx.args[i], &req.deadline_ms)) return;
      block = true;
    } else if (EqualsIgnoreCase(opt, "COUNT") && more > 0) {
      ++i;
      int64_t count;
      if (!ParseInt64OrReply(ctx.args[i], &count, ctx.reply)) return;
      req.count = count < 0 ? 0 : static_cast<size_t>(count);
    } else if (EqualsIgnoreCase(opt, "STREAMS") && more > 0) {
      streams_arg = i + 1;
      streams_count = ctx.argc() - streams_arg;
      if (streams_count % 2 != 0) {
        ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return;
      }
      streams_count /= 2;
      break;
    } else if (EqualsIgnoreCase(opt, "GROUP") && more >= 2) {
      if (!xreadgroup) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      req.group = std::string(ctx.args[i + 1]);
      req.consumer = std::string(ctx.args[i + 2]);
      req.has_group = true;
      i += 2;
    } else if (EqualsIgnoreCase(opt, "NOACK")) {
      if (!xreadgroup) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      req.noack = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (streams_arg == 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (xreadgroup && !req.has_group) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return;
  }

  // Resolve keys, groups and IDs, in argument order (the first problem is the one reported).
  req.keys.resize(streams_count);
  req.ids.resize(streams_count);
  req.new_only.assign(streams_count, false);
  for (size_t k = 0; k < streams_count; ++k) {
    std::string_view key = ctx.args[streams_arg + k];
    std::string_view id_arg = ctx.args[streams_arg + streams_count + k];
    req.keys[k] = std::string(key);
    TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(key, kRead);
    if (found.wrong_type) return;
    ds::Stream* stream = found.value;
    if (req.has_group && (stream == nullptr || stream->FindGroup(req.group) == nullptr)) {
      ctx.reply.Error("NOGROUP No such key '" + std::string(CStr(key)) + "' or consumer group '" +
                      std::string(CStr(req.group)) + "' in XREADGROUP with GROUP option");
      return;
    }
    if (id_arg == "$") {
      if (xreadgroup) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return;
      }
      req.ids[k] = stream != nullptr ? stream->last_id() : ds::StreamId::Min();
      continue;
    }
    if (id_arg == ">") {
      if (!xreadgroup) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
            "<group> <consumer> option.");
        return;
      }
      req.ids[k] = ds::StreamId::Max();
      req.new_only[k] = true;
      continue;
    }
    if (!ParseIdOrReply(ctx, id_arg, 0, true, nullptr, &req.ids[k])) return;
  }

  // A group read propagates what it did (XCLAIMs, XGROUP SETID) as it serves.
  if (xreadgroup) ctx.PreventPropagation();
  if (ServeReadSynchronously(ctx, req)) return;
  if (block) {
    BlockRead(ctx, std::move(req));
    return;
  }
  ctx.reply.NullArray();
}

void CmdXRead(CommandContext& ctx) { XReadGeneric(ctx, false); }
void CmdXReadGroup(CommandContext& ctx) { XReadGeneric(ctx, true); }

}  // namespace

namespace stream_internal {

ds::StreamConsumer* ServedConsumer(const GroupReadTarget& target, ds::ConsumerGroup& group,
                                   std::string_view name, bool noack, int64_t now_ms) {
  bool created;
  ds::StreamConsumer* consumer = group.FindOrCreateConsumer(name, now_ms, &created);
  if (created) {
    target.ctx.ChangedUnwatched(target.key, 't', "xgroup-createconsumer");
    if (noack) {
      target.ctx.engine.Propagate(
          target.ctx.client.db, {"XGROUP", "CREATECONSUMER", target.key, target.group_name, name});
    }
  }
  consumer->seen_time = now_ms;
  return consumer;
}

bool ServeReadSynchronously(CommandContext& ctx, StreamReadRequest& req) {
  size_t token = 0;
  size_t served = 0;
  for (size_t k = 0; k < req.keys.size(); ++k) {
    TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(req.keys[k], kRead);
    ds::Stream* stream = found.value;
    if (stream == nullptr) continue;
    ds::ConsumerGroup* group = nullptr;
    ds::StreamConsumer* consumer = nullptr;
    ds::StreamId after = req.ids[k];
    bool serve = false;
    bool history = false;
    if (req.has_group) {
      group = stream->FindGroup(req.group);
      if (!req.new_only[k]) {
        serve = history = true;
      } else if (stream->length() > 0) {
        ds::StreamId top;
        stream->LastValidId(&top);
        if (top > group->last_id) {
          serve = true;
          after = group->last_id;
        }
      }
    } else if (stream->length() > 0) {
      ds::StreamId top;
      stream->LastValidId(&top);
      serve = top > after;
    }
    if (!serve) continue;
    const GroupReadTarget target{ctx, req.keys[k], req.group};
    if (group != nullptr) {
      // Redis 7.0 creates the consumer only when it is served something.
      consumer = ServedConsumer(target, *group, req.consumer, req.noack, ctx.now_ms);
    }

    if (served++ == 0) {
      token = ctx.reply.resp3() ? ctx.reply.BeginDeferredMap() : ctx.reply.BeginDeferredArray();
    }
    if (!ctx.reply.resp3()) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(req.keys[k]);
    if (history) {
      ds::StreamId start = after;
      start.Increment();
      ReplyConsumerHistory(ctx.reply, *stream, *group, *consumer, start, req.count, ctx.now_ms);
    } else if (group != nullptr) {
      if (ReplyGroupRead(ctx.reply, target, *stream, *group, *consumer, after, req.count, req.noack,
                         ctx.now_ms) != 0) {
        ctx.ChangedUnwatched(req.keys[k], 't', /*event=*/{});
      }
    } else {
      ds::StreamId start = after;
      start.Increment();
      size_t inner = ctx.reply.BeginDeferredArray();
      size_t n =
          ReplyRangeEntries(ctx.reply, *stream, start, ds::StreamId::Max(), req.count, false);
      ctx.reply.EndDeferredArray(inner, n);
    }
  }
  if (served == 0) return false;
  if (ctx.reply.resp3()) {
    ctx.reply.EndDeferredMap(token, served);
  } else {
    ctx.reply.EndDeferredArray(token, served);
  }
  return true;
}

}  // namespace stream_internal

void RegisterStreamReadCommands(CommandTable& table) {
  table.Add("xrange", &CmdXRange);
  table.Add("xrevrange", &CmdXRevRange);
  table.Add("xread", &CmdXRead);
  table.Add("xreadgroup", &CmdXReadGroup);
}

}  // namespace rill
