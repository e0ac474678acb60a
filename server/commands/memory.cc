// MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP.
#include <string>

#include "absl/strings/str_cat.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/observe/alloc_counter.h"
#include "server/observe/memory_report.h"

namespace rill {
namespace {

// MEMORY USAGE key [SAMPLES count]. Rill's sizes are exact (every container knows its bytes),
// so SAMPLES is validated as Redis does and otherwise has no effect. Like Redis, the key is
// looked up without expiring or touching it.
void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (!EqualsIgnoreCase(ctx.args[i], "samples") || i + 1 >= ctx.argc()) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    int64_t samples;
    if (!ParseInt64OrReply(ctx.args[i + 1], &samples, ctx.reply)) return;
    if (samples < 0) {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
    ++i;
  }
  const ds::Entry* entry = ctx.db().Peek(ctx.args[2]);
  if (entry == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(entry->MemoryUsage()));
}

void CmdMemoryStats(CommandContext& ctx) {
  const MemoryReport r = BuildMemoryReport(ctx.engine);
  protocol::ReplyBuilder& reply = ctx.reply;
  reply.MapHeader(27 + r.dbs.size());
  auto field = [&reply](std::string_view name, int64_t value) {
    reply.Bulk(name);
    reply.Integer(value);
  };
  auto ratio = [&reply](std::string_view name, float value) {
    reply.Bulk(name);
    reply.Double(value);
  };
  field("peak.allocated", r.peak_allocated);
  field("total.allocated", r.total_allocated);
  field("startup.allocated", r.startup_allocated);
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", r.clients_normal);
  field("cluster.links", 0);
  field("aof.buffer", r.aof_buffer);
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const MemoryReport::Db& db : r.dbs) {
    reply.Bulk(absl::StrCat("db.", db.index));
    reply.MapHeader(3);
    field("overhead.hashtable.main", db.main_index);
    field("overhead.hashtable.expires", db.expires_index);
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", r.overhead_total);
  field("keys.count", r.total_keys);
  field("keys.bytes-per-key", r.bytes_per_key);
  field("dataset.bytes", r.dataset);
  ratio("dataset.percentage", r.dataset_perc);
  ratio("peak.percentage", r.peak_perc);
  field("allocator.allocated", r.allocator_allocated);
  field("allocator.active", r.allocator_active);
  field("allocator.resident", r.allocator_resident);
  ratio("allocator-fragmentation.ratio", r.allocator_frag);
  field("allocator-fragmentation.bytes", r.allocator_frag_bytes);
  ratio("allocator-rss.ratio", r.allocator_rss);
  field("allocator-rss.bytes", r.allocator_rss_bytes);
  ratio("rss-overhead.ratio", r.rss_extra);
  field("rss-overhead.bytes", r.rss_extra_bytes);
  ratio("fragmentation", r.total_frag);
  field("fragmentation.bytes", r.total_frag_bytes);
}

void CmdMemoryDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim(MemoryDoctorText(BuildMemoryReport(ctx.engine), ctx.engine.clients().size()));
}

// The allocator's own report, as Redis gives jemalloc's (glibc: malloc_info's XML).
void CmdMemoryMallocStats(CommandContext& ctx) { ctx.reply.Verbatim(AllocatorStatsText()); }

// Gives the allocator's free pages back to the system, as Redis purges jemalloc's arenas.
void CmdMemoryPurge(CommandContext& ctx) {
  PurgeAllocator();
  ctx.reply.Ok();
}

void CmdMemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelpLines(ctx.reply, kLines);
}

}  // namespace

void RegisterMemoryCommands(CommandTable& table) {
  table.Add("memory|usage", &CmdMemoryUsage);
  table.Add("memory|stats", &CmdMemoryStats);
  table.Add("memory|doctor", &CmdMemoryDoctor);
  table.Add("memory|malloc-stats", &CmdMemoryMallocStats);
  table.Add("memory|purge", &CmdMemoryPurge);
  table.Add("memory|help", &CmdMemoryHelp);
}

}  // namespace rill
