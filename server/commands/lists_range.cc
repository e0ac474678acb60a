// LRANGE LTRIM LREM LPOS: commands over ranges and searches of a list.
#include <algorithm>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/lists_internal.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace lists_internal;

// Redis's range clamping for LRANGE/LTRIM: negative indexes count from the end; returns false
// when the range is empty.
bool ClampRange(int64_t start, int64_t end, size_t size, size_t* from, size_t* to) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(end);
  return true;
}

void CmdLRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64OrReply(ctx.args[2], &start, ctx.reply) ||
      !ParseInt64OrReply(ctx.args[3], &end, ctx.reply)) {
    return;
  }
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  size_t from, to;
  if (list == nullptr || !ClampRange(start, end, list->size(), &from, &to)) {
    ctx.reply.EmptyArray();
    return;
  }
  ctx.reply.ArrayHeader(to - from + 1);
  list->ForRange(from, to, false, [&](size_t, std::string_view v) {
    ctx.reply.Bulk(v);
    return true;
  });
}

void CmdLTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64OrReply(ctx.args[2], &start, ctx.reply) ||
      !ParseInt64OrReply(ctx.args[3], &end, ctx.reply)) {
    return;
  }
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kWrite);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    ctx.reply.Simple("OK");
    return;
  }
  size_t from, to;
  if (!ClampRange(start, end, list->size(), &from, &to)) {
    list->Erase(0, list->size());
  } else {
    list->Erase(to + 1, list->size() - to - 1);
    list->Erase(0, from);
  }
  ctx.Modified(ctx.args[1], 'l', "ltrim");
  if (list->empty()) ctx.DeleteEmptied(found);
  ctx.reply.Simple("OK");
}

void CmdLRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64OrReply(ctx.args[2], &count, ctx.reply)) return;
  TypedKey<ds::List> found = ctx.FindTyped<ds::List>(ctx.args[1], kWrite);
  if (found.wrong_type) return;
  ds::List* list = found.value;
  if (list == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::string_view value = ctx.args[3];
  const bool from_tail = count < 0;
  const uint64_t limit = count == 0  ? UINT64_MAX
                         : from_tail ? 0 - static_cast<uint64_t>(count)
                                     : static_cast<uint64_t>(count);
  // Collect matching indexes first (the walk must not see its own removals).
  std::vector<size_t> hits;
  list->ForRange(0, list->size() - 1, from_tail, [&](size_t i, std::string_view v) {
    if (v == value) hits.push_back(i);
    return hits.size() < limit;
  });
  // Remove from the highest index down so lower indexes stay valid.
  std::sort(hits.begin(), hits.end());
  for (size_t k = hits.size(); k-- > 0;) list->Erase(hits[k], 1);
  ctx.reply.Integer(static_cast<int64_t>(hits.size()));
  if (hits.empty()) return;
  ctx.Modified(ctx.args[1], 'l', "lrem", /*changes=*/hits.size());
  if (list->empty()) ctx.DeleteEmptied(found);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void CmdLPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    if (i + 1 >= ctx.argc()) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    if (EqualsIgnoreCase(opt, "rank")) {
      if (!ParseInt64OrReply(ctx.args[i + 1], &rank, ctx.reply)) return;
      if (rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64OrReply(ctx.args[i + 1], &count, ctx.reply)) return;
      if (count < 0) {
        ctx.reply.Error("ERR COUNT can't be negative");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "maxlen")) {
      if (!ParseInt64OrReply(ctx.args[i + 1], &maxlen, ctx.reply)) return;
      if (maxlen < 0) {
        ctx.reply.Error("ERR MAXLEN can't be negative");
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  const bool want_array = count != -1;
  TypedKey<ds::List> list_key = ctx.FindTyped<ds::List>(ctx.args[1], kRead);
  if (list_key.wrong_type) return;
  ds::List* list = list_key.value;
  if (list == nullptr) {
    if (want_array) {
      ctx.reply.EmptyArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  // As Redis: a negative rank searches from the tail; LLONG_MIN stays negative after the
  // sign flip, so that search returns the first match (matches >= rank always holds).
  const bool from_tail = rank < 0;
  if (from_tail) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));
  const uint64_t wanted = count == 0 ? UINT64_MAX : (count < 0 ? 1 : count);
  std::vector<int64_t> found;
  int64_t matches = 0;
  uint64_t scanned = 0;
  list->ForRange(0, list->size() - 1, from_tail, [&](size_t i, std::string_view v) {
    if (maxlen != 0 && scanned >= static_cast<uint64_t>(maxlen)) return false;
    ++scanned;
    if (v == ctx.args[2] && ++matches >= rank) found.push_back(static_cast<int64_t>(i));
    return found.size() < wanted;
  });
  if (!want_array) {
    if (found.empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(found[0]);
    }
    return;
  }
  ctx.reply.ArrayHeader(found.size());
  for (int64_t idx : found) ctx.reply.Integer(idx);
}

}  // namespace

void RegisterListRangeCommands(CommandTable& table) {
  table.Add("lrange", CmdLRange);
  table.Add("ltrim", CmdLTrim);
  table.Add("lrem", CmdLRem);
  table.Add("lpos", CmdLPos);
}

}  // namespace rill
