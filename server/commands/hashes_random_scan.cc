// HRANDFIELD and HSCAN (Redis 7.0's hrandfieldCommand and scanGenericCommand over a hash).
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/glob.h"
#include "datastructs/hash.h"
#include "protocol/errors.h"
#include "server/commands/hashes_internal.h"
#include "server/commands/sampling_args.h"
#include "server/commands/scan_args.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

absl::BitGen& Gen() {
  static absl::BitGen gen;
  return gen;
}

// One field (and its value when asked), as a pair in RESP3 and flat in RESP2.
void ReplyField(protocol::ReplyBuilder& reply, bool with_values, std::string_view field,
                std::string_view value) {
  if (with_values && reply.resp3()) reply.ArrayHeader(2);
  reply.Bulk(field);
  if (with_values) reply.Bulk(value);
}

void RandFieldWithCount(CommandContext& ctx, int64_t count, bool with_values) {
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  if (hash.value == nullptr || count == 0) {
    ctx.reply.EmptyArray();
    return;
  }
  const ds::Hash& h = *hash.value;
  const bool distinct = count > 0;
  const uint64_t n = distinct ? static_cast<uint64_t>(count) : 0 - static_cast<uint64_t>(count);
  auto header = [&](uint64_t elements) {
    ctx.reply.ArrayHeader(with_values && !ctx.reply.resp3() ? elements * 2 : elements);
  };
  auto visit = [&](std::string_view field, std::string_view value) {
    ReplyField(ctx.reply, with_values, field, value);
  };
  // Negative counts (and 1) repeat: each element an independent pick.
  if (!distinct || n == 1) {
    header(n);
    for (uint64_t i = 0; i < n; ++i) h.Random(Gen(), visit);
    return;
  }
  // Positive counts are distinct; at least the whole hash is all of it, in its order.
  header(std::min<uint64_t>(n, h.size()));
  h.SampleDistinct(Gen(), static_cast<size_t>(std::min<uint64_t>(n, h.size())), visit);
}

void CmdHRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    int64_t count;
    if (!ParseRandomCountOrReply(ctx.args[2], &count, ctx.reply)) return;
    const bool with_values = ctx.argc() == 4;
    if (ctx.argc() > 4 || (with_values && !EqualsIgnoreCase(ctx.args[3], "withvalues"))) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    // Pairs are twice the elements: Redis bounds the count to half the range then.
    if (with_values && (count < -kMaxRandomCount / 2 || count > kMaxRandomCount / 2)) {
      ctx.reply.Error(errors::kValueOutOfRange);
      return;
    }
    RandFieldWithCount(ctx, count, with_values);
    return;
  }
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  if (hash.value == nullptr) {
    ctx.reply.Null();
    return;
  }
  hash.value->Random(Gen(),
                     [&](std::string_view field, std::string_view) { ctx.reply.Bulk(field); });
}

void CmdHScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursorOrReply(ctx.args[2], &cursor, ctx.reply)) return;
  auto hash = ctx.FindTyped<ds::Hash>(ctx.args[1], kRead);
  if (hash.wrong_type) return;
  if (hash.value == nullptr) {
    ReplyScanCursor(ctx.reply, 0);
    ctx.reply.EmptyArray();
    return;
  }
  ScanOptions options;
  if (!ParseScanOptionsOrReply(ctx.args.subspan(3), false, &options, ctx.reply)) return;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  const uint64_t next =
      hash.value->Scan(cursor, options.count, [&](std::string_view f, std::string_view v) {
        if (options.use_pattern && !ds::GlobMatch(options.pattern, f)) return;
        pairs.emplace_back(f, v);
      });
  ReplyScanCursor(ctx.reply, next);
  ctx.reply.ArrayHeader(pairs.size() * 2);
  for (const auto& [field, value] : pairs) {
    ctx.reply.Bulk(field);
    ctx.reply.Bulk(value);
  }
}

}  // namespace

void RegisterHashRandomScanCommands(CommandTable& table) {
  table.Add("hrandfield", CmdHRandField);
  table.Add("hscan", CmdHScan);
}

}  // namespace rill
