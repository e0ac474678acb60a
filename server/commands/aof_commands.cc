#include "server/commands/aof_commands.h"

#include <unistd.h>

#include "server/engine/engine.h"
#include "server/persist/persistence.h"

namespace rill {
namespace {

void CmdBgRewriteAof(CommandContext& ctx) {
  switch (ctx.engine.aof().RequestRewrite()) {
    case AppendOnlyFile::RewriteRequest::kStarted:
      ctx.reply.Simple("Background append only file rewriting started");
      break;
    case AppendOnlyFile::RewriteRequest::kScheduled:
      ctx.reply.Simple("Background append only file rewriting scheduled");
      break;
    case AppendOnlyFile::RewriteRequest::kAlreadyRunning:
      ctx.reply.Error("ERR Background append only file rewriting already in progress");
      break;
    case AppendOnlyFile::RewriteRequest::kFailed:
      ctx.reply.Error(
          "ERR Can't execute an AOF background rewriting. Please check the server logs for "
          "more information.");
      break;
  }
}

}  // namespace

void DebugLoadAof(CommandContext& ctx) {
  // As Redis: a load that fails leaves a half-built dataset, so the server exits.
  if (!ctx.engine.aof().DebugReload()) _exit(1);
  ctx.DatabaseChanged(0);
  // What was loaded is already in the AOF: nothing of this command may be propagated again.
  ctx.engine.stats().dirty = 0;
  ctx.reply.Ok();
}

void RegisterAofCommands(CommandTable& table) { table.Add("bgrewriteaof", &CmdBgRewriteAof); }

}  // namespace rill
