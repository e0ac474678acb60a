#include "server/commands/info.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/string_util.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "server/observe/alloc_counter.h"
#include "server/observe/latency_histogram.h"
#include "server/observe/memory_report.h"
#include "server/persist/persistence.h"
#include "server/repl/replication.h"
#include "server/scripting/scripting.h"

namespace rill {
namespace {

constexpr std::string_view kDefaultSections[] = {
    "server", "clients", "memory",     "persistence", "stats",   "replication",
    "cpu",    "modules", "errorstats", "cluster",     "keyspace"};
constexpr std::string_view kAllExtra[] = {"commandstats", "latencystats"};

const std::string& RunId() {
  // 40 hex chars, random per process, as Redis's run_id.
  static const std::string id = [] {
    std::random_device rd;
    std::string s;
    for (int i = 0; i < 40; ++i) s.push_back("0123456789abcdef"[rd() % 16]);
    return s;
  }();
  return id;
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : std::string();
}

void Server(Engine& e, std::string* o) {
  utsname u;
  uname(&u);
  int64_t now = NowMs();
  int64_t uptime = (now - e.stats().start_time_ms) / 1000;
  absl::StrAppendFormat(
      o,
      "redis_version:7.0.15\r\nrill_version:%s\r\nredis_git_sha1:00000000\r\n"
      "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
      "arch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:%s\r\n"
      "atomicvar_api:c11-builtin\r\ngcc_version:%d.%d.%d\r\nprocess_id:%d\r\n"
      "process_supervised:no\r\nrun_id:%s\r\ntcp_port:%d\r\nserver_time_usec:%d\r\n"
      "uptime_in_seconds:%d\r\nuptime_in_days:%d\r\nhz:%d\r\nconfigured_hz:%d\r\n"
      "lru_clock:%d\r\nexecutable:%s\r\nconfig_file:%s\r\nio_threads_active:0\r\n",
      RILL_VERSION, u.sysname, u.release, u.machine, e.stats().multiplexing_api, __GNUC__,
      __GNUC_MINOR__, __GNUC_PATCHLEVEL__, getpid(), RunId(), e.config().Int("port"), NowUs(),
      uptime, uptime / 86400, e.config().Int("hz"), e.config().Int("hz"),
      (now / 1000) & ((1 << 24) - 1), ExecutablePath(), e.config().config_file());
}

void Clients(Engine& e, std::string* o) {
  // Redis reports the largest buffers seen over the last seconds; the current largest ones are
  // what a slow subscriber or a big pipeline shows here.
  size_t max_input = 0, max_output = 0;
  for (const auto& [id, c] : e.clients()) {
    max_input = std::max(max_input, c->query_buffer_size);
    max_output = std::max(max_output, c->output_buffer_size);
  }
  absl::StrAppendFormat(
      o,
      "connected_clients:%d\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
      "client_recent_max_input_buffer:%d\r\nclient_recent_max_output_buffer:%d\r\n"
      "blocked_clients:%d\r\ntracking_clients:%d\r\nclients_in_timeout_table:%d\r\n",
      e.clients().size(), e.config().Int("maxclients"), max_input, max_output,
      e.blocking().blocked_count() + e.postponed_count() + e.replication().waiting_clients(),
      e.tracking().clients(),
      e.blocking().timeout_count() + e.replication().waiting_with_timeout());
}

void Memory(Engine& e, std::string* o) {
  const MemoryReport r = BuildMemoryReport(e);
  const size_t total_mem =
      static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const uint64_t maxmemory = e.evictor().maxmemory();
  absl::StrAppendFormat(
      o,
      "used_memory:%d\r\nused_memory_human:%s\r\nused_memory_rss:%d\r\n"
      "used_memory_rss_human:%s\r\nused_memory_peak:%d\r\nused_memory_peak_human:%s\r\n"
      "used_memory_peak_perc:%.2f%%\r\nused_memory_overhead:%d\r\nused_memory_startup:%d\r\n"
      "used_memory_dataset:%d\r\nused_memory_dataset_perc:%.2f%%\r\n"
      "allocator_allocated:%d\r\nallocator_active:%d\r\nallocator_resident:%d\r\n"
      "total_system_memory:%d\r\ntotal_system_memory_human:%s\r\n",
      r.total_allocated, HumanBytes(r.total_allocated), r.rss, HumanBytes(r.rss), r.peak_allocated,
      HumanBytes(r.peak_allocated), r.peak_perc, r.overhead_total, r.startup_allocated, r.dataset,
      r.dataset_perc, r.allocator_allocated, r.allocator_active, r.allocator_resident, total_mem,
      HumanBytes(total_mem));
  const scripting::Scripting& scripts = e.scripting();
  const int64_t vm_eval = scripts.eval_memory();
  const int64_t vm_functions = scripts.functions_memory();
  const int64_t scripts_eval = static_cast<int64_t>(scripts.scripts_overhead());
  const int64_t functions_mem = static_cast<int64_t>(scripts.functions_overhead());
  absl::StrAppendFormat(
      o,
      "used_memory_lua:%d\r\nused_memory_vm_eval:%d\r\nused_memory_lua_human:%s\r\n"
      "used_memory_scripts_eval:%d\r\nnumber_of_cached_scripts:%d\r\nnumber_of_functions:%d\r\n"
      "number_of_libraries:%d\r\nused_memory_vm_functions:%d\r\nused_memory_vm_total:%d\r\n"
      "used_memory_vm_total_human:%s\r\nused_memory_functions:%d\r\nused_memory_scripts:%d\r\n"
      "used_memory_scripts_human:%s\r\n",
      vm_eval, vm_eval, HumanBytes(vm_eval), scripts_eval, scripts.script_count(),
      scripts.function_count(), scripts.libraries().size(), vm_functions, vm_eval + vm_functions,
      HumanBytes(vm_eval + vm_functions), functions_mem, scripts_eval + functions_mem,
      HumanBytes(scripts_eval + functions_mem));
  absl::StrAppendFormat(
      o,
      "maxmemory:%d\r\nmaxmemory_human:%s\r\nmaxmemory_policy:%s\r\n"
      "allocator_frag_ratio:%.2f\r\nallocator_frag_bytes:%d\r\n"
      "allocator_rss_ratio:%.2f\r\nallocator_rss_bytes:%d\r\n"
      "rss_overhead_ratio:%.2f\r\nrss_overhead_bytes:%d\r\n"
      "mem_fragmentation_ratio:%.2f\r\nmem_fragmentation_bytes:%d\r\n"
      "mem_not_counted_for_evict:%d\r\nmem_replication_backlog:0\r\n"
      "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:%d\r\n"
      "mem_cluster_links:0\r\nmem_aof_buffer:%d\r\nmem_allocator:%s\r\n"
      "active_defrag_running:0\r\nlazyfree_pending_objects:%d\r\nlazyfreed_objects:%d\r\n",
      maxmemory, HumanBytes(maxmemory), e.config().String("maxmemory-policy"), r.allocator_frag,
      r.allocator_frag_bytes, r.allocator_rss, r.allocator_rss_bytes, r.rss_extra,
      r.rss_extra_bytes, r.total_frag, r.total_frag_bytes, r.not_counted_for_evict,
      r.clients_normal, r.aof_buffer, AllocatorName(), e.lazy_free().pending(),
      e.lazy_free().freed());
}

void Persistence(Engine& e, std::string* o) {
  e.rdb().AppendInfo(o);
  // The aof_* fields come from the AOF itself (server/persist/aof.cc), in Redis's order around
  // the module fork fields.
  o->append(e.aof().InfoFields());
  o->append("module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
  o->append(e.aof().InfoTailFields());
  // A replica loading its master's RDB from the socket (server/repl/sync_receiver.h).
  e.replication().AppendLoadingInfo(o);
}

void StatsSection(Engine& e, std::string* o) {
  const Stats& s = e.stats();
  absl::StrAppendFormat(
      o,
      "total_connections_received:%d\r\ntotal_commands_processed:%d\r\n"
      "instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:%d\r\ntotal_net_output_bytes:%d\r\n"
      "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
      "instantaneous_input_kbps:0.00\r\ninstantaneous_output_kbps:0.00\r\n"
      "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n"
      "rejected_connections:%d\r\nsync_full:%d\r\nsync_partial_ok:%d\r\nsync_partial_err:%d\r\n"
      "expired_keys:%d\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
      "expire_cycle_cpu_milliseconds:0\r\nevicted_keys:%d\r\nevicted_clients:%d\r\n"
      "total_eviction_exceeded_time:%d\r\ncurrent_eviction_exceeded_time:%d\r\n"
      "keyspace_hits:%d\r\nkeyspace_misses:%d\r\npubsub_channels:%d\r\npubsub_patterns:%d\r\n"
      "pubsubshard_channels:%d\r\nlatest_fork_usec:%d\r\ntotal_forks:%d\r\n"
      "migrate_cached_sockets:0\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\n"
      "active_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
      "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:%d\r\n"
      "tracking_total_items:%d\r\ntracking_total_prefixes:%d\r\nunexpected_error_replies:0\r\n"
      "total_error_replies:%d\r\ndump_payload_sanitizations:0\r\n"
      "total_reads_processed:%d\r\ntotal_writes_processed:%d\r\n"
      "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
      "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
      s.total_connections_received, s.total_commands_processed, s.total_net_input_bytes,
      s.total_net_output_bytes, s.rejected_connections, e.replication().sync_full(),
      e.replication().sync_partial_ok(), e.replication().sync_partial_err(), s.expired_keys,
      s.evicted_keys, s.evicted_clients, e.evictor().total_exceeded_us() / 1000,
      e.evictor().current_exceeded_us() / 1000, s.keyspace_hits, s.keyspace_misses,
      e.pubsub().channel_count(), e.pubsub().pattern_count(), e.pubsub().shard_channel_count(),
      e.children().latest_fork_usec(), e.children().total_forks(), e.tracking().total_keys(),
      e.tracking().total_items(), e.tracking().total_prefixes(), s.total_error_replies,
      s.total_reads_processed, s.total_writes_processed);
}

void Replication(Engine& e, std::string* o) { e.replication().AppendInfo(o); }

void Cpu(Engine& e, std::string* o) {
  rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto secs = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  absl::StrAppendFormat(o,
                        "used_cpu_sys:%.6f\r\nused_cpu_user:%.6f\r\nused_cpu_sys_children:%.6f\r\n"
                        "used_cpu_user_children:%.6f\r\nused_cpu_sys_main_thread:%.6f\r\n"
                        "used_cpu_user_main_thread:%.6f\r\n",
                        secs(self.ru_stime), secs(self.ru_utime), secs(children.ru_stime),
                        secs(children.ru_utime), secs(self.ru_stime), secs(self.ru_utime));
}

void Keyspace(Engine& e, std::string* o) {
  for (int i = 0; i < e.num_databases(); ++i) {
    ds::Database& db = e.db(i);
    if (db.size() == 0) continue;
    absl::StrAppendFormat(o, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", i, db.size(),
                          db.volatile_size(), db.avg_ttl_ms());
  }
}

void CommandStats(Engine& e, std::string* o) {
  auto emit = [o](const Command& c) {
    if (c.calls == 0 && c.rejected_calls == 0 && c.failed_calls == 0) return;
    absl::StrAppendFormat(
        o, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
        c.name, c.calls, c.usec, c.calls ? static_cast<double>(c.usec) / c.calls : 0.0,
        c.rejected_calls, c.failed_calls);
  };
  e.commands().ForEach([&](const Command& c) {
    emit(c);
    for (const auto& [name, sub] : c.subcommands) emit(sub);
  });
}

// A percentile as Redis prints it in field names: "%f" without trailing zeros ("99.9", "50").
std::string PercentileName(double p) {
  std::string s = absl::StrFormat("%f", p);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

void LatencyStats(Engine& e, std::string* o) {
  std::vector<double> percentiles;
  const std::string spec = e.config().String("latency-tracking-info-percentiles");
  for (absl::string_view word : absl::StrSplit(spec, ' ', absl::SkipEmpty())) {
    double p;
    if (absl::SimpleAtod(word, &p)) percentiles.push_back(p);
  }
  auto emit = [&](const Command& c) {
    if (!c.latency_histogram || c.latency_histogram->total_count() == 0) return;
    absl::StrAppendFormat(o, "latency_percentiles_usec_%s:", c.name);
    for (size_t i = 0; i < percentiles.size(); ++i) {
      absl::StrAppendFormat(o, "%sp%s=%.3f", i ? "," : "", PercentileName(percentiles[i]),
                            c.latency_histogram->ValueAtPercentile(percentiles[i]) / 1000.0);
    }
    o->append("\r\n");
  };
  e.commands().ForEach([&](const Command& c) {
    emit(c);
    for (const auto& [name, sub] : c.subcommands) emit(sub);
  });
}

void ErrorStats(Engine& e, std::string* o) {
  for (const auto& [code, count] : e.stats().error_counts) {
    absl::StrAppendFormat(o, "errorstat_%s:count=%d\r\n", code, count);
  }
}

struct SectionDef {
  std::string_view name;
  std::string_view title;
  void (*fill)(Engine&, std::string*);
};

constexpr SectionDef kSections[] = {
    {"server", "Server", &Server},
    {"clients", "Clients", &Clients},
    {"memory", "Memory", &Memory},
    {"persistence", "Persistence", &Persistence},
    {"stats", "Stats", &StatsSection},
    {"replication", "Replication", &Replication},
    {"cpu", "CPU", &Cpu},
    {"modules", "Modules", nullptr},
    {"commandstats", "Commandstats", &CommandStats},
    {"errorstats", "Errorstats", &ErrorStats},
    {"latencystats", "Latencystats", &LatencyStats},
    {"cluster", "Cluster", [](Engine&, std::string* o) { o->append("cluster_enabled:0\r\n"); }},
    {"keyspace", "Keyspace", &Keyspace},
};

}  // namespace

std::string BuildInfo(Engine& engine, std::span<const std::string_view> args) {
  StringSet wanted;
  if (args.empty()) {
    for (auto s : kDefaultSections) wanted.emplace(s);
  }
  for (std::string_view arg : args) {
    std::string a = ToLowerAscii(arg);
    if (a == "default") {
      for (auto s : kDefaultSections) wanted.emplace(s);
    } else if (a == "all" || a == "everything") {
      for (auto s : kDefaultSections) wanted.emplace(s);
      for (auto s : kAllExtra) wanted.emplace(s);
    } else {
      wanted.emplace(a);
    }
  }
  std::string out;
  int emitted = 0;
  for (const SectionDef& section : kSections) {
    if (!wanted.contains(section.name)) continue;
    if (emitted++) out.append("\r\n");
    absl::StrAppendFormat(&out, "# %s\r\n", section.title);
    if (section.fill != nullptr) section.fill(engine, &out);
  }
  return out;
}

}  // namespace rill
