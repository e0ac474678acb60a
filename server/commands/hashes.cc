// HSET HSETNX HMSET HGET HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSTRLEN HDEL HINCRBY HINCRBYFLOAT:
// Redis 7.0's t_hash.c over ds::Hash (listpack or table form, converted at the configured
// hash-max-listpack-entries / -value as Redis's hashTypeSet does).
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "common/number_format.h"
#include "common/number_parse.h"
#include "datastructs/hash.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/hashes_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace hashes_internal {

ds::HashLimits Limits(CommandContext& ctx) {
  static const Config::IntParam kEntries("hash-max-listpack-entries");
  static const Config::IntParam kValue("hash-max-listpack-value");
  const Config& config = ctx.engine.config();
  return {static_cast<size_t>(config.Int(kEntries)), static_cast<size_t>(config.Int(kValue))};
}

TypedKey<ds::Hash> FindOrCreateHash(CommandContext& ctx, std::string_view key) {
  return ctx.FindOrCreate<ds::Hash>(key, [] { return std::make_unique<ds::Hash>(); });
}

}  // namespace hashes_internal

namespace {

using namespace hashes_internal;

// HSET and HMSET: field/value pairs; HSET replies the number of new fields, HMSET OK.
void SetPairs(CommandContext& ctx, bool reply_added) {
  if (ctx.argc() % 2 == 1) {
    ctx.reply.Error(errors::WrongArity(reply_added ? "hset" : "hmset"));
    return;
  }
  const std::string_view key = ctx.args[1];
  auto hash = FindOrCreateHash(ctx, key);
  if (hash.wrong_type) return;
  const ds::HashLimits limits = Limits(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    added += hash.value->Set(ctx.args[i], ctx.args[i + 1], limits);
  }
  if (reply_added) {
    ctx.reply.Integer(added);
  } else {
    ctx.reply.Ok();
  }
  ctx.Modified(key, 'h', "hset", (ctx.argc() - 2) / 2);
}

void CmdHSet(CommandContext& ctx) { SetPairs(ctx, true); }
void CmdHMSet(CommandContext& ctx) { SetPairs(ctx, false); }

void CmdHSetNx(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  auto hash = FindOrCreateHash(ctx, key);
  if (hash.wrong_type) return;
  if (hash.value->Get(ctx.args[2])) {
    ctx.reply.Integer(0);
    return;
  }
  hash.value->Set(ctx.args[2], ctx.args[3], Limits(ctx));
  ctx.reply.Integer(1);
  ctx.Modified(key, 'h', "hset");
}

void CmdHGet(CommandContext& ctx) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  std::string_view value;
  if (hash.value == nullptr || !hash.value->Get(ctx.args[2], &value)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(value);
}

void CmdHMGet(CommandContext& ctx) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view value;
    if (hash.value != nullptr && hash.value->Get(ctx.args[i], &value)) {
      ctx.reply.Bulk(value);
    } else {
      ctx.reply.Null();
    }
  }
}

// HGETALL (a map), HKEYS and HVALS (arrays).
void GetAll(CommandContext& ctx, bool fields, bool values) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  const size_t n = hash.value == nullptr ? 0 : hash.value->size();
  if (fields && values) {
    ctx.reply.MapHeader(n);
  } else {
    ctx.reply.ArrayHeader(n);
  }
  if (n == 0) return;
  hash.value->ForEach([&](std::string_view field, std::string_view value) {
    if (fields) ctx.reply.Bulk(field);
    if (values) ctx.reply.Bulk(value);
  });
}

void CmdHGetAll(CommandContext& ctx) { GetAll(ctx, true, true); }
void CmdHKeys(CommandContext& ctx) { GetAll(ctx, true, false); }
void CmdHVals(CommandContext& ctx) { GetAll(ctx, false, true); }

void CmdHLen(CommandContext& ctx) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  ctx.reply.Integer(hash.value == nullptr ? 0 : static_cast<int64_t>(hash.value->size()));
}

void CmdHExists(CommandContext& ctx) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  ctx.reply.Integer(hash.value != nullptr && hash.value->Get(ctx.args[2]) ? 1 : 0);
}

void CmdHStrLen(CommandContext& ctx) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  std::string_view value;
  const bool found = hash.value != nullptr && hash.value->Get(ctx.args[2], &value);
  ctx.reply.Integer(found ? static_cast<int64_t>(value.size()) : 0);
}

void CmdHDel(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  auto hash = ctx.FindTyped<ds::Hash>(key, kWrite);
  if (hash.wrong_type) return;
  if (hash.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (hash.value->Erase(ctx.args[i])) {
      ++deleted;
      if (hash.value->empty()) break;
    }
  }
  if (deleted > 0) {
    ctx.Modified(key, 'h', "hdel", static_cast<uint64_t>(deleted));
    if (hash.value->empty()) ctx.DeleteEmptied(hash);
  }
  ctx.reply.Integer(deleted);
}

void CmdHIncrBy(CommandContext& ctx) {
  int64_t increment;
  if (!ParseInt64OrReply(ctx.args[3], &increment, ctx.reply)) return;
  const std::string_view key = ctx.args[1];
  auto hash = FindOrCreateHash(ctx, key);
  if (hash.wrong_type) return;
  int64_t value = 0;
  std::string_view current;
  if (hash.value->Get(ctx.args[2], &current) && !ParseInt64(current, &value)) {
    ctx.reply.Error(errors::kHashValueNotInteger);
    return;
  }
  if ((increment < 0 && value < 0 && increment < std::numeric_limits<int64_t>::min() - value) ||
      (increment > 0 && value > 0 && increment > std::numeric_limits<int64_t>::max() - value)) {
    ctx.reply.Error(errors::kOverflow);
    return;
  }
  value += increment;
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof(buf), value).ptr;
  hash.value->Set(ctx.args[2], std::string_view(buf, static_cast<size_t>(end - buf)), Limits(ctx));
  ctx.reply.Integer(value);
  ctx.Modified(key, 'h', "hincrby");
}

void CmdHIncrByFloat(CommandContext& ctx) {
  long double increment;
  if (!ParseLongDouble(ctx.args[3], &increment)) {
    ctx.reply.Error(errors::kNotFloat);
    return;
  }
  if (std::isnan(increment) || std::isinf(increment)) {
    ctx.reply.Error(errors::kNaNOrInfinity);
    return;
  }
  const std::string_view key = ctx.args[1];
  auto hash = FindOrCreateHash(ctx, key);
  if (hash.wrong_type) return;
  long double value = 0;
  std::string_view current;
  if (hash.value->Get(ctx.args[2], &current) && !ParseLongDouble(current, &value)) {
    ctx.reply.Error(errors::kHashValueNotFloat);
    return;
  }
  value += increment;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error(errors::kIncrFloatNaNOrInf);
    return;
  }
  const std::string formatted = FormatHumanLongDouble(value);
  hash.value->Set(ctx.args[2], formatted, Limits(ctx));
  ctx.reply.Bulk(formatted);
  ctx.Modified(key, 'h', "hincrbyfloat");
  // Replayed as the value it produced (float arithmetic and formatting must not run again on a
  // replica or at AOF load), as Redis rewrites it.
  if (ctx.propagating()) ctx.RewriteCommand({"HSET", key, ctx.args[2], formatted});
}

}  // namespace

void RegisterHashCommands(CommandTable& table) {
  table.Add("hset", CmdHSet);
  table.Add("hmset", CmdHMSet);
  table.Add("hsetnx", CmdHSetNx);
  table.Add("hget", CmdHGet);
  table.Add("hmget", CmdHMGet);
  table.Add("hgetall", CmdHGetAll);
  table.Add("hkeys", CmdHKeys);
  table.Add("hvals", CmdHVals);
  table.Add("hlen", CmdHLen);
  table.Add("hexists", CmdHExists);
  table.Add("hstrlen", CmdHStrLen);
  table.Add("hdel", CmdHDel);
  table.Add("hincrby", CmdHIncrBy);
  table.Add("hincrbyfloat", CmdHIncrByFloat);
  RegisterHashRandomScanCommands(table);
}

}  // namespace rill
