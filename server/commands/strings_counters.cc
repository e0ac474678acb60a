// Counter commands on string values: INCR DECR INCRBY DECRBY INCRBYFLOAT.
//
// Integer counters stay integers in the keyspace (no formatting and re-parsing per INCR), and a
// counter keeps its key's expiry, as in Redis.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "common/number_format.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/strings_internal.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using strings_internal::CheckStringOrReply;
using strings_internal::SignalWrite;

// The integer a string entry holds, as Redis's getLongLongFromObject reads it.
bool EntryAsInt64(const ds::Entry& entry, int64_t* out) {
  if (entry.is_int()) {
    *out = entry.int_value();
    return true;
  }
  return ParseInt64(entry.raw_bytes(), out);
}

void IncrementBy(CommandContext& ctx, int64_t increment) {
  std::string_view key = ctx.args[1];
  ds::Entry* entry = ctx.db().Find(key, ctx.now_ms);
  int64_t value = 0;
  if (entry != nullptr) {
    if (!CheckStringOrReply(ctx, *entry)) return;
    if (!EntryAsInt64(*entry, &value)) {
      ctx.reply.Error(errors::kNotInteger);
      return;
    }
  }
  int64_t result;
  if (__builtin_add_overflow(value, increment, &result)) {
    ctx.reply.Error(errors::kOverflow);
    return;
  }
  ctx.db().SetInt(key, result, ds::TtlMode::kKeep);
  SignalWrite(ctx, key, '$', "incrby");
  ctx.reply.Integer(result);
}

void CmdIncr(CommandContext& ctx) { IncrementBy(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrementBy(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t increment;
  if (!ParseInt64OrReply(ctx.args[2], &increment, ctx.reply)) return;
  IncrementBy(ctx, increment);
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t decrement;
  if (!ParseInt64OrReply(ctx.args[2], &decrement, ctx.reply)) return;
  // -LLONG_MIN does not exist; Redis names this case on its own.
  if (decrement == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error("ERR decrement would overflow");
    return;
  }
  IncrementBy(ctx, -decrement);
}

// The value a string entry holds as a long double, as Redis's getLongDoubleFromObject reads it.
bool EntryAsLongDouble(const ds::Entry& entry, long double* out) {
  if (entry.is_int()) {
    *out = static_cast<long double>(entry.int_value());
    return true;
  }
  return ParseLongDouble(entry.raw_bytes(), out);
}

// INCRBYFLOAT stores its result as the formatted string, which is also what it replies.
void CmdIncrByFloat(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  ds::Entry* entry = ctx.db().Find(key, ctx.now_ms);
  long double value = 0;
  if (entry != nullptr) {
    if (!CheckStringOrReply(ctx, *entry)) return;
    if (!EntryAsLongDouble(*entry, &value)) {
      ctx.reply.Error(errors::kNotFloat);
      return;
    }
  }
  long double increment;
  if (!ParseLongDouble(ctx.args[2], &increment)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  value += increment;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(errors::kIncrFloatNaNOrInf);
    return;
  }
  std::string formatted = FormatHumanLongDouble(value);
  ctx.db().SetString(key, formatted, ds::TtlMode::kKeep, ds::kNoExpire, ds::StringForm::kBytes);
  SignalWrite(ctx, key, '$', "incrbyfloat");
  ctx.reply.Bulk(formatted);
  // Replayed as the value it produced: float arithmetic (and its formatting) must not run
  // again elsewhere.
  ctx.RewriteCommand({"SET", key, formatted, "KEEPTTL"});
}

}  // namespace

namespace strings_internal {

void RegisterCounterCommands(CommandTable& table) {
  table.Add("incr", &CmdIncr);
  table.Add("decr", &CmdDecr);
  table.Add("incrby", &CmdIncrBy);
  table.Add("decrby", &CmdDecrBy);
  table.Add("incrbyfloat", &CmdIncrByFloat);
}

}  // namespace strings_internal
}  // namespace rill
