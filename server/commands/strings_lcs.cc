// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
//
// Longest common subsequence of two string values by the classic dynamic-programming table,
// then one walk back from the table's far corner. The walk recovers the subsequence from its
// end, and with IDX reports the runs of consecutive matches it passes (last run first), with
// the same tie-breaking Redis uses so that ranges come out identical.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
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
namespace {

struct LcsOptions {
  bool len = false;
  bool idx = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

// Parses options from args[3] on; false after replying an error.
bool ParseLcsOptions(CommandContext& ctx, LcsOptions* opts) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "IDX")) {
      opts->idx = true;
    } else if (EqualsIgnoreCase(opt, "LEN")) {
      opts->len = true;
    } else if (EqualsIgnoreCase(opt, "WITHMATCHLEN")) {
      opts->with_match_len = true;
    } else if (EqualsIgnoreCase(opt, "MINMATCHLEN") && i + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx.args[++i], &opts->min_match_len, ctx.reply)) return false;
      if (opts->min_match_len < 0) opts->min_match_len = 0;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  if (opts->idx && opts->len) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return false;
  }
  return true;
}

// A run of consecutive matching bytes: a[a_start..a_end] == b[b_start..b_end].
struct MatchRange {
  uint32_t a_start, a_end, b_start, b_end;
  uint32_t length() const { return a_end - a_start + 1; }
};

struct LcsResult {
  uint32_t length = 0;
  std::string subsequence;         // filled when requested
  std::vector<MatchRange> ranges;  // filled when requested, last run first
};

// Table of LCS lengths of every prefix pair: at(i, j) = LCS(a[0..i), b[0..j)).
class LcsTable {
 public:
  LcsTable(std::string_view a, std::string_view b) : a_(a), b_(b), cols_(b.size() + 1) {
    cells_.assign((a.size() + 1) * cols_, 0);
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        cells_[i * cols_ + j] =
            a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }

  uint32_t at(size_t i, size_t j) const { return cells_[i * cols_ + j]; }

  // Walks back from (|a|, |b|). Redis prefers stepping back in `b` when both directions keep
  // the same length; doing the same yields the same subsequence and ranges.
  LcsResult WalkBack(bool want_ranges) const {
    LcsResult result;
    result.length = at(a_.size(), b_.size());
    result.subsequence.resize(result.length);
    size_t i = a_.size(), j = b_.size(), remaining = result.length;
    bool in_run = false;
    MatchRange run{};
    while (i > 0 && j > 0) {
      if (a_[i - 1] == b_[j - 1]) {
        result.subsequence[--remaining] = a_[i - 1];
        --i;
        --j;
        if (!in_run) {
          run = MatchRange{static_cast<uint32_t>(i), static_cast<uint32_t>(i),
                           static_cast<uint32_t>(j), static_cast<uint32_t>(j)};
          in_run = true;
        } else {
          run.a_start = static_cast<uint32_t>(i);
          run.b_start = static_cast<uint32_t>(j);
        }
        // A run touching the start of either string cannot grow further.
        if (i == 0 || j == 0) {
          if (want_ranges) result.ranges.push_back(run);
          in_run = false;
        }
      } else {
        if (at(i - 1, j) > at(i, j - 1)) {
          --i;
        } else {
          --j;
        }
        if (in_run) {
          if (want_ranges) result.ranges.push_back(run);
          in_run = false;
        }
      }
    }
    return result;
  }

 private:
  std::string_view a_, b_;
  size_t cols_;
  std::vector<uint32_t> cells_;
};

void ReplyRanges(CommandContext& ctx, const LcsOptions& opts, const LcsResult& result) {
  protocol::ReplyBuilder& reply = ctx.reply;
  reply.MapHeader(2);
  reply.Bulk("matches");
  size_t token = reply.BeginDeferredArray();
  size_t emitted = 0;
  for (const MatchRange& range : result.ranges) {
    if (opts.min_match_len != 0 && range.length() < opts.min_match_len) continue;
    reply.ArrayHeader(opts.with_match_len ? 3 : 2);
    reply.ArrayHeader(2);
    reply.Integer(range.a_start);
    reply.Integer(range.a_end);
    reply.ArrayHeader(2);
    reply.Integer(range.b_start);
    reply.Integer(range.b_end);
    if (opts.with_match_len) reply.Integer(range.length());
    ++emitted;
  }
  reply.EndDeferredArray(token, emitted);
  reply.Bulk("len");
  reply.Integer(result.length);
}

// Looks up one LCS operand: a missing key reads as "", another type makes *is_string false.
// The value is copied because the next lookup may expire keys and move entries.
std::string LcsOperand(CommandContext& ctx, std::string_view key, bool* is_string) {
  ds::Entry* entry = ctx.FindKey(key).entry();
  *is_string = entry == nullptr || entry->type() == ds::ValueType::kString;
  if (entry == nullptr || !*is_string) return std::string();
  char scratch[24];
  return std::string(entry->StringView(scratch));
}

// Redis 7.0's bound on the command's transient memory: the table of (|a|+1)*(|b|+1) uint32
// cells must fit in proto-max-bulk-len (the most one value may take), checked before any of it
// is allocated. Without it, two 70 KB strings would ask for 20 GB and minutes of the event loop.
// Everything else LCS holds (the operands' copies, the ranges) is linear in its input, so the
// table is its peak; the table's fill is the command's time, quadratic but bounded by the same
// product. False after replying Redis's error.
bool LcsTableFitsOrReply(CommandContext& ctx, uint64_t a_len, uint64_t b_len) {
  // The table indexes with uint32_t, as Redis's does.
  if (a_len >= UINT32_MAX - 1 || b_len >= UINT32_MAX - 1) {
    ctx.reply.Error("ERR String too long for LCS");
    return false;
  }
  static const Config::IntParam kMaxBulkLen("proto-max-bulk-len");
  const uint64_t cells = (a_len + 1) * (b_len + 1);  // < 2^64: both factors are < 2^32
  if (cells > SIZE_MAX / sizeof(uint32_t)) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return false;
  }
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.engine.config().Int(kMaxBulkLen))) {
    ctx.reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return false;
  }
  return true;
}

void CmdLcs(CommandContext& ctx) {
  // Both keys are looked up (and counted as hits or misses) before anything is checked.
  bool a_is_string, b_is_string;
  std::string a = LcsOperand(ctx, ctx.args[1], &a_is_string);
  std::string b = LcsOperand(ctx, ctx.args[2], &b_is_string);
  if (!a_is_string || !b_is_string) {
    ctx.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  LcsOptions opts;
  if (!ParseLcsOptions(ctx, &opts)) return;
  if (!LcsTableFitsOrReply(ctx, a.size(), b.size())) return;

  LcsResult result;
  try {
    LcsTable table(a, b);
    result = table.WalkBack(opts.idx);
  } catch (const std::bad_alloc&) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  } catch (const std::length_error&) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }

  if (opts.idx) {
    ReplyRanges(ctx, opts, result);
  } else if (opts.len) {
    ctx.reply.Integer(result.length);
  } else {
    ctx.reply.Bulk(result.subsequence);
  }
}

}  // namespace

namespace strings_internal {

void RegisterLcsCommand(CommandTable& table) { table.Add("lcs", &CmdLcs); }

}  // namespace strings_internal
}  // namespace rill
