// Replication commands: REPLCONF, SYNC, PSYNC (what a replica says to its master), REPLICAOF /
// SLAVEOF, ROLE and WAIT. The work is server/repl/replication.h's; handlers parse and reply.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/string_util.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/repl/replication.h"

namespace rill {
namespace {

// A whole RESP line (or more) made by Replication: errors go through the builder so that they
// count in the error statistics.
void ReplyLine(CommandContext& ctx, std::string_view line) {
  if (line.empty()) return;
  if (line[0] == '-' && line.ends_with("\r\n") && line.find('\n') == line.size() - 1) {
    ctx.reply.Error(line.substr(1, line.size() - 3));
    return;
  }
  ctx.reply.Raw(line);
}

void CmdReplConf(CommandContext& ctx) {
  std::vector<std::string_view> args(ctx.args.begin(), ctx.args.end());
  std::string reply;
  ctx.engine.replication().ReplConf(ctx.client, args, &reply);
  ReplyLine(ctx, reply);
}

void CmdPsync(CommandContext& ctx) {
  std::string reply;
  ctx.engine.replication().Sync(ctx.client, true, ctx.args[1], ctx.args[2], &reply);
  ReplyLine(ctx, reply);
}

void CmdSync(CommandContext& ctx) {
  std::string reply;
  ctx.engine.replication().Sync(ctx.client, false, "?", "-1", &reply);
  ReplyLine(ctx, reply);
}

void CmdReplicaOf(CommandContext& ctx) {
  Replication& repl = ctx.engine.replication();
  if (EqualsIgnoreCase(ctx.args[1], "no") && EqualsIgnoreCase(ctx.args[2], "one")) {
    ctx.reply.Raw(repl.SetMaster("", 0));
    return;
  }
  if (ctx.client.replica) {
    ctx.reply.Error("ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port;
  if (!absl::SimpleAtoi(ToAbsl(ctx.args[2]), &port) || port < 0 || port > 65535) {
    ctx.reply.Error("ERR Invalid master port");
    return;
  }
  const std::string host(ctx.args[1]);
  const std::string reply = repl.SetMaster(host, static_cast<int>(port));
  ctx.reply.Raw(reply);
}

void CmdRole(CommandContext& ctx) {
  std::string out;
  ctx.engine.replication().AppendRole(&out, ctx.client.resp == 3);
  ctx.reply.Raw(out);
}

void CmdWait(CommandContext& ctx) {
  Replication& repl = ctx.engine.replication();
  if (repl.is_replica()) {
    ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
    return;
  }
  int64_t numreplicas, timeout;
  if (!absl::SimpleAtoi(ToAbsl(ctx.args[1]), &numreplicas)) {
    ctx.reply.Error("ERR value is not an integer or out of range");
    return;
  }
  if (!absl::SimpleAtoi(ToAbsl(ctx.args[2]), &timeout)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  int64_t acked = 0;
  if (repl.Wait(ctx.client, numreplicas, timeout, &acked)) ctx.reply.Integer(acked);
}

}  // namespace

void RegisterReplicationCommands(CommandTable& table) {
  table.Add("replconf", &CmdReplConf);
  table.Add("psync", &CmdPsync);
  table.Add("sync", &CmdSync);
  table.Add("replicaof", &CmdReplicaOf);
  table.Add("slaveof", &CmdReplicaOf);
  table.Add("role", &CmdRole);
  table.Add("wait", &CmdWait);
}

}  // namespace rill
