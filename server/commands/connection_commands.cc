// Connection commands: PING ECHO QUIT RESET HELLO AUTH SELECT-free client state and CLIENT.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/acl/acl.h"
#include "server/commands/arg_parse.h"
#include "server/engine/client.h"
#include "server/engine/client_info.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

constexpr std::string_view kRedisCompatVersion = "7.0.15";

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(errors::WrongArity("ping"));
    return;
  }
  if (ctx.client.resp == 2 && ctx.client.subscribed()) {
    // A subscribed RESP2 connection gets PING's answer in the shape of a message.
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.args[1] : std::string_view());
    return;
  }
  if (ctx.argc() == 2) {
    ctx.reply.Bulk(ctx.args[1]);
  } else {
    ctx.reply.Simple("PONG");
  }
}

void CmdEcho(CommandContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

void CmdQuit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client.close_after_reply = true;
}

void CmdReset(CommandContext& ctx) {
  ctx.client.in_multi = false;
  ctx.client.multi_aborted = false;
  ctx.client.multi_queue.clear();
  ctx.engine.watches().UnwatchAll(ctx.client);
  ctx.engine.pubsub().RemoveClient(ctx.client);
  ctx.engine.tracking().Disable(ctx.client);
  ctx.client.db = 0;
  ctx.client.resp = 2;
  ctx.client.name.clear();
  ctx.engine.SetClientUser(ctx.client, ctx.engine.acl().default_user(),
                           ctx.engine.acl().NewClientAuthenticated());
  ctx.reply.set_resp3(false);
  ctx.reply.Simple("RESET");
}

// Logs in as `user` if the password matches and the user is on; a failure is recorded in
// ACL LOG (object: the command as sent, AUTH or HELLO) and answered with WRONGPASS.
bool AuthenticateClient(CommandContext& ctx, std::string_view user, std::string_view pass) {
  const acl::User* found = ctx.engine.acl().Authenticate(user, pass);
  if (found == nullptr) {
    ctx.engine.AddAclLogEntry(ctx.client, acl::Denial::kAuth, ctx.args[0], user);
    ctx.reply.Error(errors::kWrongPass);
    return false;
  }
  ctx.engine.SetClientUser(ctx.client, *found, true);
  return true;
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  // The password (and the user name) never reach the slow log or MONITOR.
  for (size_t i = 1; i < ctx.argc(); ++i) ctx.Redact(i);
  if (ctx.argc() == 2 && ctx.engine.acl().default_user().nopass()) {
    ctx.reply.Error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
    return;
  }
  std::string_view user = ctx.argc() == 3 ? ctx.args[1] : "default";
  std::string_view pass = ctx.args[ctx.argc() - 1];
  if (AuthenticateClient(ctx, user, pass)) ctx.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

void CmdHello(CommandContext& ctx) {
  int64_t version = ctx.client.resp;
  size_t i = 1;
  if (ctx.argc() >= 2) {
    if (!ParseInt64(ctx.args[1], &version)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
    i = 2;
  }
  // Options take effect one by one, as in Redis 7.0: an AUTH or SETNAME before a bad option
  // stays applied.
  for (; i < ctx.argc(); ++i) {
    size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(ctx.args[i], "AUTH") && left >= 2) {
      ctx.Redact(i + 1);
      ctx.Redact(i + 2);
      if (!AuthenticateClient(ctx, ctx.args[i + 1], ctx.args[i + 2])) return;
      i += 2;
    } else if (EqualsIgnoreCase(ctx.args[i], "SETNAME") && left >= 1) {
      if (!ValidClientName(ctx.args[i + 1])) {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      ctx.client.name = std::string(ctx.args[i + 1]);
      ++i;
    } else {
      ctx.reply.Error(absl::StrCat("ERR Syntax error in HELLO option '", ToAbsl(ctx.args[i]), "'"));
      return;
    }
  }
  if (!ctx.client.authenticated) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
    return;
  }
  ctx.client.resp = static_cast<int>(version);
  ctx.reply.set_resp3(version == 3);
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisCompatVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(version);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client.id));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk("master");
  ctx.reply.Bulk("modules");
  // Exactly Redis's seven fields: client libraries parse this map, and Rill's own version is
  // in INFO server (rill_version) instead.
  ctx.reply.EmptyArray();
}

void CmdClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client.id)); }

void CmdClientGetName(CommandContext& ctx) {
  if (ctx.client.name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.client.name);
  }
}

void CmdClientSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.args[2])) {
    ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  ctx.client.name = std::string(ctx.args[2]);
  ctx.reply.Ok();
}

void CmdClientList(CommandContext& ctx) {
  std::string out;
  bool filter_ids = false;
  std::vector<uint64_t> ids;
  ClientType type = ClientType::kAny;
  if (ctx.argc() >= 4 && EqualsIgnoreCase(ctx.args[2], "ID")) {
    filter_ids = true;
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!ParseInt64(ctx.args[i], &id) || id <= 0) {
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.args[2], "TYPE")) {
    if (!ParseClientType(ctx.args[3], &type)) {
      ctx.reply.Error(absl::StrCat("ERR Unknown client type '", ToAbsl(ctx.args[3]), "'"));
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<const Client*> clients;
  for (const auto& [id, client] : ctx.engine.clients()) {
    if (filter_ids && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    if (type != ClientType::kAny && TypeOf(*client) != type) continue;
    clients.push_back(client);
  }
  std::sort(clients.begin(), clients.end(),
            [](const Client* a, const Client* b) { return a->id < b->id; });
  for (const Client* client : clients) {
    AppendClientInfoLine(*client, ctx.now_ms, &out);
  }
  ctx.reply.Verbatim(out);
}

void CmdClientInfo(CommandContext& ctx) {
  std::string out;
  AppendClientInfoLine(ctx.client, ctx.now_ms, &out);
  ctx.reply.Verbatim(out);
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking wait.
void CmdClientUnblock(CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64OrReply(ctx.args[2], &id, ctx.reply)) return;
  BlockingRegistry::UnblockMode mode = BlockingRegistry::UnblockMode::kTimeout;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "error")) {
      mode = BlockingRegistry::UnblockMode::kError;
    } else if (!EqualsIgnoreCase(ctx.args[3], "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  bool unblocked = id > 0 && ctx.engine.blocking().Unblock(static_cast<uint64_t>(id), mode);
  ctx.reply.Integer(unblocked ? 1 : 0);
}

void CmdClientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of this connection.",
      "ID",
      "    Return the id of this connection.",
      "INFO",
      "    Describe this connection in the CLIENT LIST line format.",
      "KILL <ip:port>",
      "    Close the connection of the client at this address.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Close every connection matching all filters: ID <id>, ADDR <ip:port>,",
      "    LADDR <ip:port>, USER <name>, TYPE <type>, SKIPME (YES|NO).",
      "LIST [TYPE <type>] [ID <id> [<id> ...]]",
      "    Describe the open connections, one line each.",
      "NO-EVICT (ON|OFF)",
      "    Mark this connection as exempt from client eviction.",
      "PAUSE <timeout-ms> [WRITE|ALL]",
      "    Hold the commands of every client (ALL, the default) or only those that may",
      "    change data (WRITE) for <timeout-ms> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Turn replies to this connection off, back on, or drop only the next one.",
      "SETNAME <name>",
      "    Name this connection (no spaces or special characters).",
      "UNBLOCK <id> [TIMEOUT|ERROR]",
      "    End the blocking wait of another client, as a timeout or with an error.",
      "UNPAUSE",
      "    End a CLIENT PAUSE now.",
      "HELP",
      "    Show this text.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

}  // namespace

void RegisterConnectionCommands(CommandTable& table) {
  table.Add("ping", &CmdPing, kCmdAllowedWhileSubscribed);
  table.Add("echo", &CmdEcho);
  table.Add("quit", &CmdQuit, kCmdRunsInMulti | kCmdEndsTransaction | kCmdAllowedWhileSubscribed);
  table.Add("reset", &CmdReset, kCmdRunsInMulti | kCmdEndsTransaction | kCmdAllowedWhileSubscribed);
  table.Add("auth", &CmdAuth);
  table.Add("hello", &CmdHello);
  table.Add("client|id", &CmdClientId);
  table.Add("client|getname", &CmdClientGetName);
  table.Add("client|setname", &CmdClientSetName);
  table.Add("client|list", &CmdClientList);
  table.Add("client|info", &CmdClientInfo);
  table.Add("client|unblock", &CmdClientUnblock);
  table.Add("client|help", &CmdClientHelp);
}

}  // namespace rill
