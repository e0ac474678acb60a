// ZUNION ZINTER ZDIFF and their STORE forms (WEIGHTS, AGGREGATE SUM|MIN|MAX, WITHSCORES),
// ZINTERCARD (LIMIT): Redis's zunionInterDiffGenericCommand. Inputs may be sorted sets or plain
// sets (whose members score 1); a missing key is an empty input.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/set.h"
#include "protocol/errors.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

enum class Op { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

struct Source {
  const ds::ZSet* zset = nullptr;
  const ds::Set* set = nullptr;
  double weight = 1;

  size_t size() const { return zset != nullptr ? zset->size() : set != nullptr ? set->size() : 0; }
  const void* object() const {
    return zset != nullptr ? static_cast<const void*>(zset) : static_cast<const void*>(set);
  }
  bool Find(std::string_view member, double* score) const {
    if (zset != nullptr) return zset->Score(member, score);
    if (set != nullptr && set->Contains(member)) {
      *score = 1;
      return true;
    }
    return false;
  }
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    if (zset != nullptr) {
      zset->ForEach([&](double score, std::string_view m) { visit(score, m); });
    } else if (set != nullptr) {
      set->ForEach([&](std::string_view m) { visit(1.0, m); });
    }
  }
};

// Redis's zunionInterAggregate (+inf + -inf sums to 0, not NaN).
void AggregateInto(double* target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      break;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      break;
  }
}

double Weighted(const Source& s, double score) {
  const double v = s.weight * score;
  return std::isnan(v) ? 0 : v;
}

using Result = std::vector<std::pair<double, std::string_view>>;

void SortResult(Result* r) {
  std::sort(r->begin(), r->end(), [](const auto& a, const auto& b) {
    return ds::CompareZKeys(a.first, a.second, b.first, b.second) < 0;
  });
}

void SetOpGeneric(CommandContext& ctx, std::string_view dest, size_t numkeys_at, Op op,
                  bool cardinality_only) {
  int64_t n;
  if (!ParseInt64(ctx.args[numkeys_at], &n)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (n < 1) {
    std::string name(ctx.args[0]);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ctx.reply.Error("ERR at least 1 input key is needed for '" + name + "' command");
    return;
  }
  if (static_cast<uint64_t>(n) > ctx.argc() - (numkeys_at + 1)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  const size_t setnum = static_cast<size_t>(n);
  std::vector<Source> src(setnum);
  size_t j = numkeys_at + 1;
  for (size_t i = 0; i < setnum; ++i, ++j) {
    ds::Entry* entry = ctx.FindKey(ctx.args[j], kRead).entry();
    if (entry == nullptr) continue;
    if (entry->type() == ds::ValueType::kZSet) {
      src[i].zset = static_cast<const ds::ZSet*>(entry->object());
    } else if (entry->type() == ds::ValueType::kSet) {
      src[i].set = static_cast<const ds::Set*>(entry->object());
    } else {
      ctx.reply.Error(errors::kWrongType);
      return;
    }
  }
  Aggregate aggregate = Aggregate::kSum;
  bool with_scores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    const size_t remaining = ctx.argc() - j;
    const std::string_view opt = ctx.args[j];
    if (op != Op::kDiff && !cardinality_only && remaining >= setnum + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (size_t i = 0; i < setnum; ++i, ++j) {
        if (!ParseDouble(ctx.args[j], &src[i].weight)) {
          ctx.reply.Error("ERR weight value is not a float");
          return;
        }
      }
    } else if (op != Op::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      const std::string_view how = ctx.args[j + 1];
      if (EqualsIgnoreCase(how, "sum")) {
        aggregate = Aggregate::kSum;
      } else if (EqualsIgnoreCase(how, "min")) {
        aggregate = Aggregate::kMin;
      } else if (EqualsIgnoreCase(how, "max")) {
        aggregate = Aggregate::kMax;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      j += 2;
    } else if (dest.empty() && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      ++j;
      with_scores = true;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      if (!ParseInt64(ctx.args[j + 1], &limit) || limit < 0) {
        ctx.reply.Error("ERR LIMIT can't be negative");
        return;
      }
      j += 2;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  // Smallest inputs first (union and intersection), as Redis orders them.
  if (op != Op::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }

  Result result;
  uint64_t cardinality = 0;
  if (op == Op::kInter) {
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].ForEach([&](double s0, std::string_view member) {
        if (stop) return;
        double score = Weighted(src[0], s0);
        size_t k = 1;
        for (; k < setnum; ++k) {
          double value;
          if (src[k].object() == src[0].object()) {
            value = s0 * src[k].weight;
          } else if (src[k].Find(member, &value)) {
            value *= src[k].weight;
          } else {
            break;
          }
          AggregateInto(&score, value, aggregate);
        }
        if (k < setnum) return;
        if (cardinality_only) {
          ++cardinality;
          if (limit > 0 && cardinality >= static_cast<uint64_t>(limit)) stop = true;
        } else {
          result.emplace_back(score, member);
        }
      });
    }
  } else if (op == Op::kUnion) {
    absl::flat_hash_map<std::string_view, double> acc;
    if (setnum > 0) acc.reserve(src[setnum - 1].size());
    std::vector<std::string_view> order;
    for (const Source& s : src) {
      s.ForEach([&](double raw, std::string_view member) {
        const double score = Weighted(s, raw);
        auto [it, inserted] = acc.try_emplace(member, score);
        if (!inserted) AggregateInto(&it->second, score, aggregate);
      });
    }
    result.reserve(acc.size());
    for (const auto& [member, score] : acc) result.emplace_back(score, member);
  } else {
    src[0].ForEach([&](double score, std::string_view member) {
      double unused;
      for (size_t k = 1; k < setnum; ++k) {
        if (src[k].Find(member, &unused)) return;
      }
      result.emplace_back(score, member);
    });
  }

  if (cardinality_only) {
    ctx.reply.Integer(static_cast<int64_t>(cardinality));
    return;
  }
  SortResult(&result);
  if (!dest.empty()) {
    if (result.empty()) {
      ctx.reply.Integer(0);
      // Redis's dbDelete: an expired key counts as there.
      if (ctx.db().Delete(dest)) ctx.Modified(dest, 'g', "del");
      return;
    }
    size_t longest = 0;
    for (const auto& [score, member] : result) longest = std::max(longest, member.size());
    std::unique_ptr<ds::ZSet> out = zsets_internal::NewZSet(ctx, result.size(), longest);
    const ds::ZSetLimits limits = zsets_internal::Limits(ctx);
    for (const auto& [score, member] : result) out->Insert(member, score, limits);
    const size_t size = out->size();
    ctx.db().SetObject(dest, std::move(out));
    ctx.reply.Integer(static_cast<int64_t>(size));
    ctx.Modified(dest, 'z',
                 op == Op::kUnion   ? "zunionstore"
                 : op == Op::kInter ? "zinterstore"
                                    : "zdiffstore");
    return;
  }
  const bool pairs = with_scores && ctx.reply.resp3();
  ctx.reply.ArrayHeader(with_scores && !pairs ? 2 * result.size() : result.size());
  for (const auto& [score, member] : result) {
    if (pairs) ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(member);
    if (with_scores) ctx.reply.Double(score);
  }
}

void CmdZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, Op::kUnion, false); }
void CmdZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, Op::kInter, false); }
void CmdZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, Op::kDiff, false); }
void CmdZUnion(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, Op::kUnion, false); }
void CmdZInter(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, Op::kInter, false); }
void CmdZDiff(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, Op::kDiff, false); }
void CmdZInterCard(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, Op::kInter, true); }

}  // namespace

void RegisterZSetSetOpCommands(CommandTable& table) {
  table.Add("zunionstore", CmdZUnionStore);
  table.Add("zinterstore", CmdZInterStore);
  table.Add("zdiffstore", CmdZDiffStore);
  table.Add("zunion", CmdZUnion);
  table.Add("zinter", CmdZInter);
  table.Add("zdiff", CmdZDiff);
  table.Add("zintercard", CmdZInterCard);
}

}  // namespace rill
