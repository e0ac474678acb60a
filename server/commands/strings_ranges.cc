// Commands on byte ranges of string values: APPEND STRLEN GETRANGE SUBSTR SETRANGE.
//
// Growth is bounded by proto-max-bulk-len (512MB by default), checked before any allocation so
// that a client cannot make the server build a huge string just to reject it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/strings_internal.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using strings_internal::CheckStringLengthOrReply;
using strings_internal::CheckStringOrReply;
using strings_internal::LookupRead;
using strings_internal::SignalWrite;

// APPEND creates the key when missing and keeps an existing key's expiry.
void CmdAppend(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  std::string_view suffix = ctx.args[2];
  ds::Entry* entry = ctx.db().Find(key, ctx.now_ms);
  size_t total;
  if (entry == nullptr) {
    ctx.db().SetString(key, suffix);
    total = suffix.size();
  } else {
    if (!CheckStringOrReply(ctx, *entry)) return;
    char scratch[24];
    std::string_view current = entry->StringView(scratch);
    if (!CheckStringLengthOrReply(ctx, current.size(), suffix.size())) return;
    std::string joined;
    joined.reserve(current.size() + suffix.size());
    joined.append(current).append(suffix);
    ctx.db().SetString(key, joined, ds::TtlMode::kKeep, ds::kNoExpire, ds::StringForm::kBuffer);
    total = joined.size();
  }
  SignalWrite(ctx, key, '$', "append");
  ctx.reply.Integer(static_cast<int64_t>(total));
}

void CmdStrlen(CommandContext& ctx) {
  ds::Entry* entry = LookupRead(ctx, ctx.args[1]);
  if (entry == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!CheckStringOrReply(ctx, *entry)) return;
  ctx.reply.Integer(static_cast<int64_t>(entry->StringLength()));
}

// GETRANGE key start end (inclusive; negative indexes count from the end). SUBSTR is its old
// name. Both indexes are parsed before the key is looked up.
void CmdGetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64OrReply(ctx.args[2], &start, ctx.reply)) return;
  if (!ParseInt64OrReply(ctx.args[3], &end, ctx.reply)) return;
  ds::Entry* entry = LookupRead(ctx, ctx.args[1]);
  if (entry == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  if (!CheckStringOrReply(ctx, *entry)) return;
  char scratch[24];
  std::string_view value = entry->StringView(scratch);
  const int64_t len = static_cast<int64_t>(value.size());

  // Both negative and crossed: empty, before the clamping below would turn them into a range.
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = std::max<int64_t>(0, len + start);
  if (end < 0) end = std::max<int64_t>(0, len + end);
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(value.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value: overwrites from `offset`, zero-padding a shorter (or missing)
// value. An empty `value` changes nothing and only reports the current length.
void CmdSetRange(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  std::string_view patch = ctx.args[3];
  int64_t offset;
  if (!ParseInt64OrReply(ctx.args[2], &offset, ctx.reply)) return;
  if (offset < 0) {
    ctx.reply.Error(errors::kOffsetOutOfRange);
    return;
  }
  ds::Entry* entry = ctx.db().Find(key, ctx.now_ms);
  std::string updated;
  if (entry == nullptr) {
    if (patch.empty()) {
      ctx.reply.Integer(0);
      return;
    }
    if (!CheckStringLengthOrReply(ctx, static_cast<uint64_t>(offset), patch.size())) return;
  } else {
    if (!CheckStringOrReply(ctx, *entry)) return;
    char scratch[24];
    std::string_view current = entry->StringView(scratch);
    if (patch.empty()) {
      ctx.reply.Integer(static_cast<int64_t>(current.size()));
      return;
    }
    if (!CheckStringLengthOrReply(ctx, static_cast<uint64_t>(offset), patch.size())) return;
    updated.assign(current);
  }
  const size_t needed = static_cast<size_t>(offset) + patch.size();
  if (updated.size() < needed) updated.resize(needed, '\0');
  updated.replace(static_cast<size_t>(offset), patch.size(), patch);
  ctx.db().SetString(key, updated, ds::TtlMode::kKeep, ds::kNoExpire, ds::StringForm::kBuffer);
  SignalWrite(ctx, key, '$', "setrange");
  ctx.reply.Integer(static_cast<int64_t>(updated.size()));
}

}  // namespace

namespace strings_internal {

void RegisterRangeCommands(CommandTable& table) {
  table.Add("append", &CmdAppend);
  table.Add("strlen", &CmdStrlen);
  table.Add("getrange", &CmdGetRange);
  table.Add("substr", &CmdGetRange);
  table.Add("setrange", &CmdSetRange);
}

}  // namespace strings_internal
}  // namespace rill
