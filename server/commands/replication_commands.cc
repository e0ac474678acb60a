// Replication commands: REPLCONF, SYNC, PSYNC (what a replica says to its master), REPLICAOF /
// SLAVEOF, ROLE, WAIT and FAILOVER. The work is server/repl/replication.h's; handlers parse and
// reply.
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

// Replies still queued for the client (earlier commands of its pipeline, or a socket that has
// not taken them yet): a diskless transfer would write before them.
bool PendingOutput(CommandContext& ctx) {
  return ctx.client.output_buffer_size != 0 || !ctx.reply.buffer()->empty();
}

void CmdPsync(CommandContext& ctx) {
  std::string reply;
  const bool failover = ctx.args.size() > 3 && EqualsIgnoreCase(ctx.args[3], "failover");
  ctx.engine.replication().Sync(ctx.client, true, ctx.args[1], ctx.args[2], PendingOutput(ctx),
                                failover, &reply);
  ReplyLine(ctx, reply);
}

void CmdSync(CommandContext& ctx) {
  std::string reply;
  ctx.engine.replication().Sync(ctx.client, false, "?", "-1", PendingOutput(ctx), false, &reply);
  ReplyLine(ctx, reply);
}

void CmdReplicaOf(CommandContext& ctx) {
  Replication& repl = ctx.engine.replication();
  if (repl.failover_state() != Replication::FailoverState::kNone) {
    ctx.reply.Error("ERR REPLICAOF not allowed while failing over.");
    return;
  }
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

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms], parsed as Redis 7.0's failoverCommand
// (each option once, in any order; ABORT only alone).
void CmdFailover(CommandContext& ctx) {
  Replication& repl = ctx.engine.replication();
  const auto& args = ctx.args;
  if (args.size() == 2 && EqualsIgnoreCase(args[1], "abort")) {
    ReplyLine(ctx, repl.AbortFailoverCommand());
    return;
  }
  int64_t timeout_ms = 0;
  int64_t port = 0;
  std::string host;
  bool have_host = false;
  bool force = false;
  for (size_t j = 1; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "timeout") && j + 1 < args.size() && timeout_ms == 0) {
      if (!absl::SimpleAtoi(ToAbsl(args[j + 1]), &timeout_ms)) {
        ctx.reply.Error("ERR value is not an integer or out of range");
        return;
      }
      if (timeout_ms <= 0) {
        ctx.reply.Error("ERR FAILOVER timeout must be greater than 0");
        return;
      }
      ++j;
    } else if (EqualsIgnoreCase(args[j], "to") && j + 2 < args.size() && !have_host) {
      if (!absl::SimpleAtoi(ToAbsl(args[j + 2]), &port)) {
        ctx.reply.Error("ERR value is not an integer or out of range");
        return;
      }
      host = std::string(args[j + 1]);
      have_host = true;
      j += 2;
    } else if (EqualsIgnoreCase(args[j], "force") && !force) {
      force = true;
    } else {
      ctx.reply.Error("ERR syntax error");
      return;
    }
  }
  ReplyLine(ctx, repl.Failover(have_host ? host : std::string(), port, force, timeout_ms));
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
  table.Add("failover", &CmdFailover);
  table.Add("wait", &CmdWait);
}

}  // namespace rill
