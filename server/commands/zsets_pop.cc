// ZPOPMIN ZPOPMAX ZMPOP and the blocking forms BZPOPMIN BZPOPMAX BZMPOP, which park the client
// in the blocking registry (server/engine/blocking.h) when every key is empty, FIFO per key as
// the list pops, and are propagated as the ZPOPMIN/ZPOPMAX they acted as.
#include <limits>
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/blocking_park.h"
#include "server/commands/lists_internal.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

// How a pop replies (Redis's genericZpopCommand flags).
struct PopShape {
  bool emit_key = false;        // BZPOP*, ZMPOP, BZMPOP: the key comes first
  bool nested = false;          // [member, score] pairs in their own arrays
  bool nil_when_empty = false;  // ZMPOP: a null array when no key holds a set
};

// Pops up to `count` (-1: one, the plain form) entries of `key`'s set from the min or max end
// and replies in `shape`; signals the write and deletes an emptied key. REQUIRES: the set is
// non-empty. `key` may belong to the blocking registry: the pop works on its own copy.
void PopAndReply(CommandContext& ctx, std::string_view waited_key, TypedKey<ds::ZSet>& found,
                 bool max, int64_t count, const PopShape& shape) {
  const std::string key(waited_key);
  ds::ZSet& z = *found.value;
  if (count == -1) count = 1;
  const size_t n = std::min<size_t>(static_cast<size_t>(count), z.size());
  if (!shape.nested && !shape.emit_key) {
    ctx.reply.ArrayHeader(2 * n);
  } else if (shape.nested && !shape.emit_key) {
    ctx.reply.ArrayHeader(n);
  } else if (!shape.nested) {
    ctx.reply.ArrayHeader(2 * n + 1);
    ctx.reply.Bulk(key);
  } else {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(key);
    ctx.reply.ArrayHeader(n);
  }
  const size_t start = max ? z.size() - n : 0;
  // Redis pops from the chosen end one by one: the max end comes out greatest first.
  z.ForRange(start, start + n - 1, max, [&](double score, std::string_view member) {
    if (shape.nested) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    ctx.reply.Double(score);
    return true;
  });
  z.EraseRanks(start, n, [](double, std::string_view) {});
  ctx.Modified(key, 'z', max ? "zpopmax" : "zpopmin", n);
  if (z.empty()) ctx.DeleteEmptied(found);
}

// The set at `key` when it holds a non-empty one (no WRONGTYPE reply: the caller checked the
// types already, or is a waiter that keeps waiting).
TypedKey<ds::ZSet> FindPoppable(CommandContext& ctx, std::string_view key) {
  TypedKey<ds::ZSet> found{ctx.FindKey(key, kWrite)};
  ds::Entry* entry = found.entry();
  if (entry != nullptr && entry->type() == ds::ValueType::kZSet) {
    auto* z = static_cast<ds::ZSet*>(entry->object());
    if (!z->empty()) found.value = z;
  }
  return found;
}

// The command a pop is propagated as: ZPOPMIN/ZPOPMAX key, with COUNT when one was given.
void RewriteAsPop(CommandContext& ctx, std::string_view key, bool max, int64_t count) {
  if (count == -1) {
    ctx.RewriteCommand({max ? "ZPOPMAX" : "ZPOPMIN", key});
  } else {
    ctx.RewriteCommand(std::vector<std::string>{max ? "ZPOPMAX" : "ZPOPMIN", std::string(key),
                                                std::to_string(count > 0 ? count : 1)});
  }
}

// Redis's genericZpopCommand over `keys`: the first key holding a set (WRONGTYPE stops the
// search) is popped.
void PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, bool max, int64_t count,
              const PopShape& shape, bool rewrite) {
  for (std::string_view key : keys) {
    TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(key, kWrite);
    if (found.wrong_type) return;
    if (found.value == nullptr) continue;
    if (count == 0) {
      ctx.reply.EmptyArray();
      return;
    }
    const std::string copy(key);
    PopAndReply(ctx, copy, found, max, count, shape);
    if (rewrite) RewriteAsPop(ctx, copy, max, count);
    return;
  }
  if (shape.nil_when_empty) {
    ctx.reply.NullArray();
  } else {
    ctx.reply.EmptyArray();
  }
}

void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  int64_t count = -1;
  if (ctx.argc() == 3) {
    // Redis's getPositiveLongFromObjectOrReply: one message for both failures.
    if (!ParseInt64(ctx.args[2], &count) || count < 0) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
  }
  PopShape shape;
  shape.nested = ctx.reply.resp3() && count != -1;
  PopFirst(ctx, ctx.args.subspan(1, 1), max, count, shape, false);
}

void CmdZPopMin(CommandContext& ctx) { ZPopGeneric(ctx, false); }
void CmdZPopMax(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// Redis's blockingGenericZpopCommand: pops from the first non-empty set of `keys`, else parks
// the client (or, when it may not block, replies a null array).
void BlockingPop(CommandContext& ctx, std::span<const std::string_view> keys, size_t timeout_at,
                 bool max, int64_t count, const PopShape& shape) {
  int64_t deadline_ms;
  if (!lists_internal::ParseTimeoutOrReply(ctx, ctx.args[timeout_at], &deadline_ms)) return;
  std::vector<std::string> waited;
  for (std::string_view key : keys) {
    TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(key, kWrite);
    if (found.wrong_type) return;
    if (found.value == nullptr || found.value->empty()) {
      waited.emplace_back(key);
      continue;
    }
    const std::string copy(key);
    PopAndReply(ctx, copy, found, max, count, shape);
    RewriteAsPop(ctx, copy, max, count);
    return;
  }
  if (ctx.client.no_block) {
    ctx.reply.NullArray();
    return;
  }
  ParkClient(
      ctx, std::move(waited), deadline_ms,
      [max, count, shape](CommandContext& w, std::string_view key) {
        TypedKey<ds::ZSet> found = FindPoppable(w, key);
        if (found.value == nullptr) return false;
        const std::string copy(key);
        PopAndReply(w, copy, found, max, count, shape);
        RewriteAsPop(w, copy, max, count);
        return true;
      },
      [](protocol::ReplyBuilder& reply) { reply.NullArray(); });
}

void BZPopGeneric(CommandContext& ctx, bool max) {
  PopShape shape;
  shape.emit_key = true;
  BlockingPop(ctx, ctx.args.subspan(1, ctx.argc() - 2), ctx.argc() - 1, max, -1, shape);
}

void CmdBZPopMin(CommandContext& ctx) { BZPopGeneric(ctx, false); }
void CmdBZPopMax(CommandContext& ctx) { BZPopGeneric(ctx, true); }

// Redis's getRangeLongFromObjectOrReply with a message: a non-integer or out-of-range value
// replies `msg`.
bool ParsePositiveOrReply(CommandContext& ctx, std::string_view arg, std::string_view msg,
                          int64_t* out) {
  if (ParseInt64(arg, out) && *out >= 1) return true;
  ctx.reply.Error(msg);
  return false;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]; BZMPOP timeout numkeys ...
void ZMPopGeneric(CommandContext& ctx, size_t numkeys_at, bool blocking) {
  int64_t numkeys;
  if (!ParsePositiveOrReply(ctx, ctx.args[numkeys_at], "ERR numkeys should be greater than 0",
                            &numkeys)) {
    return;
  }
  const uint64_t where_at = numkeys_at + static_cast<uint64_t>(numkeys) + 1;
  if (where_at >= ctx.argc()) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  bool max;
  if (EqualsIgnoreCase(ctx.args[where_at], "min")) {
    max = false;
  } else if (EqualsIgnoreCase(ctx.args[where_at], "max")) {
    max = true;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t j = where_at + 1; j < ctx.argc(); ++j) {
    const bool more = j + 1 < ctx.argc();
    if (count == -1 && EqualsIgnoreCase(ctx.args[j], "count") && more) {
      ++j;
      if (!ParsePositiveOrReply(ctx, ctx.args[j], "ERR count should be greater than 0", &count)) {
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  PopShape shape;
  shape.emit_key = true;
  shape.nested = true;
  shape.nil_when_empty = true;
  const auto keys = ctx.args.subspan(numkeys_at + 1, static_cast<size_t>(numkeys));
  if (blocking) {
    BlockingPop(ctx, keys, 1, max, count, shape);
  } else {
    PopFirst(ctx, keys, max, count, shape, true);
  }
}

void CmdZMPop(CommandContext& ctx) { ZMPopGeneric(ctx, 1, false); }
void CmdBZMPop(CommandContext& ctx) { ZMPopGeneric(ctx, 2, true); }

}  // namespace

void RegisterZSetPopCommands(CommandTable& table) {
  table.Add("zpopmin", CmdZPopMin);
  table.Add("zpopmax", CmdZPopMax);
  table.Add("zmpop", CmdZMPop);
  table.Add("bzpopmin", CmdBZPopMin);
  table.Add("bzpopmax", CmdBZPopMax);
  table.Add("bzmpop", CmdBZMPop);
}

}  // namespace rill
