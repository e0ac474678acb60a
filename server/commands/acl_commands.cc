// ACL and its subcommands: users and their rules (SETUSER GETUSER DELUSER LIST USERS WHOAMI),
// categories (CAT), checks without running (DRYRUN), passwords (GENPASS), the denial log (LOG)
// and the ACL file (LOAD SAVE), with Redis 7.0's replies and errors.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/acl/acl.h"
#include "server/acl/password.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

void ReplySyntax(CommandContext& ctx) {
  ctx.reply.Error(errors::SubcommandSyntax(ctx.args[1], ctx.args[0]));
}

void CmdAclSetUser(CommandContext& ctx) {
  // Rules may hold passwords: the slow log and MONITOR see none of them, nor the user's name.
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.Redact(i);
  std::string_view name = ctx.args[2];
  if (acl::HasSpacesOrNul(name)) {
    ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  std::vector<std::string> merged;
  size_t unmatched = 0;
  if (!acl::MergeSelectorArgs(ctx.args.subspan(3), &merged, &unmatched)) {
    ctx.reply.Error(absl::StrFormat("ERR Unmatched parenthesis in acl selector starting at '%s'.",
                                    std::string(ctx.args[3 + unmatched])));
    return;
  }
  std::vector<std::string_view> rules(merged.begin(), merged.end());
  std::string error;
  acl::Acl& acl = ctx.engine.acl();
  std::unique_ptr<acl::User> staged = acl.StageSetUser(name, rules, &error);
  if (staged == nullptr) {
    ctx.reply.Error(error);
    return;
  }
  if (const acl::User* existing = acl.Find(name)) {
    ctx.engine.DisconnectRevokedSubscribers(*existing, *staged, &ctx.client);
  }
  acl.CommitUser(*staged);
  ctx.reply.Ok();
}

void CmdAclDelUser(CommandContext& ctx) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (ctx.args[i] == "default") {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::unique_ptr<acl::User> user = ctx.engine.acl().RemoveUser(ctx.args[i]);
    if (user == nullptr) continue;
    ctx.engine.DisconnectUserClients(user.get(), &ctx.client);
    ++deleted;
  }
  ctx.reply.Integer(deleted);
}

// The commands / keys / channels fields of ACL GETUSER for one selector.
void ReplySelectorFields(CommandContext& ctx, const acl::Selector& selector) {
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(selector.DescribeCommands());
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(selector.DescribeKeys());
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(selector.DescribeChannels());
}

void CmdAclGetUser(CommandContext& ctx) {
  const acl::User* user = ctx.engine.acl().Find(ctx.args[2]);
  if (user == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  std::vector<std::string_view> flags = user->FlagNames();
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("passwords");
  ctx.reply.ArrayHeader(user->passwords().size());
  for (const std::string& p : user->passwords()) ctx.reply.Bulk(p);
  // The root selector's fields sit at the top level; the others are listed under "selectors".
  ReplySelectorFields(ctx, user->root());
  ctx.reply.Bulk("selectors");
  ctx.reply.ArrayHeader(user->selectors().size() - 1);
  for (const acl::Selector& s : user->selectors().subspan(1)) {
    ctx.reply.MapHeader(3);
    ReplySelectorFields(ctx, s);
  }
}

void CmdAclList(CommandContext& ctx) {
  const auto& users = ctx.engine.acl().users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& [name, user] : users) {
    ctx.reply.Bulk(absl::StrCat("user ", name, " ", user->Describe()));
  }
}

void CmdAclUsers(CommandContext& ctx) {
  const auto& users = ctx.engine.acl().users();
  ctx.reply.ArrayHeader(users.size());
  for (const auto& [name, user] : users) ctx.reply.Bulk(name);
}

void CmdAclWhoami(CommandContext& ctx) { ctx.reply.Bulk(ctx.client.user); }

void CmdAclCat(CommandContext& ctx) {
  if (ctx.argc() > 3) return ReplySyntax(ctx);
  if (ctx.argc() == 2) {
    ctx.reply.ArrayHeader(acl::kNumCategories);
    for (std::string_view name : acl::kCategoryNames) ctx.reply.Bulk(name);
    return;
  }
  int category = acl::CategoryIndex(ctx.args[2]);
  if (category < 0) {
    ctx.reply.Error(
        absl::StrFormat("ERR Unknown category '%s'", std::string(ctx.args[2].substr(0, 128))));
    return;
  }
  const acl::CommandBits& members = acl::CommandIndex::Get().InCategory(category);
  ctx.reply.ArrayHeader(members.count());
  for (const acl::CommandEntry& cmd : acl::CommandIndex::Get().all()) {
    if (members.test(cmd.id)) ctx.reply.Bulk(cmd.fullname);
  }
}

void CmdAclGenPass(CommandContext& ctx) {
  if (ctx.argc() > 3) return ReplySyntax(ctx);
  constexpr int64_t kMaxBits = 4096;
  int64_t bits = 256;
  if (ctx.argc() == 3 && !ParseInt64OrReply(ctx.args[2], &bits, ctx.reply)) return;
  if (bits <= 0 || bits > kMaxBits) {
    ctx.reply.Error(absl::StrFormat(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to %d",
        kMaxBits));
    return;
  }
  ctx.reply.Bulk(acl::RandomHex(static_cast<size_t>((bits + 3) / 4)));
}

void CmdAclLog(CommandContext& ctx) {
  if (ctx.argc() > 3) return ReplySyntax(ctx);
  acl::AclLog& log = ctx.engine.acl().log();
  int64_t count = 10;
  if (ctx.argc() == 3) {
    if (EqualsIgnoreCase(ctx.args[2], "reset")) {
      log.Reset();
      ctx.reply.Ok();
      return;
    }
    if (!ParseInt64OrReply(ctx.args[2], &count, ctx.reply)) return;
    count = std::max<int64_t>(count, 0);
  }
  const auto& entries = log.entries();
  const size_t n = std::min(static_cast<size_t>(count), entries.size());
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const acl::LogEntry& e = entries[i];
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(static_cast<int64_t>(e.count));
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(acl::AclLog::ReasonName(e.reason));
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(acl::AclLog::ContextName(e.context));
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(ctx.now_ms - e.time_ms) / 1000);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

void CmdAclDryRun(CommandContext& ctx) {
  const acl::User* user = ctx.engine.acl().Find(ctx.args[2]);
  if (user == nullptr) {
    ctx.reply.Error(absl::StrFormat("ERR User '%s' not found", std::string(ctx.args[2])));
    return;
  }
  std::span<const std::string_view> call = ctx.args.subspan(3);
  const acl::CommandEntry* cmd = acl::CommandIndex::Get().FindForArgs(call);
  if (cmd == nullptr) {
    ctx.reply.Error(absl::StrFormat("ERR Command '%s' not found", std::string(call[0])));
    return;
  }
  const int arity = cmd->meta->arity;
  const int argc = static_cast<int>(call.size());
  if ((arity > 0 && arity != argc) || argc < -arity) {
    ctx.reply.Error(errors::WrongArity(cmd->fullname));
    return;
  }
  int pos = 0;
  switch (user->Check(*cmd, call, &pos)) {
    case acl::Denial::kNone:
      ctx.reply.Ok();
      return;
    case acl::Denial::kKey:
      ctx.reply.Bulk(
          absl::StrCat("This user has no permissions to access the '", ToAbsl(call[pos]), "' key"));
      return;
    case acl::Denial::kChannel:
      ctx.reply.Bulk(absl::StrCat("This user has no permissions to access the '", ToAbsl(call[pos]),
                                  "' channel"));
      return;
    default:
      ctx.reply.Bulk(absl::StrCat("This user has no permissions to run the '",
                                  ToAbsl(cmd->fullname), "' command"));
  }
}

// The aclfile, or "" after replying Redis's error when none is configured.
std::string AclFileOrReply(CommandContext& ctx) {
  std::string path = ctx.engine.config().String("aclfile");
  if (path.empty()) {
    ctx.reply.Error(
        "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
        "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
        "Redis configuration file set) in order to store users in the Redis configuration.");
  }
  return path;
}

void CmdAclLoad(CommandContext& ctx) {
  std::string path = AclFileOrReply(ctx);
  if (path.empty()) return;
  std::string error;
  auto replaced = ctx.engine.acl().LoadFile(path, &error);
  if (!replaced) {
    ctx.reply.Error(absl::StrCat("ERR ", error));
    return;
  }
  // Every user but "default" is a new object now: clients of the old ones are disconnected.
  for (const auto& user : *replaced) ctx.engine.DisconnectUserClients(user.get(), &ctx.client);
  ctx.reply.Ok();
}

void CmdAclSave(CommandContext& ctx) {
  std::string path = AclFileOrReply(ctx);
  if (path.empty()) return;
  if (!ctx.engine.acl().SaveFile(path)) {
    ctx.reply.Error(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more "
        "information");
    return;
  }
  ctx.reply.Ok();
}

void CmdAclHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterAclCommands(CommandTable& table) {
  table.Add("acl|setuser", CmdAclSetUser);
  table.Add("acl|deluser", CmdAclDelUser);
  table.Add("acl|getuser", CmdAclGetUser);
  table.Add("acl|list", CmdAclList);
  table.Add("acl|users", CmdAclUsers);
  table.Add("acl|whoami", CmdAclWhoami);
  table.Add("acl|cat", CmdAclCat);
  table.Add("acl|genpass", CmdAclGenPass);
  table.Add("acl|log", CmdAclLog);
  table.Add("acl|dryrun", CmdAclDryRun);
  table.Add("acl|load", CmdAclLoad);
  table.Add("acl|save", CmdAclSave);
  table.Add("acl|help", CmdAclHelp);
}

}  // namespace rill
