// Generic key commands: DEL UNLINK EXISTS TYPE TOUCH RENAME RENAMENX KEYS SCAN RANDOMKEY DBSIZE
// COPY MOVE SELECT SWAPDB FLUSHDB FLUSHALL. Expiry commands live in keys_expire.cc, OBJECT in
// keys_object.cc.
//
// Each handler reads as Redis's does: look up (lazy expiry happens inside Database::Find) →
// mutate → signal watchers and notifications → count the change in `dirty` → reply.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/keys_internal.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace keys_internal {

bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out, std::string_view error) {
  int64_t v;
  if (!ParseInt64(arg, &v) || v < INT32_MIN || v > INT32_MAX) {
    ctx.reply.Error(error.empty() ? errors::kNotInteger : error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

// Redis's parseScanCursorOrReply: strtoul over the whole argument, so "+5" and "-1" (which
// wraps) are accepted but a leading space, trailing bytes or overflow are not.
bool ParseScanCursor(std::string_view arg, uint64_t* cursor) {
  std::string buf(arg);
  if (!buf.empty() && std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(buf.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') return false;
  *cursor = v;
  return true;
}

}  // namespace keys_internal

namespace {

using keys_internal::IsExpired;
using keys_internal::ParseIntOrReply;

// Redis's selectDb range check.
bool ValidDb(const CommandContext& ctx, int index) {
  return index >= 0 && index < ctx.engine.num_databases();
}

// DEL and UNLINK: UNLINK always hands big values to the lazy-free thread, DEL when
// lazyfree-lazy-user-del is yes (server/engine/lazy_free.h); small ones are freed at once.
void CmdDel(CommandContext& ctx) {
  const bool lazy =
      EqualsIgnoreCase(ctx.args[0], "unlink") || ctx.engine.config().Bool("lazyfree-lazy-user-del");
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view key = ctx.args[i];
    // Looked up first so that an expired key goes through the expired path (event "expired")
    // and does not count as deleted, as in Redis.
    ds::KeySlot slot = ctx.FindKey(key, kWrite);
    if (slot.entry() == nullptr) continue;
    ctx.db().Delete(slot, lazy);
    ctx.Modified(key, 'g', "del");
    ++deleted;
  }
  ctx.reply.Integer(deleted);
}

// EXISTS counts repeated keys once per mention; TOUCH counts keys found. Both are reads, but
// only TOUCH counts as an access for LRU/LFU.
int64_t CountFound(CommandContext& ctx, bool touch) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.FindKey(ctx.args[i], touch ? kRead : kReadNoTouch).entry() != nullptr) ++found;
  }
  return found;
}

void CmdExists(CommandContext& ctx) { ctx.reply.Integer(CountFound(ctx, /*touch=*/false)); }

void CmdType(CommandContext& ctx) {
  ds::Entry* entry = ctx.FindKey(ctx.args[1], kReadNoTouch).entry();
  ctx.reply.Simple(entry == nullptr ? std::string_view("none") : ds::TypeName(entry->type()));
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  ds::Database& db = ctx.db();
  std::string_view from = ctx.args[1];
  std::string_view to = ctx.args[2];
  if (ctx.FindKey(from, kWrite).entry() == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  if (from == to) {
    if (nx) {
      ctx.reply.Integer(0);
    } else {
      ctx.reply.Ok();
    }
    return;
  }
  // Looking the destination up drops it first if it has expired (with its "expired" event),
  // as Redis's lookupKeyWrite does; a live destination is replaced by Rename.
  bool dest_exists = ctx.FindKey(to, kWrite).entry() != nullptr;
  if (nx && dest_exists) {
    ctx.reply.Integer(0);
    return;
  }
  db.Rename(from, to);
  ctx.Modified(from, 'g', "rename_from", /*changes=*/0);
  ctx.Modified(to, 'g', "rename_to");
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void CmdRename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// KEYS lists live keys only; like Redis it leaves expired ones in place (no deletion here).
void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.args[1];
  bool all = pattern == "*";
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  ctx.db().ForEach([&](const ds::Entry& entry) {
    if (IsExpired(entry, ctx.now_ms)) return;
    if (!all && !ds::GlobMatch(pattern, entry.key())) return;
    ctx.reply.Bulk(entry.key());
    ++n;
  });
  ctx.reply.EndDeferredArray(token, n);
}

void CmdScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!keys_internal::ParseScanCursor(ctx.args[1], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type_name;
  bool use_type = false;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    bool has_value = i + 1 < ctx.argc();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      if (!ParseInt64OrReply(ctx.args[i + 1], &count, ctx.reply)) return;
      if (count < 1) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      pattern = ctx.args[i + 1];
      use_pattern = pattern != "*";
    } else if (has_value && EqualsIgnoreCase(opt, "type")) {
      type_name = ctx.args[i + 1];
      use_type = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }

  ds::Database& db = ctx.db();
  std::vector<std::string> keys;
  std::vector<std::string> expired;
  uint64_t next = db.Scan(cursor, static_cast<size_t>(count), [&](const ds::Entry& entry) {
    if (use_pattern && !ds::GlobMatch(pattern, entry.key())) return;
    if (use_type && !EqualsIgnoreCase(type_name, ds::TypeName(entry.type()))) return;
    if (IsExpired(entry, ctx.now_ms)) {
      expired.emplace_back(entry.key());
      return;
    }
    keys.emplace_back(entry.key());
  });
  // Redis deletes the expired keys it meets during SCAN; do it after the walk so that the
  // segment being visited is not changed under the iteration.
  for (const std::string& key : expired) db.Find(key, ctx.now_ms);

  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(std::to_string(next));
  ctx.reply.ArrayHeader(keys.size());
  for (const std::string& key : keys) ctx.reply.Bulk(key);
}

void CmdRandomKey(CommandContext& ctx) {
  ds::Database& db = ctx.db();
  // Each expired pick is deleted, so the loop ends: with a live key or an empty database.
  while (const ds::Entry* entry = db.RandomEntry()) {
    if (!IsExpired(*entry, ctx.now_ms)) {
      ctx.reply.Bulk(entry->key());
      return;
    }
    std::string key(entry->key());
    db.Find(key, ctx.now_ms);
  }
  ctx.reply.Null();
}

void CmdDbSize(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.db().size())); }

void CmdTouch(CommandContext& ctx) { ctx.reply.Integer(CountFound(ctx, /*touch=*/true)); }

// COPY source destination [DB destination-db] [REPLACE]
void CmdCopy(CommandContext& ctx) {
  int dest_index = ctx.client.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (EqualsIgnoreCase(ctx.args[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.args[i], "db") && i + 1 < ctx.argc()) {
      if (!ParseIntOrReply(ctx, ctx.args[i + 1], &dest_index)) return;
      if (!ValidDb(ctx, dest_index)) {
        ctx.reply.Error(errors::kDbIndexOutOfRange);
        return;
      }
      ++i;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  std::string_view source = ctx.args[1];
  std::string_view dest_key = ctx.args[2];
  if (dest_index == ctx.client.db && source == dest_key) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  if (ctx.FindKey(source).entry() == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ds::Database& dest = ctx.engine.db(dest_index);
  if (dest.Find(dest_key, ctx.now_ms) != nullptr && !replace) {
    ctx.reply.Integer(0);
    return;
  }
  ctx.db().CopyTo(source, dest, dest_key);
  ctx.Modified(dest_index, dest_key, 'g', "copy_to");
  ctx.reply.Integer(1);
}

void CmdMove(CommandContext& ctx) {
  int dest_index;
  if (!ParseIntOrReply(ctx, ctx.args[2], &dest_index)) return;
  if (!ValidDb(ctx, dest_index)) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  int src_index = ctx.client.db;
  if (dest_index == src_index) {
    ctx.reply.Error(errors::kSameObject);
    return;
  }
  std::string_view key = ctx.args[1];
  ds::Database& src = ctx.db();
  ds::Database& dest = ctx.engine.db(dest_index);
  if (src.Find(key, ctx.now_ms) == nullptr || dest.Find(key, ctx.now_ms) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  src.MoveTo(key, dest);
  ctx.Modified(src_index, key, 'g', "move_from", /*changes=*/0);
  ctx.Modified(dest_index, key, 'g', "move_to");
  ctx.reply.Integer(1);
}

void CmdSelect(CommandContext& ctx) {
  int index;
  if (!ParseIntOrReply(ctx, ctx.args[1], &index)) return;
  if (!ValidDb(ctx, index)) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client.db = index;
  ctx.reply.Ok();
}

// SWAPDB index1 index2. WATCHed keys of both databases should become dirty and clients blocked
// on keys of either should be re-checked; the engine has no per-database hook for that yet.
void CmdSwapDb(CommandContext& ctx) {
  int first, second;
  if (!ParseIntOrReply(ctx, ctx.args[1], &first, "ERR invalid first DB index")) return;
  if (!ParseIntOrReply(ctx, ctx.args[2], &second, "ERR invalid second DB index")) return;
  if (!ValidDb(ctx, first) || !ValidDb(ctx, second)) {
    ctx.reply.Error(errors::kDbIndexOutOfRange);
    return;
  }
  if (first != second) {
    ctx.engine.DatabaseWillChange(first, second);
    ctx.engine.db(first).Swap(ctx.engine.db(second));
    // Clients blocked in either database may now find their list or stream.
    ctx.engine.blocking().SignalAllWaitedKeys(first);
    ctx.engine.blocking().SignalAllWaitedKeys(second);
  }
  ctx.DatabaseChanged(1);
  ctx.reply.Ok();
}

// FLUSHDB / FLUSHALL accept exactly one optional ASYNC or SYNC; without one,
// lazyfree-lazy-user-flush chooses. False (replied) on anything else.
bool ParseFlushMode(CommandContext& ctx, bool* async) {
  if (ctx.argc() == 1) {
    *async = ctx.engine.config().Bool("lazyfree-lazy-user-flush");
    return true;
  }
  if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.args[1], "sync")) {
    *async = false;
    return true;
  }
  if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.args[1], "async")) {
    *async = true;
    return true;
  }
  ctx.reply.Error(errors::kSyntax);
  return false;
}

void CmdFlushDb(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.engine.DatabaseWillChange(ctx.client.db);
  ctx.engine.tracking().InvalidateAllOnFlush();
  ctx.DatabaseChanged(ctx.db().size());
  ctx.engine.EmptyDatabase(ctx.client.db, async);
  // Waiters on flushed keys look again (XREADGROUP ones fail with -UNBLOCKED, as in Redis).
  ctx.engine.blocking().SignalAllWaitedKeys(ctx.client.db);
  // Logged even when the database was already empty, as Redis does.
  ctx.ForcePropagation();
  ctx.reply.Ok();
}

void CmdFlushAll(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return;
  ctx.engine.tracking().InvalidateAllOnFlush();
  for (int i = 0; i < ctx.engine.num_databases(); ++i) {
    ctx.engine.DatabaseWillChange(i);
    ctx.DatabaseChanged(ctx.engine.db(i).size());
    ctx.engine.EmptyDatabase(i, async);
    ctx.engine.blocking().SignalAllWaitedKeys(i);
  }
  // Redis 7.0 counts only the removed keys (it forces AOF/replica propagation separately, so an
  // empty FLUSHALL is still logged) and, when save points are configured, writes an RDB right
  // away, which resets the counter; the persistence layer owns that part.
  ctx.ForcePropagation();
  ctx.reply.Ok();
}

}  // namespace

void RegisterKeyCommands(CommandTable& table) {
  table.Add("del", &CmdDel);
  table.Add("unlink", &CmdDel);
  table.Add("exists", &CmdExists);
  table.Add("type", &CmdType);
  table.Add("touch", &CmdTouch);
  table.Add("rename", &CmdRename);
  table.Add("renamenx", &CmdRenameNx);
  table.Add("keys", &CmdKeys);
  table.Add("scan", &CmdScan);
  table.Add("randomkey", &CmdRandomKey);
  table.Add("dbsize", &CmdDbSize);
  table.Add("copy", &CmdCopy);
  table.Add("move", &CmdMove);
  table.Add("select", &CmdSelect);
  table.Add("swapdb", &CmdSwapDb);
  table.Add("flushdb", &CmdFlushDb);
  table.Add("flushall", &CmdFlushAll);
  keys_internal::RegisterExpireCommands(table);
  keys_internal::RegisterObjectCommands(table);
}

}  // namespace rill
