// MULTI EXEC DISCARD WATCH UNWATCH. Queueing itself happens in Engine::Execute, which runs
// these five at once while a transaction is open and queues everything else.
#include <string_view>
#include <vector>

#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

void EndTransaction(CommandContext& ctx) {
  ctx.client.in_multi = false;
  ctx.client.multi_aborted = false;
  ctx.client.multi_queue.clear();
  ctx.engine.watches().UnwatchAll(ctx.client);
}

void CmdMulti(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.client.in_multi = true;
  ctx.reply.Ok();
}

void CmdDiscard(CommandContext& ctx) {
  if (!ctx.client.in_multi) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  EndTransaction(ctx);
  ctx.reply.Ok();
}

void CmdExec(CommandContext& ctx) {
  Client& client = ctx.client;
  if (!client.in_multi) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  if (client.multi_aborted) {
    EndTransaction(ctx);
    ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (client.watch_dirty) {
    EndTransaction(ctx);
    ctx.reply.NullArray();
    return;
  }
  CommandQueue queue;
  queue.swap(client.multi_queue);
  EndTransaction(ctx);
  ctx.reply.ArrayHeader(queue.size());
  // Each queued command appends exactly one reply after the header. Blocking commands act as
  // their non-blocking forms; waiters fed by these writes are served once EXEC is done (the
  // engine serves at the outermost command).
  client.no_block = true;
  client.in_exec = true;
  client.exec_count = queue.size();
  std::string* out = ctx.reply.buffer();
  for (size_t i = 0; i < queue.size(); ++i) {
    ctx.engine.Execute(client, queue.Args(i), out, queue.command(i));
  }
  client.in_exec = false;
  client.exec_count = 0;
  client.no_block = false;
  // The buffers go back for the client's next transaction (no command inside EXEC can queue:
  // MULTI is refused there).
  queue.clear();
  if (client.multi_queue.empty()) client.multi_queue.swap(queue);
}

void CmdWatch(CommandContext& ctx) {
  if (ctx.client.in_multi) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    // A key that is already expired counts as absent; watching it is still fine.
    ctx.engine.watches().Watch(ctx.client, ctx.client.db, ctx.args[i]);
  }
  ctx.reply.Ok();
}

void CmdUnwatch(CommandContext& ctx) {
  ctx.engine.watches().UnwatchAll(ctx.client);
  ctx.reply.Ok();
}

// MONITOR: from now on the client receives every command the server runs.
void CmdMonitor(CommandContext& ctx) {
  if (ctx.client.no_block) {
    // Inside EXEC the client expects one reply per command; a stream of them cannot fit.
    ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  ctx.engine.clients().AddMonitor(&ctx.client);
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable& table) {
  table.Add("monitor", CmdMonitor);
  table.Add("multi", CmdMulti, kCmdRunsInMulti);
  table.Add("exec", CmdExec, kCmdRunsInMulti | kCmdEndsTransaction);
  table.Add("discard", CmdDiscard, kCmdRunsInMulti | kCmdEndsTransaction);
  table.Add("watch", CmdWatch, kCmdRunsInMulti);
  table.Add("unwatch", CmdUnwatch);
}

}  // namespace rill
