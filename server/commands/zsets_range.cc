// ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), ZRANGESTORE, ZREVRANGE, ZRANGEBYSCORE,
// ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREMRANGEBYRANK, ZREMRANGEBYSCORE,
// ZREMRANGEBYLEX: one range resolution (Redis's zrangeGenericCommand rules) feeding a reply or
// a store.
#include <algorithm>
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using zsets_internal::Limits;
using zsets_internal::NewZSet;

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

bool ParseLongOrReply(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (ParseInt64(arg, out)) return true;
  ctx.reply.Error(errors::kNotInteger);
  return false;
}

// Ranks [first, first + count) of the ascending order, visited forwards or (reverse) from the
// last one down.
struct Selection {
  size_t first = 0;
  size_t count = 0;
  bool reverse = false;
};

// Redis's rank range rules (negative from the end, clamped; empty when start > end).
Selection RankSelection(size_t size, int64_t start, int64_t end, bool reverse) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  Selection s;
  s.reverse = reverse;
  if (start > end || start >= n) return s;
  if (end >= n) end = n - 1;
  s.count = static_cast<size_t>(end - start + 1);
  // start/end count from the greatest entry when reverse.
  s.first = reverse ? static_cast<size_t>(n - 1 - end) : static_cast<size_t>(start);
  return s;
}

// The entries of [low, high) after skipping `offset` in the walk's direction, at most `limit`
// (negative: all), as ZRANGEBYSCORE/BYLEX ... LIMIT do (a negative offset selects nothing).
Selection BoundSelection(const ds::ZSet& z, const ds::ZBound& low, const ds::ZBound& high, bool lex,
                         int64_t offset, int64_t limit, bool reverse) {
  Selection s;
  s.reverse = reverse;
  if (offset < 0 || (offset > 0 && static_cast<uint64_t>(offset) >= z.size())) return s;
  size_t lo, n;
  zsets_internal::RangeRanks(z, low, high, lex, reverse, &lo, &n);
  const size_t hi = lo + n;
  if (n == 0 || static_cast<uint64_t>(offset) >= n) return s;
  n -= static_cast<size_t>(offset);
  if (limit >= 0) n = std::min(n, static_cast<size_t>(limit));
  s.count = n;
  s.first = reverse ? hi - static_cast<size_t>(offset) - n : lo + static_cast<size_t>(offset);
  return s;
}

void ReplySelection(CommandContext& ctx, const ds::ZSet& z, const Selection& s, bool with_scores) {
  // ReplyRange counts a reverse start from the greatest entry.
  const size_t start = s.reverse ? z.size() - (s.first + s.count) : s.first;
  zsets_internal::ReplyRange(ctx, z, start, s.count, s.reverse, with_scores);
}

// ZRANGESTORE's result: the selection into `dest` (replacing it), or `dest` deleted when empty.
void StoreSelection(CommandContext& ctx, std::string_view dest, const ds::ZSet* z,
                    const Selection& s) {
  if (z == nullptr || s.count == 0) {
    ctx.reply.Integer(0);
    // Redis's dbDelete: an expired key counts as there.
    if (ctx.db().Delete(dest)) ctx.Modified(dest, 'g', "del");
    return;
  }
  size_t longest = 0;
  z->ForRange(s.first, s.first + s.count - 1, false, [&](double, std::string_view m) {
    longest = std::max(longest, m.size());
    return true;
  });
  std::unique_ptr<ds::ZSet> out = NewZSet(ctx, s.count, longest);
  const ds::ZSetLimits limits = Limits(ctx);
  z->ForRange(s.first, s.first + s.count - 1, s.reverse, [&](double score, std::string_view m) {
    out->Insert(m, score, limits);
    return true;
  });
  ctx.db().SetObject(dest, std::move(out));
  ctx.reply.Integer(static_cast<int64_t>(s.count));
  ctx.Modified(dest, 'z', "zrangestore");
}

// Redis's zrangeGenericCommand: arguments from `first` (the source key), then min max and the
// options; `dest` non-empty for ZRANGESTORE.
void ZRangeGeneric(CommandContext& ctx, size_t first, std::string_view dest, RangeType type,
                   Direction direction) {
  const bool store = !dest.empty();
  const std::string_view key = ctx.args[first];
  size_t min_at = first + 1, max_at = first + 2;
  bool with_scores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = first + 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.args[j];
    const size_t left = ctx.argc() - j - 1;
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      with_scores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      if (!ParseLongOrReply(ctx, ctx.args[j + 1], &offset) ||
          !ParseLongOrReply(ctx, ctx.args[j + 2], &limit)) {
        return;
      }
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (direction == Direction::kAuto) direction = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  const bool reverse = direction == Direction::kReverse;
  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (with_scores && type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  // Score and lex ranges come as max min when reversed.
  if (reverse && type != RangeType::kRank) std::swap(min_at, max_at);

  int64_t start = 0, end = 0;
  ds::ZBound low, high;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ParseLongOrReply(ctx, ctx.args[min_at], &start) ||
          !ParseLongOrReply(ctx, ctx.args[max_at], &end)) {
        return;
      }
      break;
    case RangeType::kScore:
      if (!zsets_internal::ParseScoreRange(ctx.args[min_at], ctx.args[max_at], &low, &high)) {
        ctx.reply.Error(zsets_internal::kErrScoreRange);
        return;
      }
      break;
    case RangeType::kLex:
      if (!zsets_internal::ParseLexRange(ctx.args[min_at], ctx.args[max_at], &low, &high)) {
        ctx.reply.Error(zsets_internal::kErrLexRange);
        return;
      }
      break;
  }

  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(key, kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    if (store) {
      StoreSelection(ctx, dest, nullptr, {});
    } else {
      ctx.reply.EmptyArray();
    }
    return;
  }
  const ds::ZSet& z = *found.value;
  const Selection s =
      type == RangeType::kRank
          ? RankSelection(z.size(), start, end, reverse)
          : BoundSelection(z, low, high, type == RangeType::kLex, offset, limit, reverse);
  if (store) {
    StoreSelection(ctx, dest, &z, s);
  } else {
    ReplySelection(ctx, z, s, with_scores);
  }
}

void CmdZRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kAuto, Direction::kAuto);
}
void CmdZRangeStore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 2, ctx.args[1], RangeType::kAuto, Direction::kAuto);
}
void CmdZRevRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kRank, Direction::kReverse);
}
void CmdZRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kForward);
}
void CmdZRevRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kScore, Direction::kReverse);
}
void CmdZRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kForward);
}
void CmdZRevRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, {}, RangeType::kLex, Direction::kReverse);
}

// ZREMRANGEBYRANK / BYSCORE / BYLEX.
void ZRemRangeGeneric(CommandContext& ctx, RangeType type) {
  const std::string_view key = ctx.args[1];
  int64_t start = 0, end = 0;
  ds::ZBound low, high;
  if (type == RangeType::kRank) {
    if (!ParseLongOrReply(ctx, ctx.args[2], &start) || !ParseLongOrReply(ctx, ctx.args[3], &end)) {
      return;
    }
  } else if (type == RangeType::kScore) {
    if (!zsets_internal::ParseScoreRange(ctx.args[2], ctx.args[3], &low, &high)) {
      ctx.reply.Error(zsets_internal::kErrScoreRange);
      return;
    }
  } else if (!zsets_internal::ParseLexRange(ctx.args[2], ctx.args[3], &low, &high)) {
    ctx.reply.Error(zsets_internal::kErrLexRange);
    return;
  }
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(key, kWrite);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ds::ZSet& z = *found.value;
  const Selection s = type == RangeType::kRank
                          ? RankSelection(z.size(), start, end, false)
                          : BoundSelection(z, low, high, type == RangeType::kLex, 0, -1, false);
  if (s.count > 0) {
    z.EraseRanks(s.first, s.count, [](double, std::string_view) {});
    static constexpr std::string_view kEvents[] = {"", "zremrangebyrank", "zremrangebyscore",
                                                   "zremrangebylex"};
    ctx.Modified(key, 'z', kEvents[static_cast<int>(type)], s.count);
    if (z.empty()) ctx.DeleteEmptied(found);
  }
  ctx.reply.Integer(static_cast<int64_t>(s.count));
}

void CmdZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kScore); }
void CmdZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kLex); }

}  // namespace

void RegisterZSetRangeCommands(CommandTable& table) {
  table.Add("zrange", CmdZRange);
  table.Add("zrangestore", CmdZRangeStore);
  table.Add("zrevrange", CmdZRevRange);
  table.Add("zrangebyscore", CmdZRangeByScore);
  table.Add("zrevrangebyscore", CmdZRevRangeByScore);
  table.Add("zrangebylex", CmdZRangeByLex);
  table.Add("zrevrangebylex", CmdZRevRangeByLex);
  table.Add("zremrangebyrank", CmdZRemRangeByRank);
  table.Add("zremrangebyscore", CmdZRemRangeByScore);
  table.Add("zremrangebylex", CmdZRemRangeByLex);
}

}  // namespace rill
