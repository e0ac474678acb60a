// LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LINSERT, and the helpers every list
// command shares.
#include <cmath>
#include <limits>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/lists_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace lists_internal {

std::unique_ptr<ds::List> NewList(CommandContext& ctx) {
  static const Config::IntParam kMaxListpackSize("list-max-listpack-size");
  return std::make_unique<ds::List>(ds::ListLimits{ctx.engine.config().Int(kMaxListpackSize)});
}

bool ParseEnd(std::string_view arg, bool* left) {
  if (EqualsIgnoreCase(arg, "left")) {
    *left = true;
    return true;
  }
  if (EqualsIgnoreCase(arg, "right")) {
    *left = false;
    return true;
  }
  return false;
}

bool NormalizeIndex(int64_t index, size_t size, size_t* out) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

bool ParseTimeoutOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    ctx.reply.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // Redis rounds up to whole milliseconds and converts to a long long; a value too big for it
  // comes out negative on x86 (and so does infinity), which Redis reports as negative.
  long double ms = std::ceil(seconds * 1000.0L);
  if (!(ms < 9223372036854775807.0L) || ms < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return false;
  }
  int64_t timeout = static_cast<int64_t>(ms);
  if (timeout > std::numeric_limits<int64_t>::max() - ctx.now_ms) {
    ctx.reply.Error("ERR timeout is out of range");
    return false;
  }
  *deadline_ms = timeout == 0 ? 0 : ctx.now_ms + timeout;
  return true;
}

std::string PopEnd(ds::List& list, bool left) { return left ? list.PopFront() : list.PopBack(); }

void MoveAndReply(CommandContext& ctx, std::string_view source, ds::List& src,
                  std::string_view dest, bool from_left, bool to_left) {
  // The order of Redis's lmoveGenericCommand: push to the destination (created if missing),
  // reply, then the source's pop event and its deletion when emptied. With source == dest
  // the popped list is the pushed one, so a one-element rotation keeps the key.
  std::string value = PopEnd(src, from_left);
  const std::string source_key(source);
  TypedKey<ds::List> dst = ctx.FindOrCreate<ds::List>(dest, [&] { return NewList(ctx); });
  if (to_left) {
    dst.value->PushFront(value);
  } else {
    dst.value->PushBack(value);
  }
  // The push signals dest (waking its waiters) without a change of its own: the move counts
  // once, with the pop.
  ctx.Modified(dest, 'l', to_left ? "lpush" : "rpush", /*changes=*/0);
  ctx.reply.Bulk(value);
  ctx.Notify('l', from_left ? "lpop" : "rpop", source_key);
  TypedKey<ds::List> remaining = ctx.FindTyped<ds::List>(source_key, kWrite);
  if (remaining.value != nullptr && remaining.value->empty()) ctx.DeleteEmptied(remaining);
  ctx.Modified(source_key, 'l', /*event=*/{});
}

}  // namespace lists_internal

namespace {

using namespace lists_internal;

void Push(CommandContext& ctx, bool left, bool only_existing) {
  std::string_view key = ctx.args[1];
  TypedKey<ds::List> found = only_existing
                                 ? ctx.FindTyped<ds::List>(key, kWrite)
                                 : ctx.FindOrCreate<ds::List>(key, [&] { return NewList(ctx); });
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (left) {
      list->PushFront(ctx.args[i]);
    } else {
      list->PushBack(ctx.args[i]);
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(list->size()));
  ctx.Modified(key, 'l', left ? "lpush" : "rpush", /*changes=*/ctx.argc() - 2);
}

void CmdLPush(CommandContext& ctx) { Push(ctx, true, false); }
void CmdRPush(CommandContext& ctx) { Push(ctx, false, false); }
void CmdLPushX(CommandContext& ctx) { Push(ctx, true, true); }
void CmdRPushX(CommandContext& ctx) { Push(ctx, false, true); }

void Pop(CommandContext& ctx, bool left) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::WrongArity(left ? "lpop" : "rpop"));
    return;
  }
  std::string_view key = ctx.args[1];
  int64_t count = 0;
  const bool has_count = ctx.argc() == 3;
  if (has_count && (!ParseInt64(ctx.args[2], &count) || count < 0)) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(key, kWrite);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    if (has_count) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  if (!has_count) {
    ctx.reply.Bulk(PopEnd(*list, left));
  } else {
    const size_t n = std::min<size_t>(static_cast<uint64_t>(count), list->size());
    ctx.reply.ArrayHeader(n);
    for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(PopEnd(*list, left));
    if (n == 0) return;  // LPOP key 0: nothing changed
  }
  ctx.Modified(key, 'l', left ? "lpop" : "rpop");
  if (list->empty()) ctx.DeleteEmptied(found);
}

void CmdLPop(CommandContext& ctx) { Pop(ctx, true); }
void CmdRPop(CommandContext& ctx) { Pop(ctx, false); }

void CmdLLen(CommandContext& ctx) {
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  ctx.reply.Integer(list == nullptr ? 0 : static_cast<int64_t>(list->size()));
}

void CmdLIndex(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64OrReply(ctx.args[2], &index, ctx.reply)) return;
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  size_t at;
  if (list == nullptr || !NormalizeIndex(index, list->size(), &at)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(list->At(at));
}

void CmdLSet(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64OrReply(ctx.args[2], &index, ctx.reply)) return;
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kWrite);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  size_t at;
  if (!NormalizeIndex(index, list->size(), &at)) {
    ctx.reply.Error(errors::kOutOfRange);
    return;
  }
  list->Set(at, ctx.args[3]);
  ctx.reply.Simple("OK");
  ctx.Modified(ctx.args[1], 'l', "lset");
}

void CmdLInsert(CommandContext& ctx) {
  bool before;
  if (EqualsIgnoreCase(ctx.args[2], "before")) {
    before = true;
  } else if (EqualsIgnoreCase(ctx.args[2], "after")) {
    before = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kWrite);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::string_view pivot = ctx.args[3];
  int64_t at = -1;
  list->ForRange(0, list->size() - 1, false, [&](size_t i, std::string_view v) {
    if (v != pivot) return true;
    at = static_cast<int64_t>(i);
    return false;
  });
  if (at < 0) {
    ctx.reply.Integer(-1);
    return;
  }
  list->Insert(static_cast<size_t>(at) + (before ? 0 : 1), ctx.args[4]);
  ctx.reply.Integer(static_cast<int64_t>(list->size()));
  ctx.Modified(ctx.args[1], 'l', "linsert");
}

}  // namespace

void RegisterListBasicCommands(CommandTable& table) {
  table.Add("lpush", CmdLPush);
  table.Add("rpush", CmdRPush);
  table.Add("lpushx", CmdLPushX);
  table.Add("rpushx", CmdRPushX);
  table.Add("lpop", CmdLPop);
  table.Add("rpop", CmdRPop);
  table.Add("llen", CmdLLen);
  table.Add("lindex", CmdLIndex);
  table.Add("lset", CmdLSet);
  table.Add("linsert", CmdLInsert);
}

}  // namespace rill
