// SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SMOVE SSCAN: Redis 7.0's t_set.c over ds::Set
// (an intset while every member is an integer and set-max-intset-entries allows, else a table).
#include <memory>
#include <string>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/set.h"
#include "server/commands/scan_args.h"
#include "server/commands/sets_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace sets_internal {

ds::SetLimits Limits(CommandContext& ctx) {
  static const Config::IntParam kEntries("set-max-intset-entries");
  return {static_cast<size_t>(ctx.engine.config().Int(kEntries))};
}

}  // namespace sets_internal

namespace {

using namespace sets_internal;

void CmdSAdd(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  auto set = ctx.FindOrCreate<ds::Set>(key, [] { return std::make_unique<ds::Set>(); });
  if (set.wrong_type) return;
  const ds::SetLimits limits = Limits(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) added += set.value->Add(ctx.args[i], limits);
  if (added > 0) ctx.Modified(key, 's', "sadd", static_cast<uint64_t>(added));
  ctx.reply.Integer(added);
}

void CmdSRem(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  auto set = ctx.FindTyped<ds::Set>(key, kWrite);
  if (set.wrong_type) return;
  if (set.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (set.value->Erase(ctx.args[i])) {
      ++removed;
      if (set.value->empty()) break;
    }
  }
  if (removed > 0) {
    ctx.Modified(key, 's', "srem", static_cast<uint64_t>(removed));
    if (set.value->empty()) ctx.DeleteEmptied(set);
  }
  ctx.reply.Integer(removed);
}

void CmdSCard(CommandContext& ctx) {
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  ctx.reply.Integer(set.value == nullptr ? 0 : static_cast<int64_t>(set.value->size()));
}

void CmdSIsMember(CommandContext& ctx) {
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  ctx.reply.Integer(set.value != nullptr && set.value->Contains(ctx.args[2]) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(set.value != nullptr && set.value->Contains(ctx.args[i]) ? 1 : 0);
  }
}

void CmdSMembers(CommandContext& ctx) {
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  if (set.value == nullptr) {
    ctx.reply.SetHeader(0);
    return;
  }
  ctx.reply.SetHeader(set.value->size());
  set.value->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
}

void CmdSMove(CommandContext& ctx) {
  const std::string_view source = ctx.args[1], dest = ctx.args[2], member = ctx.args[3];
  auto src = ctx.FindTyped<ds::Set>(source, kWrite);
  if (src.entry() == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (src.wrong_type) return;
  auto dst = ctx.FindTyped<ds::Set>(dest, kWrite);
  if (dst.wrong_type) return;
  if (src.value == dst.value) {  // the same key: nothing moves
    ctx.reply.Integer(src.value->Contains(member) ? 1 : 0);
    return;
  }
  if (!src.value->Erase(member)) {
    ctx.reply.Integer(0);
    return;
  }
  // Redis's order: the source's srem (and del when emptied), then the destination's sadd.
  ctx.Modified(source, 's', "srem");
  if (src.value->empty()) ctx.DeleteEmptied(src);
  auto target = ctx.FindOrCreate<ds::Set>(dest, [] { return std::make_unique<ds::Set>(); });
  // Only a destination that gained the member changed (Redis 7.0 signals it only then).
  if (target.value->Add(member, Limits(ctx))) ctx.Modified(dest, 's', "sadd");
  ctx.reply.Integer(1);
}

void CmdSScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursorOrReply(ctx.args[2], &cursor, ctx.reply)) return;
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  if (set.value == nullptr) {
    ReplyScanCursor(ctx.reply, 0);
    ctx.reply.EmptyArray();
    return;
  }
  ScanOptions options;
  if (!ParseScanOptionsOrReply(ctx.args.subspan(3), false, &options, ctx.reply)) return;
  // Copies: an intset's members are formatted into a buffer that lives only for the visit.
  std::vector<std::string> members;
  const uint64_t next = set.value->Scan(cursor, options.count, [&](std::string_view m) {
    if (!options.use_pattern || ds::GlobMatch(options.pattern, m)) members.emplace_back(m);
  });
  ReplyScanCursor(ctx.reply, next);
  ctx.reply.ArrayHeader(members.size());
  for (const std::string& m : members) ctx.reply.Bulk(m);
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  table.Add("sadd", CmdSAdd);
  table.Add("srem", CmdSRem);
  table.Add("scard", CmdSCard);
  table.Add("sismember", CmdSIsMember);
  table.Add("smismember", CmdSMIsMember);
  table.Add("smembers", CmdSMembers);
  table.Add("smove", CmdSMove);
  table.Add("sscan", CmdSScan);
  RegisterSetRandomCommands(table);
  RegisterSetAlgebraCommands(table);
}

}  // namespace rill
