#include "server/config/reset_stats.h"

#include "server/engine/engine.h"

namespace rill {
namespace {

void ResetCommandStats(Command& cmd) {
  cmd.calls = 0;
  cmd.usec = 0;
  cmd.rejected_calls = 0;
  cmd.failed_calls = 0;
  cmd.latency_histogram.reset();
  for (auto& [name, sub] : cmd.subcommands) ResetCommandStats(sub);
}

}  // namespace

void ResetStats(Engine& engine) {
  Stats& s = engine.stats();
  s.total_connections_received = 0;
  s.total_commands_processed = 0;
  s.rejected_connections = 0;
  s.expired_keys = 0;
  s.evicted_keys = 0;
  s.evicted_clients = 0;
  s.keyspace_hits = 0;
  s.keyspace_misses = 0;
  s.total_net_input_bytes = 0;
  s.total_net_output_bytes = 0;
  s.total_error_replies = 0;
  s.total_reads_processed = 0;
  s.total_writes_processed = 0;
  s.error_counts.clear();
  engine.commands().ForEachMutable([](Command& cmd) { ResetCommandStats(cmd); });
  engine.ResetMemoryPeak();
  engine.evictor().ResetStats();
  engine.lazy_free().ResetStats();
}

}  // namespace rill
