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
namespace {

ds::List* CheckList(CommandContext& ctx, ds::Entry* entry, bool* wrong_type) {
  *wrong_type = false;
  if (entry == nullptr) return nullptr;
  if (entry->type() != ds::ValueType::kList) {
    *wrong_type = true;
    ctx.reply.Error(errors::kWrongType);
    return nullptr;
  }
  return static_cast<ds::List*>(entry->object());
}

}  // namespace

ds::List* LookupRead(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  return CheckList(ctx, ctx.LookupKeyRead(key), wrong_type);
}

ds::List* LookupWrite(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  return CheckList(ctx, ctx.db().Find(key, ctx.now_ms), wrong_type);
}

ds::List* CreateList(CommandContext& ctx, std::string_view key) {
  static const Config::IntParam kMaxListpackSize("list-max-listpack-size");
  ds::ListLimits limits{ctx.engine.config().Int(kMaxListpackSize)};
  ds::Entry* entry = ctx.db().SetObject(key, std::make_unique<ds::List>(limits));
  return static_cast<ds::List*>(entry->object());
}

void SignalWrite(CommandContext& ctx, std::string_view key, std::string_view event) {
  ctx.engine.KeyModified(ctx.client.db, key);
  ctx.engine.NotifyKeyspaceEvent('l', event, key, ctx.client.db);
  ++ctx.engine.stats().dirty;
}

void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const ds::List& list) {
  if (!list.empty()) return;
  ctx.db().Delete(key);
  ctx.engine.NotifyKeyspaceEvent('g', "del", key, ctx.client.db);
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
  ds::Entry* entry = ctx.db().Find(dest, ctx.now_ms);
  ds::List* dst =
      entry != nullptr ? static_cast<ds::List*>(entry->object()) : CreateList(ctx, dest);
  if (to_left) {
    dst->PushFront(value);
  } else {
    dst->PushBack(value);
  }
  ctx.engine.KeyModified(ctx.client.db, dest);  // also wakes clients waiting on dest
  ctx.engine.NotifyKeyspaceEvent('l', to_left ? "lpush" : "rpush", dest, ctx.client.db);
  ctx.reply.Bulk(value);
  ctx.engine.NotifyKeyspaceEvent('l', from_left ? "lpop" : "rpop", source_key, ctx.client.db);
  bool wrong_type;
  if (ds::List* remaining = LookupWrite(ctx, source_key, &wrong_type)) {
    DeleteIfEmpty(ctx, source_key, *remaining);
  }
  ctx.engine.KeyModified(ctx.client.db, source_key);
  ++ctx.engine.stats().dirty;
}

}  // namespace lists_internal

namespace {

using namespace lists_internal;

void Push(CommandContext& ctx, bool left, bool only_existing) {
  std::string_view key = ctx.args[1];
  bool wrong_type;
  ds::List* list = LookupWrite(ctx, key, &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    if (only_existing) {
      ctx.reply.Integer(0);
      return;
    }
    list = CreateList(ctx, key);
  }
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (left) {
      list->PushFront(ctx.args[i]);
    } else {
      list->PushBack(ctx.args[i]);
    }
  }
  ctx.reply.Integer(static_cast<int64_t>(list->size()));
  SignalWrite(ctx, key, left ? "lpush" : "rpush");
  ctx.engine.stats().dirty += ctx.argc() - 3;  // one per element, SignalWrite counted one
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
  bool wrong_type;
  ds::List* list = LookupWrite(ctx, key, &wrong_type);
  if (wrong_type) return;
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
  const std::string key_copy(key);
  SignalWrite(ctx, key_copy, left ? "lpop" : "rpop");
  DeleteIfEmpty(ctx, key_copy, *list);
}

void CmdLPop(CommandContext& ctx) { Pop(ctx, true); }
void CmdRPop(CommandContext& ctx) { Pop(ctx, false); }

void CmdLLen(CommandContext& ctx) {
  bool wrong_type;
  ds::List* list = LookupRead(ctx, ctx.args[1], &wrong_type);
  if (wrong_type) return;
  ctx.reply.Integer(list == nullptr ? 0 : static_cast<int64_t>(list->size()));
}

void CmdLIndex(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64OrReply(ctx.args[2], &index, ctx.reply)) return;
  bool wrong_type;
  ds::List* list = LookupRead(ctx, ctx.args[1], &wrong_type);
  if (wrong_type) return;
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
  bool wrong_type;
  ds::List* list = LookupWrite(ctx, ctx.args[1], &wrong_type);
  if (wrong_type) return;
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
  SignalWrite(ctx, ctx.args[1], "lset");
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
  bool wrong_type;
  ds::List* list = LookupWrite(ctx, ctx.args[1], &wrong_type);
  if (wrong_type) return;
  if (list == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::string_view pivot = ctx.args[3];
  int64_t found = -1;
  list->ForRange(0, list->size() - 1, false, [&](size_t i, std::string_view v) {
    if (v != pivot) return true;
    found = static_cast<int64_t>(i);
    return false;
  });
  if (found < 0) {
    ctx.reply.Integer(-1);
    return;
  }
  list->Insert(static_cast<size_t>(found) + (before ? 0 : 1), ctx.args[4]);
  ctx.reply.Integer(static_cast<int64_t>(list->size()));
  SignalWrite(ctx, ctx.args[1], "linsert");
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
