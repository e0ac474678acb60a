// EVAL EVALSHA EVAL_RO EVALSHA_RO and SCRIPT (Redis 7.0's eval.c commands); the work is in
// server/scripting/scripting.h.
#include <string>
#include <string_view>

#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/scripting/scripting.h"

namespace rill {
namespace {

void CmdEval(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, false, false); }
void CmdEvalRo(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, false, true); }
void CmdEvalsha(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, true, false); }
void CmdEvalshaRo(CommandContext& ctx) { ctx.engine.scripting().Eval(ctx, true, true); }

uint32_t EvalFlags(Engine& engine, std::span<const std::string_view> args, uint32_t flags) {
  return engine.scripting().EvalCommandFlags(args, false, flags);
}

uint32_t EvalshaFlags(Engine& engine, std::span<const std::string_view> args, uint32_t flags) {
  return engine.scripting().EvalCommandFlags(args, true, flags);
}

void CmdScriptHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

void CmdScriptLoad(CommandContext& ctx) {
  std::string result;
  if (!ctx.engine.scripting().LoadScript(ctx.args[2], &result)) {
    ctx.reply.Error(result);
    return;
  }
  ctx.reply.Bulk(result);
}

void CmdScriptExists(CommandContext& ctx) {
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Integer(ctx.engine.scripting().ScriptExists(ctx.args[i]) ? 1 : 0);
  }
}

void CmdScriptFlush(CommandContext& ctx) {
  // ASYNC frees the old interpreter in the background in Redis; here it is freed at once.
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.args[2], "sync") &&
                         !EqualsIgnoreCase(ctx.args[2], "async"))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.engine.scripting().FlushScripts();
  ctx.reply.Ok();
}

void CmdScriptKill(CommandContext& ctx) {
  std::string error;
  if (!ctx.engine.scripting().runner().Kill(/*eval=*/true, &error)) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// The Lua debugger (LDB) is not implemented: SCRIPT DEBUG NO is accepted, YES and SYNC get the
// error Redis gives for a mode it does not know.
void CmdScriptDebug(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "no")) {
    ctx.reply.Ok();
    return;
  }
  ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

}  // namespace

void RegisterScriptingCommands(CommandTable& table) {
  table.Add("eval", CmdEval, kCmdMayReplicate);
  table.Find("eval")->flags_for = EvalFlags;
  table.Add("eval_ro", CmdEvalRo);
  table.Add("evalsha", CmdEvalsha, kCmdMayReplicate);
  table.Find("evalsha")->flags_for = EvalshaFlags;
  table.Add("evalsha_ro", CmdEvalshaRo);
  table.Add("script|help", CmdScriptHelp);
  table.Add("script|load", CmdScriptLoad, kCmdMayReplicate);
  table.Add("script|exists", CmdScriptExists);
  table.Add("script|flush", CmdScriptFlush, kCmdMayReplicate);
  table.Add("script|kill", CmdScriptKill);
  table.Add("script|debug", CmdScriptDebug);
}

}  // namespace rill
