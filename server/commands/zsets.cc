// ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT, and the helpers every
// sorted set command shares.
#include <cmath>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/geo_internal.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace zsets_internal {

ds::ZSetLimits Limits(CommandContext& ctx) {
  static const Config::IntParam kEntries("zset-max-listpack-entries");
  static const Config::IntParam kValue("zset-max-listpack-value");
  const Config& config = ctx.engine.config();
  return {static_cast<size_t>(config.Int(kEntries)), static_cast<size_t>(config.Int(kValue))};
}

std::unique_ptr<ds::ZSet> NewZSet(CommandContext& ctx, size_t size_hint, size_t max_member_len) {
  return std::make_unique<ds::ZSet>(size_hint, max_member_len, Limits(ctx));
}

bool ParseScoreOrReply(CommandContext& ctx, std::string_view arg, double* score) {
  if (ParseDouble(arg, score)) return true;
  ctx.reply.Error(errors::kNotFloat);
  return false;
}

void RangeRanks(const ds::ZSet& z, const ds::ZBound& low, const ds::ZBound& high, bool lex,
                bool reverse, size_t* first, size_t* count) {
  if (!lex || !z.packed()) {
    const size_t lo = z.CountBefore(low);
    const size_t hi = z.CountBefore(high);
    *first = lo;
    *count = hi > lo ? hi - lo : 0;
    return;
  }
  std::vector<std::string_view> members;
  members.reserve(z.size());
  z.ForEach([&](double, std::string_view m) { members.push_back(m); });
  const size_t n = members.size();
  *first = 0;
  *count = 0;
  // zzlIsInLexRange: nothing when the last entry is below min or the first above max.
  if (n == 0 || low.Before(0, members[n - 1]) || !high.Before(0, members[0])) return;
  if (!reverse) {
    size_t s = 0;
    while (s < n && low.Before(0, members[s])) ++s;
    size_t e = s;
    while (e < n && high.Before(0, members[e])) ++e;
    *first = s;
    *count = e - s;
    return;
  }
  size_t t = n;  // one past the last entry not above max
  while (t > 0 && !high.Before(0, members[t - 1])) --t;
  size_t b = t;
  while (b > 0 && !low.Before(0, members[b - 1])) --b;
  *first = b;
  *count = t - b;
}

void ReplyRange(CommandContext& ctx, const ds::ZSet& z, size_t start, size_t count, bool reverse,
                bool with_scores) {
  const bool pairs = with_scores && ctx.reply.resp3();
  ctx.reply.ArrayHeader(with_scores && !pairs ? 2 * count : count);
  if (count == 0) return;
  size_t first = start, last = start + count - 1;
  if (reverse) {  // `start` counts from the greatest entry
    first = z.size() - 1 - last;
    last = z.size() - 1 - start;
  }
  z.ForRange(first, last, reverse, [&](double score, std::string_view member) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (with_scores) ctx.reply.Double(score);
    return true;
  });
}

}  // namespace zsets_internal

namespace {

using zsets_internal::Limits;
using zsets_internal::NewZSet;
using zsets_internal::ParseScoreOrReply;

constexpr std::string_view kErrNaN = "ERR resulting score is not a number (NaN)";

struct AddFlags {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
};

enum class AddOutcome { kAdded, kUpdated, kUnchanged, kSkipped, kNaN };

// Redis's zsetAdd: the option rules for one member; *score becomes the member's score.
AddOutcome AddMember(ds::ZSet& z, std::string_view member, double* score, const AddFlags& f,
                     const ds::ZSetLimits& limits) {
  ds::ZSet::Found found;
  if (z.Find(member, &found)) {
    if (f.nx) return AddOutcome::kSkipped;
    const double current = found.score;
    double target = *score;
    if (f.incr) {
      target += current;
      if (std::isnan(target)) return AddOutcome::kNaN;
    }
    if ((f.lt && target >= current) || (f.gt && target <= current)) return AddOutcome::kSkipped;
    *score = target;
    if (target == current) return AddOutcome::kUnchanged;
    z.ChangeScore(member, found, target);
    return AddOutcome::kUpdated;
  }
  if (f.xx) return AddOutcome::kSkipped;
  z.Insert(member, *score, limits);
  return AddOutcome::kAdded;
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and ZINCRBY through it
// (`incr_only`: the arguments are "key increment member").
void ZAddGeneric(CommandContext& ctx, bool incr_only) {
  const std::string_view key = ctx.args[1];
  AddFlags f;
  f.incr = incr_only;
  size_t at = 2;
  for (; at < ctx.argc(); ++at) {
    const std::string_view opt = ctx.args[at];
    if (EqualsIgnoreCase(opt, "nx")) {
      f.nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      f.xx = true;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      f.ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      f.incr = true;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      f.gt = true;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      f.lt = true;
    } else {
      break;
    }
  }
  const size_t args = ctx.argc() - at;
  if (args == 0 || args % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const size_t pairs = args / 2;
  if (f.nx && f.xx) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt)) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (f.incr && pairs > 1) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  // Every score parses before anything changes.
  double one_score;
  std::vector<double> many;
  double* scores = &one_score;
  if (pairs > 1) {
    many.resize(pairs);
    scores = many.data();
  }
  for (size_t j = 0; j < pairs; ++j) {
    if (!ParseScoreOrReply(ctx, ctx.args[at + 2 * j], &scores[j])) return;
  }

  TypedKey<ds::ZSet> found;
  if (f.xx) {
    found = ctx.FindTyped<ds::ZSet>(key, kWrite);
  } else {
    // Redis 7.0 makes a new key's set a listpack unless zset-max-listpack-entries is 0 or the
    // first member is longer than zset-max-listpack-value (later pairs may convert it).
    found =
        ctx.FindOrCreate<ds::ZSet>(key, [&] { return NewZSet(ctx, 1, ctx.args[at + 1].size()); });
  }
  if (found.wrong_type) return;
  uint64_t added = 0, updated = 0, processed = 0;
  double last_score = 0;
  if (found.value != nullptr) {
    const ds::ZSetLimits limits = Limits(ctx);
    for (size_t j = 0; j < pairs; ++j) {
      double score = scores[j];
      const AddOutcome outcome =
          AddMember(*found.value, ctx.args[at + 2 * j + 1], &score, f, limits);
      if (outcome == AddOutcome::kNaN) {
        ctx.reply.Error(kErrNaN);
        return;
      }
      added += outcome == AddOutcome::kAdded;
      updated += outcome == AddOutcome::kUpdated;
      processed += outcome != AddOutcome::kSkipped;
      last_score = score;
    }
  }
  if (f.incr) {
    if (processed > 0) {
      ctx.reply.Double(last_score);
    } else {
      ctx.reply.Null();
    }
  } else {
    ctx.reply.Integer(static_cast<int64_t>(f.ch ? added + updated : added));
  }
  if (added + updated > 0) ctx.Modified(key, 'z', f.incr ? "zincr" : "zadd", added + updated);
}

void CmdZAdd(CommandContext& ctx) { ZAddGeneric(ctx, false); }
void CmdZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, true); }

void CmdZRem(CommandContext& ctx) {
  const std::string_view key = ctx.args[1];
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(key, kWrite);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  uint64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && !found.value->empty(); ++i) {
    deleted += found.value->Remove(ctx.args[i]);
  }
  ctx.reply.Integer(static_cast<int64_t>(deleted));
  if (deleted == 0) return;
  ctx.Modified(key, 'z', "zrem", deleted);
  if (found.value->empty()) ctx.DeleteEmptied(found);
}

void CmdZCard(CommandContext& ctx) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.Integer(found.value == nullptr ? 0 : static_cast<int64_t>(found.value->size()));
}

void CmdZScore(CommandContext& ctx) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  double score;
  if (found.value == nullptr || !found.value->Score(ctx.args[2], &score)) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Double(score);
}

void CmdZMScore(CommandContext& ctx) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score;
    if (found.value == nullptr || !found.value->Score(ctx.args[i], &score)) {
      ctx.reply.Null();
    } else {
      ctx.reply.Double(score);
    }
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  size_t rank;
  if (found.value == nullptr || !found.value->Rank(ctx.args[2], &rank)) {
    ctx.reply.Null();
    return;
  }
  if (reverse) rank = found.value->size() - 1 - rank;
  ctx.reply.Integer(static_cast<int64_t>(rank));
}

void CmdZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ZCOUNT / ZLEXCOUNT: the range parses before the key is looked up, as in Redis.
void ZCountGeneric(CommandContext& ctx, bool lex) {
  ds::ZBound low, high;
  if (lex ? !zsets_internal::ParseLexRange(ctx.args[2], ctx.args[3], &low, &high)
          : !zsets_internal::ParseScoreRange(ctx.args[2], ctx.args[3], &low, &high)) {
    ctx.reply.Error(lex ? zsets_internal::kErrLexRange : zsets_internal::kErrScoreRange);
    return;
  }
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  size_t first, count;
  zsets_internal::RangeRanks(*found.value, low, high, lex, false, &first, &count);
  ctx.reply.Integer(static_cast<int64_t>(count));
}

void CmdZCount(CommandContext& ctx) { ZCountGeneric(ctx, false); }
void CmdZLexCount(CommandContext& ctx) { ZCountGeneric(ctx, true); }

}  // namespace

void RegisterZSetBasicCommands(CommandTable& table) {
  table.Add("zadd", CmdZAdd);
  table.Add("zincrby", CmdZIncrBy);
  table.Add("zrem", CmdZRem);
  table.Add("zcard", CmdZCard);
  table.Add("zscore", CmdZScore);
  table.Add("zmscore", CmdZMScore);
  table.Add("zrank", CmdZRank);
  table.Add("zrevrank", CmdZRevRank);
  table.Add("zcount", CmdZCount);
  table.Add("zlexcount", CmdZLexCount);
}

void zsets_internal::ZAddCommand(CommandContext& ctx) { CmdZAdd(ctx); }

void RegisterZSetCommands(CommandTable& table) {
  RegisterZSetBasicCommands(table);
  RegisterZSetRangeCommands(table);
  RegisterZSetPopCommands(table);
  RegisterZSetSetOpCommands(table);
  RegisterZSetRandomCommands(table);
  RegisterGeoCommands(table);
  RegisterGeoSearchCommands(table);
}

}  // namespace rill
