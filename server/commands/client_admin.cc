// CLIENT subcommands that act on connections: KILL, PAUSE, UNPAUSE, REPLY, NO-EVICT.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/client.h"
#include "server/engine/client_info.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

// The filters of CLIENT KILL; every given one must match.
struct KillFilter {
  std::string_view addr;
  std::string_view laddr;
  std::string_view user;
  ClientType type = ClientType::kAny;
  uint64_t id = 0;
  bool skipme = true;
  bool has_addr = false;
  bool has_laddr = false;
  bool has_user = false;

  bool Matches(const Client& client, const Client& self) const {
    if (has_addr && client.addr != addr) return false;
    if (has_laddr && client.laddr != laddr) return false;
    if (type != ClientType::kAny && TypeOf(client) != type) return false;
    if (id != 0 && client.id != id) return false;
    if (has_user && client.user != user) return false;
    return !(skipme && &client == &self);
  }
};

// Parses "<option> <value> ..." pairs; replies and returns false on a bad one.
bool ParseKillFilter(CommandContext& ctx, KillFilter* f) {
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    if (i + 1 >= ctx.argc()) {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    std::string_view val = ctx.args[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      int64_t id;
      if (!ParseInt64(val, &id) || id < 1) {
        ctx.reply.Error("ERR client-id should be greater than 0");
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (!ParseClientType(val, &f->type)) {
        ctx.reply.Error(absl::StrCat("ERR Unknown client type '", ToAbsl(val), "'"));
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "addr")) {
      f->addr = val;
      f->has_addr = true;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      f->laddr = val;
      f->has_laddr = true;
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (ctx.engine.acl().Find(val) == nullptr) {
        ctx.reply.Error(absl::StrCat("ERR No such user '", ToAbsl(val), "'"));
        return false;
      }
      f->user = val;
      f->has_user = true;
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        f->skipme = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        f->skipme = false;
      } else {
        ctx.reply.Error(errors::kSyntax);
        return false;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
void CmdClientKill(CommandContext& ctx) {
  KillFilter filter;
  const bool old_form = ctx.argc() == 3;
  if (old_form) {
    // The old form matches the peer address and may kill the caller itself.
    filter.addr = ctx.args[2];
    filter.has_addr = true;
    filter.skipme = false;
  } else if (!ParseKillFilter(ctx, &filter)) {
    return;
  }
  std::vector<Client*> victims;
  for (const auto& [id, client] : ctx.engine.clients()) {
    if (filter.Matches(*client, ctx.client)) victims.push_back(client);
  }
  for (Client* client : victims) {
    if (client == &ctx.client) {
      ctx.client.close_after_reply = true;  // after this reply is written
    } else if (client->kill) {
      client->kill();
    }
  }
  if (!old_form) {
    ctx.reply.Integer(static_cast<int64_t>(victims.size()));
  } else if (victims.empty()) {
    ctx.reply.Error("ERR No such client");
  } else {
    ctx.reply.Ok();
  }
}

// CLIENT PAUSE timeout-ms [WRITE|ALL]
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ctx.reply.Error(errors::SubcommandSyntax(ctx.args[1], "client"));
    return;
  }
  Engine::PauseType type = Engine::PauseType::kAll;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      type = Engine::PauseType::kWrite;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  int64_t timeout;
  if (!ParseInt64(ctx.args[2], &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error(errors::kTimeoutNegative);
    return;
  }
  // Redis adds the timeout to "now" without an overflow check: a huge one wraps into the past
  // and the pause ends at once. Same here, without the undefined behaviour.
  const int64_t end =
      timeout > 0
          ? static_cast<int64_t>(static_cast<uint64_t>(ctx.now_ms) + static_cast<uint64_t>(timeout))
          : 0;
  ctx.engine.PauseClients(Engine::PausePurpose::kClientCommand, type, end);
  ctx.reply.Ok();
}

void CmdClientUnpause(CommandContext& ctx) {
  ctx.engine.UnpauseClients(Engine::PausePurpose::kClientCommand);
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP have no reply of their own; the connection drops the
// replies (see Client::ReplyMode).
void CmdClientReply(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    ctx.client.reply_mode = Client::ReplyMode::kOn;
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    ctx.client.reply_mode = Client::ReplyMode::kOff;
  } else if (EqualsIgnoreCase(ctx.args[2], "skip")) {
    if (ctx.client.reply_mode != Client::ReplyMode::kOff) {
      ctx.client.reply_mode = Client::ReplyMode::kSkipNext;
    }
  } else {
    ctx.reply.Error(errors::kSyntax);
  }
}

void CmdClientNoEvict(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    ctx.client.no_evict = true;
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    ctx.client.no_evict = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterClientAdminCommands(CommandTable& table) {
  table.Add("client|kill", &CmdClientKill);
  table.Add("client|pause", &CmdClientPause);
  table.Add("client|unpause", &CmdClientUnpause);
  table.Add("client|reply", &CmdClientReply);
  table.Add("client|no-evict", &CmdClientNoEvict);
}

}  // namespace rill
