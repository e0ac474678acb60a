// ZRANDMEMBER key [count [WITHSCORES]] (Redis 7.0's cases: a negative count samples with
// repetition, a count at least the set's size returns the whole set in order, a smaller one
// distinct members) and ZSCAN.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "common/double_format.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/glob.h"
#include "protocol/errors.h"
#include "server/commands/keys_internal.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

absl::BitGen& Rng() {
  static absl::BitGen gen;
  return gen;
}

void ReplyOne(CommandContext& ctx, const ds::ZSet& z, size_t rank, bool with_scores) {
  z.ForRange(rank, rank, false, [&](double score, std::string_view member) {
    if (with_scores && ctx.reply.resp3()) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (with_scores) ctx.reply.Double(score);
    return false;
  });
}

void CmdZRandMember(CommandContext& ctx) {
  if (ctx.argc() < 3) {
    TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
    if (found.wrong_type) return;
    if (found.value == nullptr) {
      ctx.reply.Null();
      return;
    }
    ctx.reply.Bulk([&] {
      std::string member;
      const size_t rank = absl::Uniform<size_t>(Rng(), 0, found.value->size());
      found.value->ForRange(rank, rank, false, [&](double, std::string_view m) {
        member.assign(m);
        return false;
      });
      return member;
    }());
    return;
  }
  int64_t l;
  if (!ParseInt64(ctx.args[2], &l)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (l == std::numeric_limits<int64_t>::min()) {
    ctx.reply.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool with_scores = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.args[3], "withscores"))) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 4) {
    with_scores = true;
    constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
    if (l < -kHalf || l > kHalf) {
      ctx.reply.Error("ERR value is out of range");
      return;
    }
  }
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr || l == 0) {
    ctx.reply.EmptyArray();
    return;
  }
  const ds::ZSet& z = *found.value;
  const size_t size = z.size();
  const bool pairs = with_scores && ctx.reply.resp3();
  const uint64_t count = l < 0 ? static_cast<uint64_t>(-l) : static_cast<uint64_t>(l);
  // Negative count (or 1): independent draws.
  if (l < 0 || count == 1) {
    ctx.reply.ArrayHeader(with_scores && !pairs ? 2 * count : count);
    for (uint64_t i = 0; i < count; ++i) {
      ReplyOne(ctx, z, absl::Uniform<size_t>(Rng(), 0, size), with_scores);
    }
    return;
  }
  // At least the whole set: all of it, greatest first (as Redis 7.0 replies it).
  if (count >= size) {
    zsets_internal::ReplyRange(ctx, z, 0, size, true, with_scores);
    return;
  }
  // Distinct ranks (Floyd's sampling), in random order.
  absl::flat_hash_set<size_t> picked;
  std::vector<size_t> ranks;
  ranks.reserve(count);
  for (size_t j = size - count; j < size; ++j) {
    const size_t t = absl::Uniform<size_t>(Rng(), 0, j + 1);
    const size_t r = picked.insert(t).second ? t : j;
    if (r == j) picked.insert(j);
    ranks.push_back(r);
  }
  std::shuffle(ranks.begin(), ranks.end(), Rng());
  ctx.reply.ArrayHeader(with_scores && !pairs ? 2 * count : count);
  for (size_t r : ranks) ReplyOne(ctx, z, r, with_scores);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]: a packed set comes whole with cursor 0, a big
// one walks its member table (every member present throughout a full scan is returned).
void CmdZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!keys_internal::ParseScanCursor(ctx.args[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const std::string_view opt = ctx.args[i];
    const bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64(ctx.args[i + 1], &count)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (count < 1) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      pattern = ctx.args[i + 1];
      use_pattern = pattern != "*";
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  std::vector<std::pair<std::string, std::string>> items;
  uint64_t next = 0;
  if (found.value != nullptr) {
    next = found.value->Scan(
        cursor, static_cast<size_t>(count), [&](double score, std::string_view member) {
          if (use_pattern && !ds::GlobMatch(pattern, member)) return;
          char buf[kDouble17Max];
          items.emplace_back(member, std::string(buf, FormatDouble17(buf, score)));
        });
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(2 * items.size());
  for (const auto& [member, score] : items) {
    ctx.reply.Bulk(member);
    ctx.reply.Bulk(score);
  }
}

}  // namespace

void RegisterZSetRandomCommands(CommandTable& table) {
  table.Add("zrandmember", CmdZRandMember);
  table.Add("zscan", CmdZScan);
}

}  // namespace rill
