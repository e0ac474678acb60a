// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP.
//
// Rill keeps no per-key access clock or frequency counter yet, so IDLETIME answers 0 and FREQ
// answers the counter a fresh key has in Redis (5); both still give Redis's errors for the wrong
// maxmemory-policy. ENCODING and REFCOUNT are derived from the value the way Redis would have
// stored it.

#include <cstdint>
#include <string>

#include "datastructs/keyspace.h"
#include "server/client.h"
#include "server/command.h"
#include "server/commands/keys_internal.h"
#include "server/engine.h"

namespace rill::keys_internal {
namespace {

// Redis keeps strings up to this length in one allocation with their header ("embstr").
constexpr size_t kEmbstrMaxLength = 44;
// Redis shares the objects of the integers 0..9999 and reports their refcount as INT_MAX.
constexpr int64_t kSharedIntegers = 10000;
constexpr int64_t kSharedRefcount = 2147483647;
// Redis's LFU_INIT_VAL: the frequency counter of a key that was just created.
constexpr int64_t kLfuInitialCounter = 5;

bool PolicyIsLfu(CommandContext& ctx) {
  std::string policy = ctx.engine.config().String("maxmemory-policy");
  return policy == "allkeys-lfu" || policy == "volatile-lfu";
}

bool PolicyIsLru(CommandContext& ctx) {
  std::string policy = ctx.engine.config().String("maxmemory-policy");
  return policy == "allkeys-lru" || policy == "volatile-lru";
}

// OBJECT looks keys up without the "keymiss" event and replies null for a missing key.
ds::Entry* LookupOrReplyNull(CommandContext& ctx) {
  ds::Entry* entry = LookupRead(ctx, ctx.args[2], /*notify_miss=*/false);
  if (entry == nullptr) ctx.reply.Null();
  return entry;
}

// As Redis: integers, short strings in one allocation, and "raw" for long strings and for any
// string changed in place (APPEND, SETRANGE), which the keyspace remembers as a buffer.
std::string_view StringEncoding(const ds::Entry& entry) {
  if (entry.is_int()) return "int";
  if (entry.is_buffer()) return "raw";
  return entry.StringLength() <= kEmbstrMaxLength ? "embstr" : "raw";
}

void CmdObjectEncoding(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  ctx.reply.Bulk(entry->type() == ds::ValueType::kString ? StringEncoding(*entry)
                                                         : entry->object()->EncodingName());
}

void CmdObjectFreq(CommandContext& ctx) {
  if (LookupOrReplyNull(ctx) == nullptr) return;
  if (!PolicyIsLfu(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.reply.Integer(kLfuInitialCounter);
}

void CmdObjectIdleTime(CommandContext& ctx) {
  if (LookupOrReplyNull(ctx) == nullptr) return;
  if (PolicyIsLfu(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  ctx.reply.Integer(0);
}

void CmdObjectRefcount(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  // Redis stops sharing integers when maxmemory is set with an LRU/LFU policy, because shared
  // objects cannot carry a per-key access clock.
  bool sharing =
      ctx.engine.config().Int("maxmemory") == 0 || !(PolicyIsLru(ctx) || PolicyIsLfu(ctx));
  bool shared = entry->type() == ds::ValueType::kString && entry->is_int() &&
                entry->int_value() >= 0 && entry->int_value() < kSharedIntegers && sharing;
  ctx.reply.Integer(shared ? kSharedRefcount : 1);
}

void CmdObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterObjectCommands(CommandTable& table) {
  table.Add("object|encoding", &CmdObjectEncoding);
  table.Add("object|freq", &CmdObjectFreq);
  table.Add("object|idletime", &CmdObjectIdleTime);
  table.Add("object|refcount", &CmdObjectRefcount);
  table.Add("object|help", &CmdObjectHelp);
}

}  // namespace rill::keys_internal
