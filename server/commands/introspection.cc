// COMMAND and its subcommands: everything is served from the command table (what Rill runs) and
// each command's metadata (server/meta/command_meta.h), in the reply shapes of Redis 7.0.
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "datastructs/glob.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/engine/key_specs.h"

namespace rill {
namespace {

using protocol::ReplyBuilder;

// ---- COMMAND INFO -------------------------------------------------------------------------

void ReplyStatusSet(ReplyBuilder& reply, std::span<const std::string_view> items) {
  reply.SetHeader(items.size());
  for (std::string_view s : items) reply.Simple(s);
}

void ReplyKeySpec(ReplyBuilder& reply, const KeySpecMeta& spec) {
  reply.MapHeader(spec.notes.empty() ? 3 : 4);
  if (!spec.notes.empty()) {
    reply.Bulk("notes");
    reply.Bulk(spec.notes);
  }
  reply.Bulk("flags");
  ReplyStatusSet(reply, spec.flags);

  reply.Bulk("begin_search");
  reply.MapHeader(2);
  reply.Bulk("type");
  reply.Bulk(spec.bs_type);
  reply.Bulk("spec");
  if (spec.bs_type == "index") {
    reply.MapHeader(1);
    reply.Bulk("index");
    reply.Integer(spec.bs_index);
  } else if (spec.bs_type == "keyword") {
    reply.MapHeader(2);
    reply.Bulk("keyword");
    reply.Bulk(spec.bs_keyword);
    reply.Bulk("startfrom");
    reply.Integer(spec.bs_startfrom);
  } else {
    reply.MapHeader(0);
  }

  reply.Bulk("find_keys");
  reply.MapHeader(2);
  reply.Bulk("type");
  reply.Bulk(spec.fk_type);
  reply.Bulk("spec");
  if (spec.fk_type == "range") {
    reply.MapHeader(3);
    reply.Bulk("lastkey");
    reply.Integer(spec.fk_lastkey);
    reply.Bulk("keystep");
    reply.Integer(spec.fk_keystep);
    reply.Bulk("limit");
    reply.Integer(spec.fk_limit);
  } else if (spec.fk_type == "keynum") {
    reply.MapHeader(3);
    reply.Bulk("keynumidx");
    reply.Integer(spec.fk_keynumidx);
    reply.Bulk("firstkey");
    reply.Integer(spec.fk_firstkey);
    reply.Bulk("keystep");
    reply.Integer(spec.fk_keystep);
  } else {
    reply.MapHeader(0);
  }
}

void ReplyCommandInfo(ReplyBuilder& reply, const Command& cmd) {
  const CommandMeta& meta = *cmd.meta;
  reply.ArrayHeader(10);
  reply.Bulk(meta.name);
  reply.Integer(meta.arity);
  ReplyStatusSet(reply, meta.flags);
  reply.Integer(meta.first_key);
  reply.Integer(meta.last_key);
  reply.Integer(meta.key_step);
  ReplyStatusSet(reply, meta.acl_categories);
  reply.SetHeader(meta.tips.size());
  for (std::string_view tip : meta.tips) reply.Bulk(tip);
  reply.SetHeader(meta.key_specs.size());
  for (const KeySpecMeta& spec : meta.key_specs) ReplyKeySpec(reply, spec);
  // Redis answers an empty set for a plain command but an array for a container's subcommands.
  if (cmd.subcommands.empty()) {
    reply.SetHeader(0);
    return;
  }
  reply.ArrayHeader(cmd.subcommands.size());
  for (const auto& [name, sub] : cmd.subcommands) ReplyCommandInfo(reply, sub);
}

// ---- COMMAND DOCS -------------------------------------------------------------------------

void ReplyArgs(ReplyBuilder& reply, std::span<const ArgMeta> args) {
  reply.ArrayHeader(args.size());
  for (const ArgMeta& arg : args) {
    size_t fields = 2 + (!arg.display_text.empty()) + (arg.key_spec_index >= 0) +
                    (!arg.token.empty()) + (!arg.summary.empty()) + (!arg.since.empty()) +
                    (arg.flags != 0) + (!arg.deprecated_since.empty()) + (!arg.arguments.empty());
    reply.MapHeader(fields);
    reply.Bulk("name");
    reply.Bulk(arg.name);
    reply.Bulk("type");
    reply.Bulk(arg.type);
    if (!arg.display_text.empty()) {
      reply.Bulk("display_text");
      reply.Bulk(arg.display_text);
    }
    if (arg.key_spec_index >= 0) {
      reply.Bulk("key_spec_index");
      reply.Integer(arg.key_spec_index);
    }
    if (!arg.token.empty()) {
      reply.Bulk("token");
      reply.Bulk(arg.token);
    }
    if (!arg.summary.empty()) {
      reply.Bulk("summary");
      reply.Bulk(arg.summary);
    }
    if (!arg.since.empty()) {
      reply.Bulk("since");
      reply.Bulk(arg.since);
    }
    if (arg.flags != 0) {
      reply.Bulk("flags");
      reply.SetHeader(((arg.flags & kArgOptional) != 0) + ((arg.flags & kArgMultiple) != 0) +
                      ((arg.flags & kArgMultipleToken) != 0));
      if (arg.flags & kArgOptional) reply.Simple("optional");
      if (arg.flags & kArgMultiple) reply.Simple("multiple");
      if (arg.flags & kArgMultipleToken) reply.Simple("multiple_token");
    }
    if (!arg.deprecated_since.empty()) {
      reply.Bulk("deprecated_since");
      reply.Bulk(arg.deprecated_since);
    }
    if (!arg.arguments.empty()) {
      reply.Bulk("arguments");
      ReplyArgs(reply, arg.arguments);
    }
  }
}

void ReplyCommandDocs(ReplyBuilder& reply, const Command& cmd) {
  const CommandMeta& meta = *cmd.meta;
  size_t fields = 3 + (!meta.complexity.empty()) + (!meta.doc_flags.empty()) +
                  (!meta.deprecated_since.empty()) + (!meta.replaced_by.empty()) +
                  (!meta.history.empty()) + (!meta.arguments.empty()) + (!cmd.subcommands.empty());
  reply.MapHeader(fields);
  reply.Bulk("summary");
  reply.Bulk(meta.summary);
  reply.Bulk("since");
  reply.Bulk(meta.since);
  reply.Bulk("group");
  reply.Bulk(meta.group);
  if (!meta.complexity.empty()) {
    reply.Bulk("complexity");
    reply.Bulk(meta.complexity);
  }
  if (!meta.doc_flags.empty()) {
    reply.Bulk("doc_flags");
    ReplyStatusSet(reply, meta.doc_flags);
  }
  if (!meta.deprecated_since.empty()) {
    reply.Bulk("deprecated_since");
    reply.Bulk(meta.deprecated_since);
  }
  if (!meta.replaced_by.empty()) {
    reply.Bulk("replaced_by");
    reply.Bulk(meta.replaced_by);
  }
  if (!meta.history.empty()) {
    reply.Bulk("history");
    reply.SetHeader(meta.history.size());
    for (const auto& [version, note] : meta.history) {
      reply.ArrayHeader(2);
      reply.Bulk(version);
      reply.Bulk(note);
    }
  }
  if (!meta.arguments.empty()) {
    reply.Bulk("arguments");
    ReplyArgs(reply, meta.arguments);
  }
  if (!cmd.subcommands.empty()) {
    reply.Bulk("subcommands");
    reply.MapHeader(cmd.subcommands.size());
    for (const auto& [name, sub] : cmd.subcommands) {
      reply.Bulk(sub.meta->name);
      ReplyCommandDocs(reply, sub);
    }
  }
}

// ---- lookups ------------------------------------------------------------------------------

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(std::string(s)); }

// "get", "config|get" (any case), as COMMAND INFO / DOCS accept them. nullptr if Rill does not
// run that command.
const Command* FindByFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const Command* cmd = table.Find(name.substr(0, bar));
  if (cmd == nullptr || cmd->meta == nullptr) return nullptr;
  if (bar == std::string_view::npos) return cmd;
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  auto it = cmd->subcommands.find(Lower(sub));
  return it == cmd->subcommands.end() ? nullptr : &it->second;
}

// The command a full command line (`GET k`, `CONFIG GET x`) would run, as the dispatcher
// resolves it. nullptr if unknown.
const Command* FindForArgs(const CommandTable& table, std::span<const std::string_view> args) {
  const Command* cmd = table.Find(args[0]);
  if (cmd == nullptr || cmd->meta == nullptr) return nullptr;
  if (cmd->subcommands.empty()) return cmd;
  if (args.size() < 2) return nullptr;
  auto it = cmd->subcommands.find(Lower(args[1]));
  return it == cmd->subcommands.end() ? nullptr : &it->second;
}

// ---- COMMAND GETKEYS ----------------------------------------------------------------------

// Key-spec flags as GETKEYSANDFLAGS shows them: the markers about the spec itself are hidden.
std::vector<std::string_view> ShownFlags(const FoundKey& key) {
  std::vector<std::string_view> shown;
  for (std::string_view f : key.flags) {
    if (f != "variable_flags" && f != "incomplete") shown.push_back(f);
  }
  return shown;
}

void GetKeys(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> args = ctx.args.subspan(2);
  const Command* cmd = FindForArgs(ctx.engine.commands(), args);
  if (cmd == nullptr) return ctx.reply.Error("ERR Invalid command specified");
  const CommandMeta& meta = *cmd->meta;
  if (!CommandHasKeys(meta)) return ctx.reply.Error("ERR The command has no key arguments");
  const int argc = static_cast<int>(args.size());
  if ((meta.arity > 0 && meta.arity != argc) || argc < -meta.arity) {
    return ctx.reply.Error("ERR Invalid number of arguments specified for command");
  }
  std::vector<FoundKey> keys;
  if (!FindCommandKeys(meta, args, &keys) || keys.empty()) {
    if (ContainsFlag(meta.flags, "no_mandatory_keys")) return ctx.reply.EmptyArray();
    return ctx.reply.Error("ERR Invalid arguments specified for command");
  }
  ctx.reply.ArrayHeader(keys.size());
  for (const FoundKey& key : keys) {
    if (!with_flags) {
      ctx.reply.Bulk(args[key.pos]);
      continue;
    }
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk(args[key.pos]);
    ReplyStatusSet(ctx.reply, ShownFlags(key));
  }
}

// ---- handlers -----------------------------------------------------------------------------

void CmdCommand(CommandContext& ctx) {
  const CommandTable& table = ctx.engine.commands();
  ctx.reply.ArrayHeader(table.size());
  table.ForEach([&](const Command& cmd) { ReplyCommandInfo(ctx.reply, cmd); });
}

void CmdCommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return CmdCommand(ctx);
  const CommandTable& table = ctx.engine.commands();
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const Command* cmd = FindByFullName(table, ctx.args[i]);
    if (cmd == nullptr) {
      ctx.reply.Null();
    } else {
      ReplyCommandInfo(ctx.reply, *cmd);
    }
  }
}

void CmdCommandDocs(CommandContext& ctx) {
  const CommandTable& table = ctx.engine.commands();
  if (ctx.argc() == 2) {
    ctx.reply.MapHeader(table.size());
    table.ForEach([&](const Command& cmd) {
      ctx.reply.Bulk(cmd.meta->name);
      ReplyCommandDocs(ctx.reply, cmd);
    });
    return;
  }
  std::vector<const Command*> found;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (const Command* cmd = FindByFullName(table, ctx.args[i])) found.push_back(cmd);
  }
  ctx.reply.MapHeader(found.size());
  for (const Command* cmd : found) {
    ctx.reply.Bulk(cmd->meta->name);
    ReplyCommandDocs(ctx.reply, *cmd);
  }
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.commands().size()));
}

void CmdCommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCategory, kPattern } filter = Filter::kNone;
  std::string_view value;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.args[2], "filterby")) {
    if (EqualsIgnoreCase(ctx.args[3], "module")) {
      filter = Filter::kModule;
    } else if (EqualsIgnoreCase(ctx.args[3], "aclcat")) {
      filter = Filter::kAclCategory;
    } else if (EqualsIgnoreCase(ctx.args[3], "pattern")) {
      filter = Filter::kPattern;
    }
    value = ctx.args[4];
  }
  if (ctx.argc() != 2 && filter == Filter::kNone) return ctx.reply.Error("ERR syntax error");

  std::string category = "@" + Lower(value);
  auto matches = [&](const Command& cmd) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // Rill has no modules.
      case Filter::kAclCategory:
        return ContainsFlag(cmd.meta->acl_categories, category);
      case Filter::kPattern:
        return ds::GlobMatch(value, cmd.meta->name, /*nocase=*/true);
    }
    return false;
  };
  size_t token = ctx.reply.BeginDeferredArray();
  size_t n = 0;
  auto add = [&](const Command& cmd) {
    if (cmd.meta == nullptr || !matches(cmd)) return;
    ctx.reply.Bulk(cmd.meta->name);
    ++n;
  };
  ctx.engine.commands().ForEach([&](const Command& cmd) {
    add(cmd);
    for (const auto& [name, sub] : cmd.subcommands) add(sub);
  });
  ctx.reply.EndDeferredArray(token, n);
}

void CmdCommandGetKeys(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/false); }
void CmdCommandGetKeysAndFlags(CommandContext& ctx) { GetKeys(ctx, /*with_flags=*/true); }

void CmdCommandHelp(CommandContext& ctx) {
  // The same help lines Redis 7.0 prints, so clients and tests see identical output.
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterIntrospectionCommands(CommandTable& table) {
  table.Add("command", CmdCommand);
  table.Add("command|count", CmdCommandCount);
  table.Add("command|docs", CmdCommandDocs);
  table.Add("command|getkeys", CmdCommandGetKeys);
  table.Add("command|getkeysandflags", CmdCommandGetKeysAndFlags);
  table.Add("command|help", CmdCommandHelp);
  table.Add("command|info", CmdCommandInfo);
  table.Add("command|list", CmdCommandList);
}

}  // namespace rill
