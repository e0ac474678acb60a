// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE (Redis 7.0's
// sinterGenericCommand / sunionDiffGenericCommand): every key is looked up and type-checked
// first (a missing key is an empty set); the STORE forms replace the destination, whatever it
// held, or delete it when the result is empty.
#include <memory>
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/set.h"
#include "datastructs/set_algebra.h"
#include "protocol/errors.h"
#include "server/commands/sets_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using sets_internal::Limits;

enum class Op { kInter, kUnion, kDiff };

// The sets of `keys`, null for missing ones; false after a WRONGTYPE reply.
bool LookupSets(CommandContext& ctx, std::span<const std::string_view> keys, KeyAccess access,
                std::vector<const ds::Set*>* sets) {
  sets->reserve(keys.size());
  for (std::string_view key : keys) {
    auto set = ctx.FindTyped<ds::Set>(key, access);
    if (set.wrong_type) return false;
    sets->push_back(set.value);
  }
  return true;
}

std::unique_ptr<ds::Set> Compute(Op op, std::span<const ds::Set* const> sets,
                                 const ds::SetLimits& limits) {
  switch (op) {
    case Op::kInter:
      return ds::Intersection(sets, limits);
    case Op::kUnion:
      return ds::Union(sets, limits);
    case Op::kDiff:
      break;
  }
  return ds::Difference(sets, limits);
}

// SINTER, SUNION, SDIFF: the result as a (RESP3) set.
void Reply(CommandContext& ctx, Op op) {
  std::vector<const ds::Set*> sets;
  if (!LookupSets(ctx, ctx.args.subspan(1), kRead, &sets)) return;
  if (op == Op::kInter) {
    // Replied while walking, with the count patched in at the end, as Redis does.
    const size_t token = ctx.reply.BeginDeferredSet();
    const size_t n = ds::Intersect(sets, 0, [&](std::string_view m) { ctx.reply.Bulk(m); });
    ctx.reply.EndDeferredSet(token, n);
    return;
  }
  const std::unique_ptr<ds::Set> result = Compute(op, sets, Limits(ctx));
  ctx.reply.SetHeader(result->size());
  result->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void Store(CommandContext& ctx, Op op) {
  const std::string_view dest = ctx.args[1];
  std::vector<const ds::Set*> sets;
  if (!LookupSets(ctx, ctx.args.subspan(2), kWrite, &sets)) return;
  std::unique_ptr<ds::Set> result = Compute(op, sets, Limits(ctx));
  if (result->empty()) {
    ctx.reply.Integer(0);
    if (ctx.db().Delete(dest)) ctx.Modified(dest, 'g', "del");
    return;
  }
  const int64_t size = static_cast<int64_t>(result->size());
  // The destination is replaced whatever it held (and loses any expiry), as Redis's setKey.
  ctx.db().SetObject(dest, std::move(result));
  ctx.reply.Integer(size);
  ctx.Modified(dest, 's',
               op == Op::kInter   ? "sinterstore"
               : op == Op::kUnion ? "sunionstore"
                                  : "sdiffstore");
}

void CmdSInter(CommandContext& ctx) { Reply(ctx, Op::kInter); }
void CmdSUnion(CommandContext& ctx) { Reply(ctx, Op::kUnion); }
void CmdSDiff(CommandContext& ctx) { Reply(ctx, Op::kDiff); }
void CmdSInterStore(CommandContext& ctx) { Store(ctx, Op::kInter); }
void CmdSUnionStore(CommandContext& ctx) { Store(ctx, Op::kUnion); }
void CmdSDiffStore(CommandContext& ctx) { Store(ctx, Op::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.args[1], &numkeys) || numkeys < 1) {
    ctx.reply.Error(errors::kNumkeysNotPositive);
    return;
  }
  if (static_cast<uint64_t>(numkeys) > ctx.argc() - 2) {
    ctx.reply.Error(errors::kNumkeysTooMany);
    return;
  }
  int64_t limit = 0;  // no limit
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "limit") && i + 1 < ctx.argc()) {
      ++i;
      if (!ParseInt64(ctx.args[i], &limit) || limit < 0) {
        ctx.reply.Error(errors::kLimitNegative);
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  std::vector<const ds::Set*> sets;
  if (!LookupSets(ctx, ctx.args.subspan(2, static_cast<size_t>(numkeys)), kRead, &sets)) return;
  ctx.reply.Integer(static_cast<int64_t>(
      ds::Intersect(sets, static_cast<size_t>(limit), [](std::string_view) {})));
}

}  // namespace

void RegisterSetAlgebraCommands(CommandTable& table) {
  table.Add("sinter", CmdSInter);
  table.Add("sintercard", CmdSInterCard);
  table.Add("sinterstore", CmdSInterStore);
  table.Add("sunion", CmdSUnion);
  table.Add("sunionstore", CmdSUnionStore);
  table.Add("sdiff", CmdSDiff);
  table.Add("sdiffstore", CmdSDiffStore);
}

}  // namespace rill
