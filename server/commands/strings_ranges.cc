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

// APPEND creates the key when missing and keeps an existing key's expiry. The value grows in
// place (Database::WriteString), so a log built by many APPENDs costs linear time.
void CmdAppend(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  std::string_view suffix = ctx.args[2];
  TypedKey<ds::Entry> found = ctx.FindString(key, kWrite);
  if (found.wrong_type) return;
  size_t total;
  if (found.value == nullptr) {
    ctx.db().SetString(found.slot, suffix);
    total = suffix.size();
  } else {
    const size_t length = found.value->StringLength();
    if (!CheckStringLengthOrReply(ctx, length, suffix.size())) return;
    total = ctx.db().WriteString(found.slot, length, suffix);
  }
  ctx.Modified(key, '$', "append");
  ctx.reply.Integer(static_cast<int64_t>(total));
}

void CmdStrlen(CommandContext& ctx) {
  TypedKey<ds::Entry> found = ctx.FindString(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.Integer(found.value == nullptr ? 0 : static_cast<int64_t>(found.value->StringLength()));
}

// GETRANGE key start end (inclusive; negative indexes count from the end). SUBSTR is its old
// name. Both indexes are parsed before the key is looked up.
void CmdGetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64OrReply(ctx.args[2], &start, ctx.reply)) return;
  if (!ParseInt64OrReply(ctx.args[3], &end, ctx.reply)) return;
  TypedKey<ds::Entry> found = ctx.FindString(ctx.args[1], kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  char scratch[24];
  std::string_view value = found.value->StringView(scratch);
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
  TypedKey<ds::Entry> found = ctx.FindString(key, kWrite);
  if (found.wrong_type) return;
  const size_t current = found.value == nullptr ? 0 : found.value->StringLength();
  if (patch.empty()) {
    ctx.reply.Integer(static_cast<int64_t>(current));
    return;
  }
  if (!CheckStringLengthOrReply(ctx, static_cast<uint64_t>(offset), patch.size())) return;
  size_t length;
  if (found.value == nullptr) {
    std::string created(static_cast<size_t>(offset), '\0');
    created.append(patch);
    ctx.db().SetString(found.slot, created, ds::TtlMode::kKeep, ds::kNoExpire,
                       ds::StringForm::kBuffer);
    length = created.size();
  } else {
    length = ctx.db().WriteString(found.slot, static_cast<size_t>(offset), patch);
  }
  ctx.Modified(key, '$', "setrange");
  ctx.reply.Integer(static_cast<int64_t>(length));
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
