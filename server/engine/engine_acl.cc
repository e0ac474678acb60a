// The engine's side of ACLs: checking a restricted user's command, the ACL log entries it
// writes, and disconnecting clients whose user went away or lost channels.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "datastructs/glob.h"
#include "server/engine/client_info.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

// Redis's NOPERM texts: the one processCommand replies, and the one EXEC replies for a queued
// command the rules no longer allow.
std::string DenialError(acl::Denial denial, const Command& cmd) {
  switch (denial) {
    case acl::Denial::kKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case acl::Denial::kChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return absl::StrCat("NOPERM this user has no permissions to run the '", cmd.name,
                          "' command");
  }
}

std::string ExecDenialError(acl::Denial denial) {
  std::string_view reason = "no permission";
  switch (denial) {
    case acl::Denial::kCommand:
      reason = "no permission to execute the command or subcommand";
      break;
    case acl::Denial::kKey:
      reason = "no permission to touch the specified keys";
      break;
    case acl::Denial::kChannel:
      reason = "no permission to access one of the channels used as arguments";
      break;
    default:
      break;
  }
  return absl::StrCat(
      "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
      "call. This command is no longer allowed for the following reason: ",
      ToAbsl(reason));
}

}  // namespace

void Engine::ConfigureAcl() {
  acl_.set_all_channels_default(config_.Int("acl-pubsub-default") == 1);
  config_.OnChange("acl-pubsub-default", [this] {
    acl_.set_all_channels_default(config_.Int("acl-pubsub-default") == 1);
  });
  // requirepass is the default user's password (ACL rules given later can still change it).
  std::string requirepass = config_.String("requirepass");
  if (!requirepass.empty()) acl_.SetDefaultPassword(requirepass);
  config_.OnChange("requirepass",
                   [this] { acl_.SetDefaultPassword(config_.String("requirepass")); });
  // CONFIG REWRITE keeps the users in the config file, unless they live in an aclfile.
  config_.set_rewrite_user_lines([this]() -> std::optional<std::vector<std::string>> {
    std::vector<std::string> lines;
    if (!config_.String("aclfile").empty()) return lines;
    for (const auto& [name, user] : acl_.users()) {
      lines.push_back(absl::StrCat("user ", name, " ", user->Describe()));
    }
    return lines;
  });
}

void Engine::SetClientUser(Client& client, const acl::User& user, bool authenticated) {
  client.acl_user = &user;
  client.user = user.name();
  client.authenticated = authenticated;
}

void Engine::AddAclLogEntry(const Client& client, acl::Denial reason, std::string_view object,
                            std::string_view username) {
  acl::LogEntry entry;
  entry.reason = reason;
  entry.context =
      client.in_multi || client.in_exec ? acl::LogContext::kMulti : acl::LogContext::kToplevel;
  entry.object = std::string(object);
  entry.username = std::string(username);
  entry.time_ms = NowMs();
  AppendClientInfoLine(client, entry.time_ms, &entry.client_info);
  if (!entry.client_info.empty() && entry.client_info.back() == '\n') entry.client_info.pop_back();
  acl_.log().Add(std::move(entry), static_cast<size_t>(config_.Int("acllog-max-len")));
}

bool Engine::AclAllows(Client& client, Command& cmd, std::span<const std::string_view> args,
                       protocol::ReplyBuilder& reply) {
  if (cmd.acl_id < 0) return true;  // not a Redis command: nothing names it in rules
  const acl::CommandEntry& entry = acl::CommandIndex::Get().at(cmd.acl_id);
  int pos = 0;
  const acl::Denial denial = client.acl_user->Check(entry, args, &pos);
  if (denial == acl::Denial::kNone) return true;
  AddAclLogEntry(client, denial, denial == acl::Denial::kCommand ? entry.fullname : args[pos],
                 client.user);
  if (client.in_exec) {
    // The rules changed after the command was queued: one error in EXEC's reply.
    reply.Error(ExecDenialError(denial));
    return false;
  }
  RejectCommand(client, cmd, DenialError(denial, cmd), reply);
  return false;
}

void Engine::DisconnectUserClients(const acl::User* user, Client* current) {
  std::vector<Client*> victims;
  for (const auto& [id, client] : clients_) {
    if (client->acl_user == user) victims.push_back(client);
  }
  for (Client* client : victims) {
    // As Redis: fall back to the default user, unauthenticated, before the close, so nothing
    // more can run as the removed user.
    SetClientUser(*client, acl_.default_user(), false);
    if (client == current) {
      client->close_after_reply = true;
    } else if (client->kill) {
      client->kill();
    }
  }
}

void Engine::DisconnectRevokedSubscribers(const acl::User& user, const acl::User& updated,
                                          Client* current) {
  for (const acl::Selector& s : updated.selectors()) {
    if (s.all_channels()) return;
  }
  std::vector<std::string_view> allowed;
  for (const acl::Selector& s : updated.selectors()) {
    allowed.insert(allowed.end(), s.channels().begin(), s.channels().end());
  }
  // Nothing to do when the new channel rules contain every old one.
  bool superset = true;
  for (const acl::Selector& s : user.selectors()) {
    if (s.all_channels()) superset = false;
    for (const std::string& c : s.channels()) {
      if (std::find(allowed.begin(), allowed.end(), c) == allowed.end()) superset = false;
    }
  }
  if (superset) return;
  auto allows = [&](std::string_view channel, bool is_pattern) {
    for (std::string_view p : allowed) {
      if (is_pattern ? p == channel : ds::GlobMatch(p, channel)) return true;
    }
    return false;
  };
  std::vector<Client*> victims;
  for (const auto& [id, client] : clients_) {
    if (client->acl_user != &user || !client->subscribed()) continue;
    bool revoked = false;
    for (const std::string& p : client->patterns) revoked |= !allows(p, true);
    for (const std::string& c : client->channels) revoked |= !allows(c, false);
    for (const std::string& c : client->shard_channels) revoked |= !allows(c, false);
    if (revoked) victims.push_back(client);
  }
  for (Client* client : victims) {
    if (client == current) {
      client->close_after_reply = true;
    } else if (client->kill) {
      client->kill();
    }
  }
}

}  // namespace rill
