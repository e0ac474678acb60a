// SRANDMEMBER and SPOP (Redis 7.0's srandmemberCommand / spopCommand): positive counts give
// distinct members, negative SRANDMEMBER counts repeat, counts of at least the set's size give
// the whole set. SPOP propagates what it removed, not what it was asked: one SREM per member
// (wrapped in MULTI/EXEC when more than one), or DEL when it took everything.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "datastructs/set.h"
#include "protocol/errors.h"
#include "server/commands/sampling_args.h"
#include "server/commands/sets_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

absl::BitGen& Gen() {
  static absl::BitGen gen;
  return gen;
}

void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2) {
    auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
    if (set.wrong_type) return;
    if (set.value == nullptr) {
      ctx.reply.Null();
      return;
    }
    set.value->Random(Gen(), [&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  int64_t count;
  if (!ParseRandomCountOrReply(ctx.args[2], &count, ctx.reply)) return;
  auto set = ctx.FindTyped<ds::Set>(ctx.args[1], kRead);
  if (set.wrong_type) return;
  if (set.value == nullptr || count == 0) {
    ctx.reply.EmptyArray();
    return;
  }
  const ds::Set& s = *set.value;
  if (count < 0 || count == 1) {
    const uint64_t n = count < 0 ? 0 - static_cast<uint64_t>(count) : 1;
    ctx.reply.ArrayHeader(n);
    for (uint64_t i = 0; i < n; ++i)
      s.Random(Gen(), [&](std::string_view m) { ctx.reply.Bulk(m); });
    return;
  }
  const size_t n = static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(count), s.size()));
  ctx.reply.ArrayHeader(n);
  s.SampleDistinct(Gen(), n, [&](std::string_view m) { ctx.reply.Bulk(m); });
}

void PopOne(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  auto set = ctx.FindTyped<ds::Set>(key, kWrite);
  if (set.wrong_type) return;
  if (set.value == nullptr) {
    ctx.reply.Null();
    return;
  }
  std::string member;
  set.value->Random(Gen(), [&](std::string_view m) { member.assign(m); });
  set.value->Erase(member);
  ctx.Modified(key, 's', "spop");
  ctx.reply.Bulk(member);
  if (set.value->empty()) ctx.DeleteEmptied(set);
  ctx.RewriteCommand({"SREM", key, member});
}

void PopCount(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(ctx.args[2], &count) || count < 0) {
    ctx.reply.Error(errors::kMustBePositive);
    return;
  }
  const std::string_view key = ctx.args[1];
  auto set = ctx.FindTyped<ds::Set>(key, kWrite);
  if (set.wrong_type) return;
  if (set.value == nullptr || count == 0) {
    ctx.reply.SetHeader(0);
    return;
  }
  ds::Set& s = *set.value;
  const uint64_t size = s.size();
  if (static_cast<uint64_t>(count) >= size) {
    // Everything: the reply is the whole set, the key goes, and a replica deletes it too.
    ctx.reply.SetHeader(size);
    s.ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
    ctx.Modified(key, 's', "spop", size);
    ctx.DeleteEmptied(set);
    ctx.RewriteCommand({"DEL", key});
    return;
  }
  std::vector<std::string> popped;
  popped.reserve(static_cast<size_t>(count));
  s.SampleDistinct(Gen(), static_cast<size_t>(count),
                   [&](std::string_view m) { popped.emplace_back(m); });
  ctx.reply.SetHeader(popped.size());
  const bool propagating = ctx.propagating();
  for (const std::string& m : popped) {
    s.Erase(m);
    ctx.reply.Bulk(m);
    if (propagating) ctx.engine.Propagate(ctx.client.db, {"SREM", key, m});
  }
  ctx.Modified(key, 's', "spop", popped.size());
  ctx.PreventPropagation();
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    PopCount(ctx);
  } else if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
  } else {
    PopOne(ctx);
  }
}

}  // namespace

void RegisterSetRandomCommands(CommandTable& table) {
  table.Add("srandmember", CmdSRandMember);
  table.Add("spop", CmdSPop);
}

}  // namespace rill
