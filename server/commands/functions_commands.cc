// FCALL FCALL_RO and FUNCTION (Redis 7.0's functions.c commands); the work is in
// server/scripting/scripting.h.
#include <string>
#include <string_view>
#include <vector>

#include "common/string_util.h"
#include "datastructs/glob.h"
#include "persistence/function_payload.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/scripting/scripting.h"

namespace rill {
namespace {

using scripting::Scripting;

void CmdFcall(CommandContext& ctx) { ctx.engine.scripting().Fcall(ctx, false); }
void CmdFcallRo(CommandContext& ctx) { ctx.engine.scripting().Fcall(ctx, true); }

uint32_t FcallFlags(Engine& engine, std::span<const std::string_view> args, uint32_t flags) {
  return engine.scripting().FcallCommandFlags(args, flags);
}

// A change of the libraries: counted as a change and propagated as sent, as Redis's dirty++.
void LibrariesChanged(CommandContext& ctx) {
  ++ctx.engine.stats().dirty;
  ctx.ForcePropagation();
}

void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.argc() - 1) {
    std::string_view arg = ctx.args[pos++];
    if (EqualsIgnoreCase(arg, "replace")) {
      replace = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown option given: " + std::string(arg));
    return;
  }
  if (pos >= ctx.argc()) {
    ctx.reply.Error("ERR Function code is missing");
    return;
  }
  std::string result;
  // No time limit while the AOF replays (Redis's mustObeyClient).
  if (!ctx.engine.scripting().LoadLibrary(ctx.args[pos], replace, !ctx.engine.loading(),
                                          &result)) {
    ctx.reply.Error(result);
    return;
  }
  LibrariesChanged(ctx);
  ctx.reply.Bulk(result);
}

void CmdFunctionDelete(CommandContext& ctx) {
  if (!ctx.engine.scripting().DeleteLibrary(ctx.args[2])) {
    ctx.reply.Error("ERR Library not found");
    return;
  }
  LibrariesChanged(ctx);
  ctx.reply.Ok();
}

void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(errors::SubcommandSyntax("flush", "FUNCTION"));
    return;
  }
  if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "sync") &&
      !EqualsIgnoreCase(ctx.args[2], "async")) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.engine.scripting().FlushLibraries();
  LibrariesChanged(ctx);
  ctx.reply.Ok();
}

void ReplyFlags(protocol::ReplyBuilder& reply, uint32_t flags) {
  size_t n = 0;
  for (const scripting::ScriptFlagName& f : scripting::kScriptFlagNames) n += (flags & f.flag) != 0;
  reply.SetHeader(n);
  for (const scripting::ScriptFlagName& f : scripting::kScriptFlagNames) {
    if (flags & f.flag) reply.Simple(f.name);
  }
}

void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  bool has_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view arg = ctx.args[i];
    if (!with_code && EqualsIgnoreCase(arg, "withcode")) {
      with_code = true;
      continue;
    }
    if (!has_pattern && EqualsIgnoreCase(arg, "libraryname")) {
      if (i >= ctx.argc() - 1) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      pattern = ctx.args[++i];
      has_pattern = true;
      continue;
    }
    ctx.reply.Error("ERR Unknown argument " + std::string(arg));
    return;
  }
  std::vector<const scripting::Library*> shown;
  for (const auto& lib : ctx.engine.scripting().libraries()) {
    if (has_pattern && !ds::GlobMatch(pattern, lib->name, /*nocase=*/true)) continue;
    shown.push_back(lib.get());
  }
  ctx.reply.ArrayHeader(shown.size());
  for (const scripting::Library* lib : shown) {
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(lib->name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(lib->functions.size());
    for (const auto& fn : lib->functions) {
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(fn->name);
      ctx.reply.Bulk("description");
      if (fn->description) {
        ctx.reply.Bulk(*fn->description);
      } else {
        ctx.reply.Null();
      }
      ctx.reply.Bulk("flags");
      ReplyFlags(ctx.reply, fn->flags);
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(lib->code);
    }
  }
}

std::vector<std::string> LibraryCodes(const Scripting& scripting) {
  std::vector<std::string> codes;
  for (const auto& lib : scripting.libraries()) codes.push_back(lib->code);
  return codes;
}

void CmdFunctionDump(CommandContext& ctx) {
  const std::vector<std::string> codes = LibraryCodes(ctx.engine.scripting());
  ctx.reply.Bulk(
      persistence::EncodeFunctionPayload(codes, ctx.engine.config().Bool("rdbcompression")));
}

void CmdFunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ctx.reply.Error(errors::SubcommandSyntax("restore", "FUNCTION"));
    return;
  }
  Scripting::RestorePolicy policy = Scripting::RestorePolicy::kAppend;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "append")) {
      policy = Scripting::RestorePolicy::kAppend;
    } else if (EqualsIgnoreCase(ctx.args[3], "replace")) {
      policy = Scripting::RestorePolicy::kReplace;
    } else if (EqualsIgnoreCase(ctx.args[3], "flush")) {
      policy = Scripting::RestorePolicy::kFlush;
    } else {
      ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::vector<std::string> codes;
  std::string error;
  if (!persistence::DecodeFunctionPayload(ctx.args[2], &codes, &error) ||
      !ctx.engine.scripting().RestoreLibraries(codes, policy, &error)) {
    ctx.reply.Error(error);
    return;
  }
  LibrariesChanged(ctx);
  ctx.reply.Ok();
}

void CmdFunctionKill(CommandContext& ctx) {
  std::string error;
  if (!ctx.engine.scripting().runner().Kill(/*eval=*/false, &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

void CmdFunctionStats(CommandContext& ctx) {
  scripting::ScriptRunner& runner = ctx.engine.scripting().runner();
  if (runner.running() && runner.spec().eval) {
    ctx.reply.Error(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    return;
  }
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (!runner.running()) {
    ctx.reply.Null();
  } else {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(runner.spec().name);
    ctx.reply.Bulk("command");
    ctx.reply.ArrayHeader(runner.spec().caller_args.size());
    for (std::string_view arg : runner.spec().caller_args) ctx.reply.Bulk(arg);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer(runner.DurationMs());
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.scripting().libraries().size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.scripting().function_count()));
}

void CmdFunctionHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored "
      "using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

}  // namespace

void RegisterFunctionCommands(CommandTable& table) {
  table.Add("fcall", CmdFcall, kCmdMayReplicate);
  table.Find("fcall")->flags_for = FcallFlags;
  table.Add("fcall_ro", CmdFcallRo);
  table.Find("fcall_ro")->flags_for = FcallFlags;
  table.Add("function|load", CmdFunctionLoad);
  table.Add("function|delete", CmdFunctionDelete);
  table.Add("function|flush", CmdFunctionFlush);
  table.Add("function|list", CmdFunctionList);
  table.Add("function|dump", CmdFunctionDump);
  table.Add("function|restore", CmdFunctionRestore);
  table.Add("function|kill", CmdFunctionKill);
  table.Add("function|stats", CmdFunctionStats);
  table.Add("function|help", CmdFunctionHelp);
}

}  // namespace rill
