// String commands that read or replace whole values: GET SET SETNX SETEX PSETEX GETSET GETDEL
// GETEX MGET MSET MSETNX. Counters, ranges and LCS live in strings_counters.cc,
// strings_ranges.cc and strings_lcs.cc.
//
// Each handler reads as Redis's t_string.c does: parse options → look up → check type → mutate
// → signal watchers and keyspace events → reply. The order matters because it decides which
// error a client sees when several things are wrong at once.

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/strings_internal.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace strings_internal {

bool CheckStringLengthOrReply(CommandContext& ctx, uint64_t current, uint64_t added) {
  static const Config::IntParam kMaxBulkLen("proto-max-bulk-len");
  const int64_t limit = ctx.engine.config().Int(kMaxBulkLen);
  const uint64_t total = current + added;
  if (total < current || total > static_cast<uint64_t>(limit)) {
    ctx.reply.Error(errors::kStringTooLong);
    return false;
  }
  return true;
}

}  // namespace strings_internal

namespace {

// Options of SET and GETEX, one bit each, as Redis's parseExtendedStringArgumentsOrReply
// accepts them.
enum StringOption : uint32_t {
  kOptNx = 1u << 0,
  kOptXx = 1u << 1,
  kOptGet = 1u << 2,
  kOptKeepTtl = 1u << 3,
  kOptPersist = 1u << 4,
  kOptEx = 1u << 5,
  kOptPx = 1u << 6,
  kOptExAt = 1u << 7,
  kOptPxAt = 1u << 8,
};
constexpr uint32_t kOptAnyExpire = kOptEx | kOptPx | kOptExAt | kOptPxAt;

enum class OptionsOf { kSet, kGetEx };

struct StringOptions {
  uint32_t flags = 0;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument, when one was given
};

// Parses options from args[first] on. A repeated expiry keyword of the same kind is accepted
// (the last one wins) but two different ones, or an expiry with KEEPTTL/PERSIST, are a conflict;
// Redis reports every conflict, unknown word or missing value as a plain syntax error.
bool ParseStringOptions(std::span<const std::string_view> args, size_t first, OptionsOf of,
                        StringOptions* out) {
  const bool is_set = of == OptionsOf::kSet;
  uint32_t& flags = out->flags;
  for (size_t i = first; i < args.size(); ++i) {
    std::string_view opt = args[i];
    const bool has_next = i + 1 < args.size();
    uint32_t expire_kind = 0;
    if (EqualsIgnoreCase(opt, "NX") && is_set && !(flags & kOptXx)) {
      flags |= kOptNx;
    } else if (EqualsIgnoreCase(opt, "XX") && is_set && !(flags & kOptNx)) {
      flags |= kOptXx;
    } else if (EqualsIgnoreCase(opt, "GET") && is_set) {
      flags |= kOptGet;
    } else if (EqualsIgnoreCase(opt, "KEEPTTL") && is_set &&
               !(flags & (kOptPersist | kOptAnyExpire))) {
      flags |= kOptKeepTtl;
    } else if (EqualsIgnoreCase(opt, "PERSIST") && !is_set &&
               !(flags & (kOptKeepTtl | kOptAnyExpire))) {
      flags |= kOptPersist;
    } else if (EqualsIgnoreCase(opt, "EX")) {
      expire_kind = kOptEx;
    } else if (EqualsIgnoreCase(opt, "PX")) {
      expire_kind = kOptPx;
    } else if (EqualsIgnoreCase(opt, "EXAT")) {
      expire_kind = kOptExAt;
    } else if (EqualsIgnoreCase(opt, "PXAT")) {
      expire_kind = kOptPxAt;
    } else {
      return false;
    }
    if (expire_kind != 0) {
      const uint32_t conflicts = kOptKeepTtl | kOptPersist | (kOptAnyExpire & ~expire_kind);
      if ((flags & conflicts) || !has_next) return false;
      flags |= expire_kind;
      out->expire = args[++i];
    }
  }
  return true;
}

// Redis's getExpireMillisecondsOrReply: the expiry argument as an absolute unix time in ms.
// Non-positive values, and values that overflow on the way to absolute milliseconds, are
// "invalid expire time" errors naming `command`.
bool ResolveExpireMs(CommandContext& ctx, const StringOptions& opts, std::string_view command,
                     int64_t* out_ms) {
  int64_t value;
  if (!ParseInt64OrReply(opts.expire, &value, ctx.reply)) return false;
  const bool seconds = opts.flags & (kOptEx | kOptExAt);
  const bool relative = opts.flags & (kOptEx | kOptPx);
  if (value <= 0 || (seconds && value > std::numeric_limits<int64_t>::max() / 1000)) {
    ctx.reply.Error(errors::InvalidExpire(command));
    return false;
  }
  if (seconds) value *= 1000;
  if (relative && __builtin_add_overflow(value, ctx.now_ms, &value)) {
    ctx.reply.Error(errors::InvalidExpire(command));
    return false;
  }
  *out_ms = value;
  return true;
}

// Redis's getGenericCommand: replies the key's value (or null). False, after replying
// WRONGTYPE, when the key holds another type.
// The lookup's slot serves the write that may follow.
bool ReplyStringValue(CommandContext& ctx, std::string_view key, ds::KeySlot* slot = nullptr) {
  TypedKey<ds::Entry> found = ctx.FindString(key, kRead);
  if (found.wrong_type) return false;
  if (slot != nullptr) *slot = found.slot;
  if (found.value == nullptr) {
    ctx.reply.Null();
    return true;
  }
  char scratch[24];
  ctx.reply.Bulk(found.value->StringView(scratch));
  return true;
}

// The deterministic form Redis 7.0 logs for a SET-family command: any expiry becomes
// "SET key value PXAT <unix ms>" (NX/XX/GET dropped, the write happened); otherwise GET is
// dropped (a replay must not reply) and the rest goes as sent.
void PropagateSetAs(CommandContext& ctx, std::string_view key, std::string_view value,
                    bool has_expire, int64_t expire_ms, bool get) {
  if (has_expire) {
    ctx.RewriteCommand({"SET", key, value, "PXAT", std::to_string(expire_ms)});
  } else if (get) {
    std::vector<std::string> argv;
    for (size_t i = 0; i < ctx.argc(); ++i) {
      if (i >= 3 && EqualsIgnoreCase(ctx.args[i], "get")) continue;
      argv.emplace_back(ctx.args[i]);
    }
    ctx.RewriteCommand(std::move(argv));
  }
}

// How a SET-family command answers: SET/SETEX/PSETEX with +OK (null when NX/XX stops it),
// SETNX with :1 / :0.
enum class SetReplyStyle { kOkOrNull, kOneOrZero };

void SetGeneric(CommandContext& ctx, const StringOptions& opts, std::string_view key,
                std::string_view value, std::string_view command, SetReplyStyle style) {
  const bool has_expire = opts.flags & kOptAnyExpire;
  int64_t expire_ms = ds::kNoExpire;
  if (has_expire && !ResolveExpireMs(ctx, opts, command, &expire_ms)) return;

  const bool get = opts.flags & kOptGet;
  ds::KeySlot slot;
  if (get) {
    if (!ReplyStringValue(ctx, key, &slot)) return;
  } else {
    slot = ctx.FindKey(key, kWrite);
  }

  const bool found = slot.entry() != nullptr;
  if (((opts.flags & kOptNx) && found) || ((opts.flags & kOptXx) && !found)) {
    if (!get) {
      if (style == SetReplyStyle::kOneOrZero) {
        ctx.reply.Integer(0);
      } else {
        ctx.reply.Null();
      }
    }
    return;
  }

  ds::TtlMode ttl = ds::TtlMode::kClear;
  if (has_expire) {
    ttl = ds::TtlMode::kSet;
  } else if (opts.flags & kOptKeepTtl) {
    ttl = ds::TtlMode::kKeep;
  }
  ctx.db().SetString(slot, value, ttl, expire_ms);
  ctx.Modified(key, '$', "set");
  if (has_expire) ctx.Notify('g', "expire", key);
  PropagateSetAs(ctx, key, value, has_expire, expire_ms, get);

  if (get) return;
  if (style == SetReplyStyle::kOneOrZero) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void CmdGet(CommandContext& ctx) { ReplyStringValue(ctx, ctx.args[1]); }

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]
void CmdSet(CommandContext& ctx) {
  StringOptions opts;
  if (!ParseStringOptions(ctx.args, 3, OptionsOf::kSet, &opts)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  SetGeneric(ctx, opts, ctx.args[1], ctx.args[2], "set", SetReplyStyle::kOkOrNull);
}

void CmdSetNx(CommandContext& ctx) {
  StringOptions opts{.flags = kOptNx, .expire = {}};
  SetGeneric(ctx, opts, ctx.args[1], ctx.args[2], "setnx", SetReplyStyle::kOneOrZero);
}

// SETEX key seconds value
void CmdSetEx(CommandContext& ctx) {
  StringOptions opts{.flags = kOptEx, .expire = ctx.args[2]};
  SetGeneric(ctx, opts, ctx.args[1], ctx.args[3], "setex", SetReplyStyle::kOkOrNull);
}

// PSETEX key milliseconds value
void CmdPSetEx(CommandContext& ctx) {
  StringOptions opts{.flags = kOptPx, .expire = ctx.args[2]};
  SetGeneric(ctx, opts, ctx.args[1], ctx.args[3], "psetex", SetReplyStyle::kOkOrNull);
}

// GETSET replies the old value and stores the new one without any expiry.
void CmdGetSet(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  ds::KeySlot slot;
  if (!ReplyStringValue(ctx, key, &slot)) return;
  ctx.db().SetString(slot, ctx.args[2], ds::TtlMode::kClear);
  ctx.Modified(key, '$', "set");
  ctx.RewriteCommand({"SET", key, ctx.args[2]});
}

void CmdGetDel(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  TypedKey<ds::Entry> found = ctx.FindString(key, kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Null();
    return;
  }
  char scratch[24];
  ctx.reply.Bulk(found.value->StringView(scratch));  // copied into the reply before the delete
  ctx.db().Delete(found.slot, /*lazy=*/false);       // dbSyncDelete, as Redis's GETDEL
  ctx.Modified(key, 'g', "del");
  ctx.RewriteCommand({"DEL", key});
}

// GETEX key [EX s | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST]
// Unlike SET, the expiry value is validated only once the key is known to hold a string.
void CmdGetEx(CommandContext& ctx) {
  StringOptions opts;
  if (!ParseStringOptions(ctx.args, 2, OptionsOf::kGetEx, &opts)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::string_view key = ctx.args[1];
  TypedKey<ds::Entry> found = ctx.FindString(key, kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Null();
    return;
  }
  const bool has_expire = opts.flags & kOptAnyExpire;
  int64_t expire_ms = 0;
  if (has_expire && !ResolveExpireMs(ctx, opts, "getex", &expire_ms)) return;

  char scratch[24];
  ctx.reply.Bulk(found.value->StringView(scratch));

  const bool absolute = opts.flags & (kOptExAt | kOptPxAt);
  if (absolute && expire_ms <= ctx.now_ms && !ctx.engine.loading()) {
    // A deadline already in the past deletes the key, as an expiry would (not while loading
    // an AOF: the log says what happened next).
    const bool lazy = ctx.engine.config().Bool("lazyfree-lazy-expire");
    ctx.db().Delete(found.slot, lazy);
    ctx.Modified(key, 'g', "del");
    ctx.RewriteCommand({lazy ? "UNLINK" : "DEL", key});
  } else if (has_expire) {
    ctx.db().SetExpire(key, expire_ms);
    ctx.Modified(key, 'g', "expire");
    ctx.RewriteCommand({"PEXPIREAT", key, std::to_string(expire_ms)});
  } else if ((opts.flags & kOptPersist) && ctx.db().Persist(key)) {
    ctx.Modified(key, 'g', "persist");
    ctx.RewriteCommand({"PERSIST", key});
  }
}

// MGET answers null for missing keys and for keys of other types alike.
void CmdMGet(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 1);
  char scratch[24];
  for (size_t i = 1; i < ctx.argc(); ++i) {
    ds::Entry* entry = ctx.FindKey(ctx.args[i]).entry();
    if (entry == nullptr || entry->type() != ds::ValueType::kString) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(entry->StringView(scratch));
    }
  }
}

// Stores every key/value pair of MSET/MSETNX, clearing expiries. Each key is looked up first,
// as Redis's setKey does: an expired one goes through the expired path, and a live one counts
// as accessed (its LFU counter carries over to the new value). A key may repeat, so each
// pair's slot is taken right before its write.
void SetAllPairs(CommandContext& ctx) {
  for (size_t i = 1; i + 1 < ctx.argc(); i += 2) {
    ds::KeySlot slot = ctx.FindKey(ctx.args[i], kWrite);
    ctx.db().SetString(slot, ctx.args[i + 1], ds::TtlMode::kClear);
    ctx.Modified(ctx.args[i], '$', "set");
  }
}

void CmdMSet(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(errors::WrongArity("mset"));
    return;
  }
  SetAllPairs(ctx);
  ctx.reply.Ok();
}

void CmdMSetNx(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.reply.Error(errors::WrongArity("msetnx"));
    return;
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    if (ctx.FindKey(ctx.args[i], kWrite).entry() != nullptr) {
      ctx.reply.Integer(0);
      return;
    }
  }
  SetAllPairs(ctx);
  ctx.reply.Integer(1);
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  table.Add("get", &CmdGet);
  table.Add("set", &CmdSet);
  table.Add("setnx", &CmdSetNx);
  table.Add("setex", &CmdSetEx);
  table.Add("psetex", &CmdPSetEx);
  table.Add("getset", &CmdGetSet);
  table.Add("getdel", &CmdGetDel);
  table.Add("getex", &CmdGetEx);
  table.Add("mget", &CmdMGet);
  table.Add("mset", &CmdMSet);
  table.Add("msetnx", &CmdMSetNx);
  strings_internal::RegisterCounterCommands(table);
  strings_internal::RegisterRangeCommands(table);
  strings_internal::RegisterLcsCommand(table);
}

}  // namespace rill
