// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP.
//
// IDLETIME and FREQ read the key's 24 LRU/LFU bits (datastructs/access_clock.h), which OBJECT
// itself leaves untouched. ENCODING and REFCOUNT are derived from the value the way Redis would
// have stored it.

#include <cstdint>
#include <string>

#include "datastructs/keyspace.h"
#include "server/commands/arg_parse.h"
#include "server/commands/keys_internal.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill::keys_internal {
namespace {

// Redis keeps strings up to this length in one allocation with their header ("embstr").
constexpr size_t kEmbstrMaxLength = 44;
// Redis shares the objects of the integers 0..9999 and reports their refcount as INT_MAX.
constexpr int64_t kSharedIntegers = 10000;
constexpr int64_t kSharedRefcount = 2147483647;
bool LfuPolicy(CommandContext& ctx) { return PolicyIsLfu(ctx.engine.evictor().policy()); }

// OBJECT looks keys up without the "keymiss" event or an access, and replies null for a
// missing key.
ds::Entry* LookupOrReplyNull(CommandContext& ctx) {
  ds::Entry* entry =
      ctx.FindKey(ctx.args[2], KeyAccess{.touch = false, .notify_miss = false}).entry();
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

}  // namespace

std::string_view EncodingName(const ds::Entry& entry) {
  return entry.type() == ds::ValueType::kString ? StringEncoding(entry)
                                                : entry.object()->EncodingName();
}

int64_t Refcount(CommandContext& ctx, const ds::Entry& entry) {
  // Redis stops sharing integers when maxmemory is set with an LRU/LFU policy, because shared
  // objects cannot carry a per-key access clock.
  const EvictionPolicy policy = ctx.engine.evictor().policy();
  const bool sharing =
      ctx.engine.evictor().maxmemory() == 0 || !(PolicyIsLru(policy) || PolicyIsLfu(policy));
  const bool shared = entry.type() == ds::ValueType::kString && entry.is_int() &&
                      entry.int_value() >= 0 && entry.int_value() < kSharedIntegers && sharing;
  return shared ? kSharedRefcount : 1;
}

namespace {

void CmdObjectEncoding(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  ctx.reply.Bulk(EncodingName(*entry));
}

void CmdObjectFreq(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  if (!LfuPolicy(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.reply.Integer(ctx.engine.access_clock().DecayedCounter(entry->access_bits()));
}

void CmdObjectIdleTime(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  if (LfuPolicy(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  ctx.reply.Integer(
      static_cast<int64_t>(ctx.engine.access_clock().IdleMs(entry->access_bits()) / 1000));
}

void CmdObjectRefcount(CommandContext& ctx) {
  ds::Entry* entry = LookupOrReplyNull(ctx);
  if (entry == nullptr) return;
  ctx.reply.Integer(Refcount(ctx, *entry));
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
  ReplyHelpLines(ctx.reply, kLines);
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
