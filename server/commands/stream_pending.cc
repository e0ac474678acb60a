// Pending entries: XPENDING (summary and extended form), XCLAIM and XAUTOCLAIM.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace stream_internal;

void ReplyNoGroup(CommandContext& ctx) {
  ctx.reply.Error("NOGROUP No such key '" + std::string(CStr(ctx.args[1])) +
                  "' or consumer group '" + std::string(CStr(ctx.args[2])) + "'");
}

void XPendingSummary(CommandContext& ctx, const ds::ConsumerGroup& group) {
  const auto& pel = group.pending();
  ctx.reply.ArrayHeader(4);
  ctx.reply.Integer(static_cast<int64_t>(pel.size()));
  if (pel.empty()) {
    ctx.reply.Null();
    ctx.reply.Null();
    ctx.reply.NullArray();
    return;
  }
  ReplyId(ctx.reply, pel.begin()->first);
  ReplyId(ctx.reply, pel.rbegin()->first);
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  for (const auto& [name, consumer] : group.consumers()) {
    if (consumer->pending.empty()) continue;
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(name);
    ctx.reply.BulkInt(static_cast<int64_t>(consumer->pending.size()));
    ++n;
  }
  ctx.reply.EndDeferredArray(token, n);
}

void CmdXPending(CommandContext& ctx) {
  const size_t argc = ctx.argc();
  if (argc != 3 && (argc < 6 || argc > 9)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ds::StreamId start, end;
  int64_t count = 0;
  int64_t min_idle = 0;
  std::string_view consumer_name;
  bool with_consumer = false;
  if (argc >= 6) {
    size_t first = 3;
    if (EqualsIgnoreCase(ctx.args[3], "IDLE")) {
      if (!ParseInt64OrReply(ctx.args[4], &min_idle, ctx.reply)) return;
      if (argc < 8) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      first += 2;
    }
    if (!ParseInt64OrReply(ctx.args[first + 2], &count, ctx.reply)) return;
    if (count < 0) count = 0;
    if (!ParseRangeStartOrReply(ctx, ctx.args[first], &start)) return;
    if (!ParseRangeEndOrReply(ctx, ctx.args[first + 1], &end)) return;
    if (first + 3 < argc) {
      consumer_name = ctx.args[first + 3];
      with_consumer = true;
    }
  }

  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  ds::ConsumerGroup* group = stream != nullptr ? stream->FindGroup(ctx.args[2]) : nullptr;
  if (group == nullptr) {
    ReplyNoGroup(ctx);
    return;
  }
  if (argc == 3) {
    XPendingSummary(ctx, *group);
    return;
  }

  const ds::StreamConsumer* consumer = nullptr;
  if (with_consumer) {
    consumer = group->FindConsumer(consumer_name);
    if (consumer == nullptr) {
      ctx.reply.EmptyArray();
      return;
    }
  }
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  auto emit = [&](ds::StreamId id, const ds::PendingEntry& entry) {
    if (min_idle != 0 && ctx.now_ms - entry.delivery_time < min_idle) return;
    ctx.reply.ArrayHeader(4);
    ReplyId(ctx.reply, id);
    ctx.reply.Bulk(entry.consumer->name);
    ctx.reply.Integer(std::max<int64_t>(0, ctx.now_ms - entry.delivery_time));
    ctx.reply.Integer(static_cast<int64_t>(entry.delivery_count));
    --count;
    ++n;
  };
  if (consumer != nullptr) {
    for (auto it = consumer->pending.lower_bound(start);
         count > 0 && it != consumer->pending.end() && *it <= end; ++it) {
      emit(*it, *group->FindPending(*it));
    }
  } else {
    const auto& pel = group->pending();
    for (auto it = pel.lower_bound(start); count > 0 && it != pel.end() && it->first <= end; ++it) {
      emit(it->first, it->second);
    }
  }
  ctx.reply.EndDeferredArray(token, n);
}

struct ClaimOptions {
  int64_t delivery_time = -1;  // -1: now
  int64_t retry_count = -1;    // -1: not given
  bool force = false;
  bool just_id = false;
  ds::StreamId last_id;
};

// XCLAIM's trailing options; replies and returns false on a bad one.
bool ParseClaimOptions(CommandContext& ctx, size_t j, ClaimOptions* opts) {
  for (; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.args[j];
    if (EqualsIgnoreCase(opt, "FORCE")) {
      opts->force = true;
    } else if (EqualsIgnoreCase(opt, "JUSTID")) {
      opts->just_id = true;
    } else if (EqualsIgnoreCase(opt, "IDLE") && more) {
      ++j;
      int64_t idle;
      if (!ParseInt64OrReplyMsg(ctx, ctx.args[j], &idle,
                                "ERR Invalid IDLE option argument for XCLAIM")) {
        return false;
      }
      opts->delivery_time = ctx.now_ms - idle;
    } else if (EqualsIgnoreCase(opt, "TIME") && more) {
      ++j;
      if (!ParseInt64OrReplyMsg(ctx, ctx.args[j], &opts->delivery_time,
                                "ERR Invalid TIME option argument for XCLAIM")) {
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "RETRYCOUNT") && more) {
      ++j;
      if (!ParseInt64OrReplyMsg(ctx, ctx.args[j], &opts->retry_count,
                                "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "LASTID") && more) {
      ++j;
      if (!ParseIdOrReply(ctx, ctx.args[j], 0, true, nullptr, &opts->last_id)) return false;
    } else {
      ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(CStr(opt)) + "'");
      return false;
    }
  }
  return true;
}

// The claiming consumer, looked up (and created) only once something is claimed, as Redis
// 7.0 does: a claim that takes nothing leaves the group's consumers unchanged.
ds::StreamConsumer* ClaimingConsumer(CommandContext& ctx, ds::ConsumerGroup& group,
                                     ds::StreamConsumer** cached) {
  if (*cached != nullptr) return *cached;
  bool created;
  ds::StreamConsumer* consumer = group.FindOrCreateConsumer(ctx.args[3], ctx.now_ms, &created);
  if (created) {
    ctx.ChangedUnwatched(ctx.args[1], 't', "xgroup-createconsumer");
  }
  consumer->seen_time = ctx.now_ms;
  *cached = consumer;
  return consumer;
}

void CmdXClaim(CommandContext& ctx) {
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  ds::ConsumerGroup* group = stream != nullptr ? stream->FindGroup(ctx.args[2]) : nullptr;
  if (group == nullptr) {
    ReplyNoGroup(ctx);
    return;
  }
  int64_t min_idle;
  if (!ParseInt64OrReplyMsg(ctx, ctx.args[4], &min_idle,
                            "ERR Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;

  // IDs run until the first argument that is not one; the rest are options.
  std::vector<ds::StreamId> ids;
  size_t j = 5;
  for (; j < ctx.argc(); ++j) {
    ds::StreamId id;
    if (!ds::ParseStreamId(ctx.args[j], 0, true, nullptr, &id)) break;
    ids.push_back(id);
  }
  ClaimOptions opts;
  if (!ParseClaimOptions(ctx, j, &opts)) return;

  // Claims propagate as XCLAIMs of the resulting pending state (which carry LASTID); a LASTID
  // that moved the group with nothing else to log goes as XGROUP SETID.
  ctx.PreventPropagation();
  bool propagate_position = false;
  if (opts.last_id > group->last_id) {
    group->last_id = opts.last_id;
    propagate_position = true;
  }
  int64_t delivery_time = opts.delivery_time;
  // A bogus time (negative, or in the future) means "now": clients compute it from their clock.
  if (delivery_time < 0 || delivery_time > ctx.now_ms) delivery_time = ctx.now_ms;

  ds::StreamConsumer* consumer = nullptr;
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  for (ds::StreamId id : ids) {
    ds::PendingEntry* entry = group->FindPending(id);
    if (!stream->Contains(id)) {
      // The entry is gone from the stream: its pending record goes too.
      if (entry != nullptr) {
        PropagateClaim(ctx.engine, ctx.client.db, ctx.args[1], ctx.args[2], id, *entry,
                       group->last_id);
        propagate_position = false;
        group->Acknowledge(id);
        ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{});
      }
      continue;
    }
    bool fresh = false;
    if (entry == nullptr) {
      if (!opts.force) continue;
      entry = &group->AddPending(id, ClaimingConsumer(ctx, *group, &consumer), delivery_time);
      fresh = true;
    }
    if (!fresh && min_idle != 0 && ctx.now_ms - entry->delivery_time < min_idle) continue;
    group->Transfer(*entry, id, ClaimingConsumer(ctx, *group, &consumer));
    entry->delivery_time = delivery_time;
    if (opts.retry_count >= 0) {
      entry->delivery_count = static_cast<uint64_t>(opts.retry_count);
    } else if (!opts.just_id) {
      ++entry->delivery_count;
    }
    if (opts.just_id) {
      ReplyId(ctx.reply, id);
    } else {
      ReplyEntryById(ctx.reply, *stream, id);
    }
    PropagateClaim(ctx.engine, ctx.client.db, ctx.args[1], ctx.args[2], id, *entry, group->last_id);
    propagate_position = false;
    ++n;
    ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{});
  }
  ctx.reply.EndDeferredArray(token, n);
  if (propagate_position) {
    PropagateGroupPosition(ctx.engine, ctx.client.db, ctx.args[1], ctx.args[2], *group);
    ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{});
  }
}

void CmdXAutoClaim(CommandContext& ctx) {
  int64_t min_idle;
  if (!ParseInt64OrReplyMsg(ctx, ctx.args[4], &min_idle,
                            "ERR Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;
  ds::StreamId start;
  if (!ParseRangeStartOrReply(ctx, ctx.args[5], &start)) return;

  constexpr int64_t kAttemptsFactor = 10;
  constexpr int64_t kMaxCount = INT64_MAX / 16;  // Redis: LONG_MAX / max(sizeof(streamID), 10)
  int64_t count = 100;
  bool just_id = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(ctx.args[j], "COUNT") && more) {
      if (!ParseInt64(ctx.args[j + 1], &count) || count < 1 || count > kMaxCount) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      ++j;
    } else if (EqualsIgnoreCase(ctx.args[j], "JUSTID")) {
      just_id = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }

  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  ds::ConsumerGroup* group = stream != nullptr ? stream->FindGroup(ctx.args[2]) : nullptr;
  if (group == nullptr) {
    ReplyNoGroup(ctx);
    return;
  }
  // Redis allocates COUNT IDs up front for the deleted-IDs list and fails when it cannot.
  if (static_cast<uint64_t>(count) > (uint64_t{1} << 40) / sizeof(ds::StreamId)) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory, COUNT too high.");
    return;
  }
  ds::StreamConsumer* consumer = nullptr;
  ctx.PreventPropagation();  // each claim or dropped entry propagates as an XCLAIM

  ctx.reply.ArrayHeader(3);
  // The cursor comes first in the reply but is known last: build the claimed entries aside.
  std::string claimed;
  protocol::ReplyBuilder entries(&claimed);
  entries.set_resp3(ctx.reply.resp3());
  size_t n = 0;
  std::vector<ds::StreamId> deleted;
  int64_t attempts = count * kAttemptsFactor;
  const auto& pel = group->pending();
  auto it = pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != pel.end()) {
    const ds::StreamId id = it->first;
    if (!stream->Contains(id)) {
      // Gone from the stream: drop its pending record and report it (erasing invalidates the
      // iterator, so seek again).
      PropagateClaim(ctx.engine, ctx.client.db, ctx.args[1], ctx.args[2], id, it->second,
                     group->last_id);
      group->Acknowledge(id);
      it = pel.lower_bound(id);
      deleted.push_back(id);
      ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{});
      --count;
      continue;
    }
    ++it;
    ds::PendingEntry& entry = *group->FindPending(id);
    if (min_idle != 0 && ctx.now_ms - entry.delivery_time < min_idle) continue;
    group->Transfer(entry, id, ClaimingConsumer(ctx, *group, &consumer));
    entry.delivery_time = ctx.now_ms;
    if (!just_id) ++entry.delivery_count;
    if (just_id) {
      ReplyId(entries, id);
    } else {
      ReplyEntryById(entries, *stream, id);
    }
    PropagateClaim(ctx.engine, ctx.client.db, ctx.args[1], ctx.args[2], id, entry, group->last_id);
    ++n;
    --count;
    ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{});
  }
  ReplyId(ctx.reply, it == pel.end() ? ds::StreamId::Min() : it->first);
  ctx.reply.ArrayHeader(n);
  ctx.reply.Raw(claimed);
  ctx.reply.ArrayHeader(deleted.size());
  for (ds::StreamId id : deleted) ReplyId(ctx.reply, id);
}

}  // namespace

void RegisterStreamPendingCommands(CommandTable& table) {
  table.Add("xpending", &CmdXPending);
  table.Add("xclaim", &CmdXClaim);
  table.Add("xautoclaim", &CmdXAutoClaim);
}

}  // namespace rill
