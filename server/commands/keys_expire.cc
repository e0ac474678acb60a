// Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (with NX XX GT LT), TTL PTTL EXPIRETIME
// PEXPIRETIME, PERSIST. Deadlines are kept as absolute unix milliseconds.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/keys_internal.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill::keys_internal {
namespace {

enum ExpireFlag : unsigned {
  kExpireNx = 1u << 0,
  kExpireXx = 1u << 1,
  kExpireGt = 1u << 2,
  kExpireLt = 1u << 3,
};

// Options after the time argument. Redis parses (and rejects) them before the time itself.
bool ParseExpireOptions(CommandContext& ctx, unsigned* flags) {
  *flags = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "nx")) {
      *flags |= kExpireNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      *flags |= kExpireXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      *flags |= kExpireGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      *flags |= kExpireLt;
    } else {
      ctx.reply.Error("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the flags allow replacing `current` (kNoExpire = none, which counts as infinite).
bool FlagsAllow(unsigned flags, int64_t current, int64_t when) {
  bool has = current != ds::kNoExpire;
  if ((flags & kExpireNx) && has) return false;
  if ((flags & kExpireXx) && !has) return false;
  if ((flags & kExpireGt) && (!has || when <= current)) return false;
  if ((flags & kExpireLt) && has && when >= current) return false;
  return true;
}

// `seconds`: the argument is in seconds; `relative`: it is an offset from now.
void ExpireGeneric(CommandContext& ctx, bool seconds, bool relative) {
  unsigned flags;
  if (!ParseExpireOptions(ctx, &flags)) return;
  int64_t when;
  if (!ParseInt64OrReply(ctx.args[2], &when, ctx.reply)) return;
  // Negative times are allowed (they delete the key); only overflow is an error.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  std::string command_name(ctx.args[0]);
  absl::AsciiStrToLower(&command_name);
  if (seconds) {
    if (when > kMax / 1000 || when < kMin / 1000) {
      ctx.reply.Error(errors::InvalidExpire(command_name));
      return;
    }
    when *= 1000;
  }
  int64_t base = relative ? ctx.now_ms : 0;
  if (when > kMax - base) {
    ctx.reply.Error(errors::InvalidExpire(command_name));
    return;
  }
  when += base;

  std::string_view key = ctx.args[1];
  ds::KeySlot slot = ctx.FindKey(key, kWrite);
  ds::Entry* entry = slot.entry();
  if (entry == nullptr || !FlagsAllow(flags, entry->expire_ms(), when)) {
    ctx.reply.Integer(0);
    return;
  }
  if (when <= ctx.now_ms && !ctx.engine.loading()) {
    // A deadline already past deletes the key now, reported as a plain "del" like Redis does
    // (not while loading an AOF, where the key's fate comes later in the log).
    const bool lazy = ctx.engine.config().Bool("lazyfree-lazy-expire");
    ctx.db().Delete(slot, lazy);
    ctx.Modified(key, 'g', "del");
    ctx.reply.Integer(1);
    ctx.RewriteCommand({lazy ? "UNLINK" : "DEL", key});
    return;
  }
  ctx.db().SetExpire(key, when);
  ctx.reply.Integer(1);
  ctx.Modified(key, 'g', "expire");
  // Propagated as PEXPIREAT with the absolute deadline; the NX/XX/GT/LT options stay.
  if (seconds || relative) {
    ctx.RewriteArgument(0, "PEXPIREAT");
    ctx.RewriteArgument(2, std::to_string(when));
  }
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void CmdExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void CmdPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// -2 for a missing key, -1 for no expiry; otherwise the remaining time (relative) or the
// deadline (absolute), in ms or rounded to the nearest second.
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  ds::Entry* entry = ctx.FindKey(ctx.args[1], kReadNoTouch).entry();
  if (entry == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  int64_t expire = entry->expire_ms();
  if (expire == ds::kNoExpire) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t value = absolute ? expire : std::max<int64_t>(0, expire - ctx.now_ms);
  ctx.reply.Integer(ms ? value : (value + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void CmdPersist(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  if (ctx.FindKey(key, kWrite).entry() == nullptr || !ctx.db().Persist(key)) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.Modified(key, 'g', "persist");
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterExpireCommands(CommandTable& table) {
  table.Add("expire", &CmdExpire);
  table.Add("pexpire", &CmdPExpire);
  table.Add("expireat", &CmdExpireAt);
  table.Add("pexpireat", &CmdPExpireAt);
  table.Add("ttl", &CmdTtl);
  table.Add("pttl", &CmdPTtl);
  table.Add("expiretime", &CmdExpireTime);
  table.Add("pexpiretime", &CmdPExpireTime);
  table.Add("persist", &CmdPersist);
}

}  // namespace rill::keys_internal
