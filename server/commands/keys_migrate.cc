// MIGRATE, as Redis 7.0's migrateCommand (cluster.c): the keys are sent to another server as
// RESTORE commands (DUMP payloads, persistence/dump_payload.h) over a blocking connection that
// is kept for the next MIGRATE to the same host:port, preceded by AUTH and by SELECT when the
// connection's database is not the target one. Keys the target acknowledged are deleted here
// (unless COPY) and the command propagates as DEL of them.
//
// As Redis: the event loop waits for the target, each step bounded by the timeout (1000 ms when
// it is not positive); a connection that fails before any reply is retried once (not on a
// timeout); a cached connection idle for more than 10 seconds is closed (checked once a second
// while any is cached, as Redis's cron does, so the target sees the connection go), and at most
// 64 are kept.
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "persistence/dump_payload.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/engine.h"
#include "server/net/sync_connection.h"

namespace rill {
namespace {

constexpr int64_t kCachedSocketTtlMs = 10'000;
constexpr size_t kMaxCachedSockets = 64;

struct CachedSocket {
  std::unique_ptr<SyncConnection> conn;
  int64_t last_dbid = -1;
  int64_t last_use_ms = 0;
};

// host:port -> connection. Only the event-loop thread runs commands.
std::map<std::string, CachedSocket>& Sockets() {
  static auto* sockets = new std::map<std::string, CachedSocket>();
  return *sockets;
}

void CloseIdleSockets(int64_t now_ms) {
  auto& sockets = Sockets();
  for (auto it = sockets.begin(); it != sockets.end();) {
    it = now_ms - it->second.last_use_ms > kCachedSocketTtlMs ? sockets.erase(it) : std::next(it);
  }
}

// Redis's migrateCloseTimedoutSockets, run once a second from its cron: here a timer that runs
// while connections are cached, so that an idle server has no timer for it.
bool sweep_scheduled = false;

void ScheduleSweep(Engine& engine) {
  if (sweep_scheduled) return;
  sweep_scheduled = true;
  engine.RunAfter(1000, [&engine] {
    sweep_scheduled = false;
    CloseIdleSockets(NowMs());
    if (!Sockets().empty()) ScheduleSweep(engine);
  });
}

// Redis's migrateGetSocket: the cached connection or a new one; null after the error reply.
CachedSocket* GetSocket(CommandContext& ctx, std::string_view host, std::string_view port,
                        int64_t timeout_ms) {
  auto& sockets = Sockets();
  const std::string name = absl::StrCat(ToAbsl(host), ":", ToAbsl(port));
  auto it = sockets.find(name);
  if (it != sockets.end()) {
    it->second.last_use_ms = ctx.now_ms;
    return &it->second;
  }
  if (sockets.size() >= kMaxCachedSockets) sockets.erase(sockets.begin());
  // atoi, as Redis: a port that is not a number connects to port 0 and fails.
  const int port_number = std::atoi(std::string(port).c_str());
  std::unique_ptr<SyncConnection> conn =
      SyncConnection::Connect(std::string(host), port_number, timeout_ms);
  if (conn == nullptr) {
    ctx.reply.Error("IOERR error or timeout connecting to the client");
    return nullptr;
  }
  CachedSocket& cs = sockets[name];
  cs.conn = std::move(conn);
  cs.last_dbid = -1;
  cs.last_use_ms = ctx.now_ms;
  ScheduleSweep(ctx.engine);
  return &cs;
}

void CloseSocket(std::string_view host, std::string_view port) {
  Sockets().erase(absl::StrCat(ToAbsl(host), ":", ToAbsl(port)));
}

void AppendBulk(std::string* out, std::string_view s) {
  absl::StrAppend(out, "$", s.size(), "\r\n", ToAbsl(s), "\r\n");
}

void CmdMigrate(CommandContext& ctx) {
  bool copy = false;
  bool replace = false;
  std::optional<std::string_view> username;
  std::optional<std::string_view> password;
  size_t first_key = 3;
  size_t num_keys = 1;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.args[j];
    const size_t more = ctx.argc() - 1 - j;
    if (EqualsIgnoreCase(arg, "copy")) {
      copy = true;
    } else if (EqualsIgnoreCase(arg, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(arg, "auth")) {
      if (more == 0) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      password = ctx.args[++j];
      ctx.Redact(j);
    } else if (EqualsIgnoreCase(arg, "auth2")) {
      if (more < 2) {
        ctx.reply.Error(errors::kSyntax);
        return;
      }
      username = ctx.args[++j];
      ctx.Redact(j);
      password = ctx.args[++j];
      ctx.Redact(j);
    } else if (EqualsIgnoreCase(arg, "keys")) {
      if (!ctx.args[3].empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return;
      }
      first_key = j + 1;
      num_keys = ctx.argc() - j - 1;
      break;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  int64_t timeout;
  int64_t dbid;
  if (!ParseInt64OrReply(ctx.args[5], &timeout, ctx.reply) ||
      !ParseInt64OrReply(ctx.args[4], &dbid, ctx.reply)) {
    return;
  }
  if (timeout <= 0) timeout = 1000;

  // The keys that are here; none at all is NOKEY (a key may just have expired).
  std::vector<std::string_view> keys;
  for (size_t j = 0; j < num_keys; ++j) {
    if (ctx.FindKey(ctx.args[first_key + j], kRead).entry() != nullptr) {
      keys.push_back(ctx.args[first_key + j]);
    }
  }
  if (keys.empty()) {
    ctx.reply.Simple("NOKEY");
    return;
  }

  const std::string_view host = ctx.args[1];
  const std::string_view port = ctx.args[2];
  CloseIdleSockets(ctx.now_ms);
  static const Config::IntParam kListNodeSize("list-max-listpack-size");
  persistence::RdbSaveOptions dump_options;
  dump_options.compression = ctx.engine.config().Bool("rdbcompression");
  dump_options.list_max_listpack_size = ctx.engine.config().Int(kListNodeSize);

  bool may_retry = true;
  while (true) {
    CachedSocket* cs = GetSocket(ctx, host, port, timeout);
    if (cs == nullptr) return;

    std::string cmd;
    if (password) {
      absl::StrAppend(&cmd, "*", username ? 3 : 2, "\r\n");
      AppendBulk(&cmd, "AUTH");
      if (username) AppendBulk(&cmd, *username);
      AppendBulk(&cmd, *password);
    }
    const bool select = cs->last_dbid != dbid;
    if (select) {
      absl::StrAppend(&cmd, "*2\r\n");
      AppendBulk(&cmd, "SELECT");
      AppendBulk(&cmd, std::to_string(dbid));
    }
    // Keys past their deadline since the lookup are left out.
    std::vector<std::string_view> sent;
    for (std::string_view key : keys) {
      const ds::Entry* entry = ctx.db().Find(key, ctx.now_ms, /*touch=*/false);
      if (entry == nullptr) continue;
      int64_t ttl = 0;
      if (entry->has_expire()) {
        ttl = entry->expire_ms() - ctx.now_ms;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      sent.push_back(key);
      absl::StrAppend(&cmd, "*", replace ? 5 : 4, "\r\n");
      AppendBulk(&cmd, "RESTORE");
      AppendBulk(&cmd, key);
      AppendBulk(&cmd, std::to_string(ttl));
      AppendBulk(&cmd, persistence::CreateDumpPayload(*entry, dump_options));
      if (replace) AppendBulk(&cmd, "REPLACE");
    }

    bool write_error = false;
    bool socket_error = false;
    bool timed_out = false;
    bool error_from_target = false;
    size_t replies = 0;
    std::vector<std::string> deleted;
    auto read_line = [&](std::string* line) {
      return cs->conn->ReadLine(line, 1023, timeout) && !line->empty();
    };
    std::string auth_reply, select_reply, restore_reply;
    if (!cs->conn->WriteAll(cmd, timeout)) {
      write_error = true;
      socket_error = true;
    } else if ((password && !read_line(&auth_reply)) || (select && !read_line(&select_reply))) {
      socket_error = true;
    } else {
      for (std::string_view key : sent) {
        if (!read_line(&restore_reply)) {
          socket_error = true;
          break;
        }
        ++replies;
        const std::string* error = password && auth_reply[0] == '-'   ? &auth_reply
                                   : select && select_reply[0] == '-' ? &select_reply
                                   : restore_reply[0] == '-'          ? &restore_reply
                                                                      : nullptr;
        if (error != nullptr) {
          if (!error_from_target) {
            cs->last_dbid = -1;
            error_from_target = true;
            ctx.reply.Error(
                absl::StrCat("ERR Target instance replied with error: ", error->substr(1)));
          }
        } else if (!copy) {
          ctx.db().Delete(key);
          ctx.Modified(key, 'g', "del");
          deleted.emplace_back(key);
        }
      }
    }
    timed_out = cs->conn->timed_out();

    // Nothing was processed and the first reply failed: a stale cached connection, worth one
    // more try on a new one (not after a timeout).
    if (!error_from_target && socket_error && replies == 0 && may_retry && !timed_out) {
      CloseSocket(host, port);
      may_retry = false;
      continue;
    }
    if (socket_error) CloseSocket(host, port);
    if (!deleted.empty()) {
      std::vector<std::string> del = {"DEL"};
      del.insert(del.end(), deleted.begin(), deleted.end());
      ctx.RewriteCommand(std::move(del));
    }
    if (!error_from_target && socket_error) {
      ctx.reply.Error(absl::StrCat("IOERR error or timeout ", write_error ? "writing" : "reading",
                                   " to target instance"));
      return;
    }
    if (!error_from_target) {
      cs->last_dbid = dbid;
      ctx.reply.Simple("OK");
    }
    return;
  }
}

}  // namespace

void RegisterMigrateCommands(CommandTable& table) { table.Add("migrate", CmdMigrate); }

}  // namespace rill
