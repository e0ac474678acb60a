// LMOVE RPOPLPUSH LMPOP and the blocking forms BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, which
// park the client in the blocking registry (server/engine/blocking.h) when every key is empty.
#include <memory>
#include <vector>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/blocking_park.h"
#include "server/commands/lists_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace lists_internal;

// ---- LMOVE / BLMOVE ----

// Moves if `source` holds a non-empty list and `dest` is missing or a list. Replies WRONGTYPE
// as Redis does and returns true when it replied (moved or error); false when source is empty.
bool TryMove(CommandContext& ctx, std::string_view source, std::string_view dest, bool from_left,
             bool to_left) {
  TypedKey<ds::List> src = ctx.FindTyped<ds::List>(source, kWrite);
  if (src.wrong_type) return true;
  if (src.value == nullptr || src.value->empty()) return false;
  if (ctx.FindTyped<ds::List>(dest, kWrite).wrong_type) return true;
  MoveAndReply(ctx, source, *src.value, dest, from_left, to_left);
  return true;
}

// BLMOVE and BRPOPLPUSH are logged as the non-blocking command they acted as.
void RewriteBlockingMove(CommandContext& ctx) {
  if (ctx.argc() == 6) {
    ctx.RewriteCommand({"LMOVE", ctx.args[1], ctx.args[2], ctx.args[3], ctx.args[4]});
  } else {
    ctx.RewriteCommand({"RPOPLPUSH", ctx.args[1], ctx.args[2]});
  }
}

void Move(CommandContext& ctx, bool from_left, bool to_left, bool blocking, size_t timeout_arg) {
  int64_t deadline_ms = 0;
  if (blocking && !ParseTimeoutOrReply(ctx, ctx.args[timeout_arg], &deadline_ms)) return;
  if (TryMove(ctx, ctx.args[1], ctx.args[2], from_left, to_left)) {
    if (blocking) RewriteBlockingMove(ctx);
    return;
  }
  if (!blocking || ctx.client.no_block) {
    ctx.reply.Null();
    return;
  }
  ParkClient(
      ctx, {std::string(ctx.args[1])}, deadline_ms,
      [from_left, to_left](CommandContext& w, std::string_view key) {
        // Wrong-typed destination: keep waiting, the element stays where it is.
        ds::Entry* dst = w.FindKey(w.args[2], kWrite).entry();
        if (dst != nullptr && dst->type() != ds::ValueType::kList) return false;
        ds::Entry* src = w.FindKey(key, kWrite).entry();
        if (src == nullptr || src->type() != ds::ValueType::kList) return false;
        auto* list = static_cast<ds::List*>(src->object());
        if (list->empty()) return false;
        MoveAndReply(w, key, *list, w.args[2], from_left, to_left);
        RewriteBlockingMove(w);
        return true;
      },
      // Redis answers every timed-out list wait with a null array, BLMOVE's too.
      [](protocol::ReplyBuilder& reply) { reply.NullArray(); });
}

bool ParseEndsOrReply(CommandContext& ctx, size_t at, bool* from_left, bool* to_left) {
  if (ParseEnd(ctx.args[at], from_left) && ParseEnd(ctx.args[at + 1], to_left)) return true;
  ctx.reply.Error(errors::kSyntax);
  return false;
}

void CmdLMove(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseEndsOrReply(ctx, 3, &from_left, &to_left)) return;
  Move(ctx, from_left, to_left, false, 0);
}

void CmdBLMove(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseEndsOrReply(ctx, 3, &from_left, &to_left)) return;
  Move(ctx, from_left, to_left, true, 5);
}

void CmdRPopLPush(CommandContext& ctx) { Move(ctx, false, true, false, 0); }
void CmdBRPopLPush(CommandContext& ctx) { Move(ctx, false, true, true, 3); }

// ---- BLPOP / BRPOP ----

// The list at `key` when it holds a non-empty one, for a pop that must not reply WRONGTYPE (the
// caller checked the types already, or is a waiter that keeps waiting).
TypedKey<ds::List> FindPoppable(CommandContext& ctx, std::string_view key) {
  TypedKey<ds::List> found{ctx.FindKey(key, kWrite)};
  ds::Entry* entry = found.entry();
  if (entry != nullptr && entry->type() == ds::ValueType::kList) {
    auto* list = static_cast<ds::List*>(entry->object());
    if (!list->empty()) found.value = list;
  }
  return found;
}

// Pops one element of `key` and replies [key, element]; false if empty or missing. `key` may
// belong to the blocking registry, which the signal of this write may change: the pop works on
// its own copy.
bool TryPopOne(CommandContext& ctx, std::string_view waited_key, bool left) {
  const std::string key(waited_key);
  TypedKey<ds::List> found = FindPoppable(ctx, key);
  if (found.value == nullptr) return false;
  std::string value = PopEnd(*found.value, left);
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  ctx.reply.Bulk(value);
  ctx.Modified(key, 'l', left ? "lpop" : "rpop");
  if (found.value->empty()) ctx.DeleteEmptied(found);
  ctx.RewriteCommand({left ? "LPOP" : "RPOP", key});
  return true;
}

void BlockingPop(CommandContext& ctx, bool left) {
  int64_t deadline_ms;
  if (!ParseTimeoutOrReply(ctx, ctx.args[ctx.argc() - 1], &deadline_ms)) return;
  std::vector<std::string> keys;
  for (size_t i = 1; i + 1 < ctx.argc(); ++i) {
    TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[i], kWrite);
    if (found.wrong_type) return;
    if (found.value != nullptr && TryPopOne(ctx, ctx.args[i], left)) return;
    keys.emplace_back(ctx.args[i]);
  }
  if (ctx.client.no_block) {
    ctx.reply.NullArray();
    return;
  }
  ParkClient(
      ctx, std::move(keys), deadline_ms,
      [left](CommandContext& w, std::string_view key) { return TryPopOne(w, key, left); },
      [](protocol::ReplyBuilder& reply) { reply.NullArray(); });
}

void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, true); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, false); }

// ---- LMPOP / BLMPOP ----

struct MPopArgs {
  std::vector<std::string_view> keys;
  bool left = true;
  int64_t count = 1;
};

// numkeys key [key ...] LEFT|RIGHT [COUNT count], starting at args[first].
bool ParseMPopOrReply(CommandContext& ctx, size_t first, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseInt64(ctx.args[first], &numkeys) || numkeys <= 0) {
    ctx.reply.Error("ERR numkeys should be greater than 0");
    return false;
  }
  const size_t where = first + 1;
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - where) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  const size_t where_idx = where + static_cast<size_t>(numkeys);
  for (size_t i = where; i < where_idx; ++i) out->keys.push_back(ctx.args[i]);
  if (!ParseEnd(ctx.args[where_idx], &out->left)) {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  bool count_seen = false;
  for (size_t i = where_idx + 1; i < ctx.argc(); i += 2) {
    if (count_seen || !EqualsIgnoreCase(ctx.args[i], "count") || i + 1 >= ctx.argc()) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    if (!ParseInt64(ctx.args[i + 1], &out->count) || out->count <= 0) {
      ctx.reply.Error("ERR count should be greater than 0");
      return false;
    }
    count_seen = true;
  }
  return true;
}

// Pops up to `count` from `key` and replies [key, [elements]]; false if empty or missing.
bool TryPopMany(CommandContext& ctx, std::string_view waited_key, bool left, int64_t count) {
  const std::string key(waited_key);
  TypedKey<ds::List> found = FindPoppable(ctx, key);
  if (found.value == nullptr) return false;
  ds::List* list = found.value;
  const size_t n = std::min<uint64_t>(static_cast<uint64_t>(count), list->size());
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(key);
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) ctx.reply.Bulk(PopEnd(*list, left));
  ctx.Modified(key, 'l', left ? "lpop" : "rpop");
  if (list->empty()) ctx.DeleteEmptied(found);
  // Logged as the pop of what was taken from that one key, for LMPOP and BLMPOP alike.
  ctx.RewriteCommand({left ? "LPOP" : "RPOP", key, std::to_string(n)});
  return true;
}

void MPop(CommandContext& ctx, bool blocking) {
  MPopArgs args;
  if (!ParseMPopOrReply(ctx, blocking ? 2 : 1, &args)) return;
  int64_t deadline_ms = 0;
  if (blocking && !ParseTimeoutOrReply(ctx, ctx.args[1], &deadline_ms)) return;
  std::vector<std::string> keys;
  for (std::string_view key : args.keys) {
    TypedKey<ds::List> found = ctx.FindTyped<ds::List>(key, kWrite);
    if (found.wrong_type) return;
    if (found.value != nullptr && TryPopMany(ctx, key, args.left, args.count)) return;
    keys.emplace_back(key);
  }
  if (!blocking || ctx.client.no_block) {
    ctx.reply.NullArray();
    return;
  }
  const bool left = args.left;
  const int64_t count = args.count;
  ParkClient(
      ctx, std::move(keys), deadline_ms,
      [left, count](CommandContext& w, std::string_view key) {
        return TryPopMany(w, key, left, count);
      },
      [](protocol::ReplyBuilder& reply) { reply.NullArray(); });
}

void CmdLMPop(CommandContext& ctx) { MPop(ctx, false); }
void CmdBLMPop(CommandContext& ctx) { MPop(ctx, true); }

}  // namespace

void RegisterListMoveCommands(CommandTable& table) {
  table.Add("lmove", CmdLMove);
  table.Add("rpoplpush", CmdRPopLPush);
  table.Add("lmpop", CmdLMPop);
  table.Add("blmove", CmdBLMove);
  table.Add("brpoplpush", CmdBRPopLPush);
  table.Add("blpop", CmdBLPop);
  table.Add("brpop", CmdBRPop);
  table.Add("blmpop", CmdBLMPop);
}

}  // namespace rill
