// Server commands: INFO TIME SHUTDOWN DEBUG (LASTSAVE is in snapshot.cc, MEMORY in memory.cc).
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/aof_commands.h"
#include "server/commands/arg_parse.h"
#include "server/commands/debug.h"
#include "server/commands/info.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/persistence.h"

namespace rill {
namespace {

void CmdInfo(CommandContext& ctx) {
  std::vector<std::string_view> sections(ctx.args.begin() + 1, ctx.args.end());
  ctx.reply.Verbatim(BuildInfo(ctx.engine, sections));
}

void CmdTime(CommandContext& ctx) {
  int64_t us = NowUs();
  ctx.reply.ArrayHeader(2);
  ctx.reply.BulkInt(us / 1000000);
  ctx.reply.BulkInt(us % 1000000);
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
void CmdShutdown(CommandContext& ctx) {
  int flags = 0;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqualsIgnoreCase(a, "NOSAVE")) {
      flags |= Engine::kShutdownNoSave;
    } else if (EqualsIgnoreCase(a, "SAVE")) {
      flags |= Engine::kShutdownSave;
    } else if (EqualsIgnoreCase(a, "NOW")) {
      flags |= Engine::kShutdownNow;
    } else if (EqualsIgnoreCase(a, "FORCE")) {
      flags |= Engine::kShutdownForce;
    } else if (EqualsIgnoreCase(a, "ABORT")) {
      abort = true;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if ((abort && flags != 0) ||
      ((flags & Engine::kShutdownNoSave) && (flags & Engine::kShutdownSave))) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (abort) {
    // Without replicas to wait for, a shutdown is never left pending.
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  // Under a busy script only SHUTDOWN NOSAVE may end the server (its writes would be half done).
  if (!(flags & Engine::kShutdownNoSave) && !ctx.engine.script_busy_error().empty()) {
    ctx.reply.Error(ctx.engine.script_busy_error());
    return;
  }
  if (!ctx.engine.PrepareForShutdown(flags)) {
    ctx.reply.Error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  ctx.engine.RequestShutdown();
  ctx.client.close_after_reply = true;
}

bool DebugAllowed(CommandContext& ctx) {
  std::string mode = ctx.engine.config().String("enable-debug-command");
  if (mode == "yes") return true;
  if (mode == "local" && ctx.client.local_peer) return true;
  ctx.reply.Error(
      "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
      "you can run it from a local connection, otherwise you need to set this option in the "
      "configuration file, and then restart the server.");
  return false;
}

void CmdDebug(CommandContext& ctx) {
  if (!DebugAllowed(ctx)) return;
  std::string sub = ToLowerAscii(ctx.args[1]);
  if (sub == "sleep" && ctx.argc() == 3) {
    double seconds;
    if (!ParseDouble(ctx.args[2], &seconds)) {
      ctx.reply.Error(errors::kNotFloat);
      return;
    }
    if (seconds > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)));
    }
    ctx.reply.Ok();
    return;
  }
  if (sub == "set-active-expire" && ctx.argc() == 3) {
    // Redis reads the flag with atoi: anything not a number is 0.
    int64_t on = 0;
    if (!ParseInt64(ctx.args[2], &on)) on = 0;
    ctx.engine.set_active_expire_enabled(on != 0);
    ctx.reply.Ok();
    return;
  }
  if (sub == "loadaof" && ctx.argc() == 2) {
    DebugLoadAof(ctx);
    return;
  }
  if (sub == "reload") {
    bool flush = true, save = true, merge = false;
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (EqualsIgnoreCase(ctx.args[i], "MERGE")) {
        merge = true;
      } else if (EqualsIgnoreCase(ctx.args[i], "NOFLUSH")) {
        flush = false;
      } else if (EqualsIgnoreCase(ctx.args[i], "NOSAVE")) {
        save = false;
      } else {
        ctx.reply.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return;
      }
    }
    std::string error;
    if (ctx.engine.rdb().DebugReload(flush, save, merge, &error)) {
      ctx.DatabaseChanged(0);
      ctx.reply.Ok();
    } else {
      ctx.reply.Error(error);
    }
    return;
  }
  if (RunDebugKeyspaceSubcommand(ctx, sub)) return;
  if (sub == "help") {
    static constexpr std::string_view kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Describe the key's value in one line: encoding, sizes, LRU clock.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys <prefix>:<n> (prefix 'key') holding 'value:<n>',",
        "    padded or cut to <size> bytes; keys that exist are left alone.",
        "SLEEP <seconds>",
        "    Block the server for <seconds> (a float).",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Options: MERGE (keys in",
        "    the file replace existing ones), NOFLUSH (do not empty the data first),",
        "    NOSAVE (load the file as it is on disk, without saving first).",
        "LOADAOF",
        "    Write the AOF buffer to disk, empty the dataset and load the AOF files again.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "HELP",
        "    Show this text.",
    };
    ReplyHelpLines(ctx.reply, kLines);
    return;
  }
  ctx.reply.Error(
      absl::StrCat("ERR unknown subcommand '", ToAbsl(ctx.args[1]), "'. Try DEBUG HELP."));
}

}  // namespace

void RegisterServerCommands(CommandTable& table) {
  table.Add("info", &CmdInfo);
  table.Add("time", &CmdTime);
  table.Add("shutdown", &CmdShutdown);
  table.Add("debug", &CmdDebug);
}

}  // namespace rill
