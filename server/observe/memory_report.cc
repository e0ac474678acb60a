#include "server/observe/memory_report.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "server/engine/engine.h"
#include "server/observe/alloc_counter.h"
#include "server/persist/persistence.h"

namespace rill {

size_t ResidentBytes() {
  long pages = 0, resident = 0;
  FILE* fp = std::fopen("/proc/self/statm", "r");
  if (fp == nullptr) return 0;
  if (std::fscanf(fp, "%ld %ld", &pages, &resident) != 2) resident = 0;
  std::fclose(fp);
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string HumanBytes(uint64_t n) {
  constexpr double kK = 1024.0;
  const double d = static_cast<double>(n);
  if (n < 1024) return absl::StrFormat("%dB", n);
  if (d < kK * kK) return absl::StrFormat("%.2fK", d / kK);
  if (d < kK * kK * kK) return absl::StrFormat("%.2fM", d / (kK * kK));
  if (d < kK * kK * kK * kK) return absl::StrFormat("%.2fG", d / (kK * kK * kK));
  if (d < kK * kK * kK * kK * kK) return absl::StrFormat("%.2fT", d / (kK * kK * kK * kK));
  if (d < kK * kK * kK * kK * kK * kK) {
    return absl::StrFormat("%.2fP", d / (kK * kK * kK * kK * kK));
  }
  return absl::StrFormat("%dB", n);
}

namespace {

// a / b as a float ratio, and a - b, for the fragmentation fields.
void Ratio(size_t a, size_t b, float* ratio, int64_t* bytes) {
  *ratio = b == 0 ? 0 : static_cast<float>(a) / static_cast<float>(b);
  *bytes = static_cast<int64_t>(a) - static_cast<int64_t>(b);
}

}  // namespace

MemoryReport BuildMemoryReport(Engine& engine) {
  MemoryReport r;
  r.total_allocated = AllocatedBytes();
  r.startup_allocated = engine.used_memory_startup();
  r.peak_allocated = std::max(engine.used_memory_peak(), r.total_allocated);
  r.rss = ResidentBytes();
  // Where the allocator does not give a figure, Redis's cron fills it in: resident from the
  // process's RSS, active from resident, allocated from used_memory.
  const AllocatorFigures figures = ReadAllocatorFigures();
  r.allocator_resident = figures.resident != 0 ? figures.resident : r.rss;
  r.allocator_active = figures.active != 0 ? figures.active : r.allocator_resident;
  r.allocator_allocated = figures.allocated != 0 ? figures.allocated : r.total_allocated;
  for (const auto& [id, client] : engine.clients()) r.clients_normal += client->buffer_memory;
  r.not_counted_for_evict = engine.MemoryNotCountedForEvict();
  r.aof_buffer = engine.aof().buffer_memory();

  size_t overhead = r.startup_allocated + r.clients_normal + r.not_counted_for_evict;
  for (int i = 0; i < engine.num_databases(); ++i) {
    ds::Database& db = engine.db(i);
    if (db.size() == 0) continue;
    MemoryReport::Db d;
    d.index = i;
    d.main_index = db.MainIndexMemoryUsage();
    d.expires_index = db.VolatileIndexMemoryUsage();
    overhead += d.main_index + d.expires_index;
    r.total_keys += db.size();
    r.dbs.push_back(d);
  }
  r.overhead_total = overhead;
  r.dataset = r.total_allocated > overhead ? r.total_allocated - overhead : 0;
  if (r.total_allocated > r.startup_allocated) {
    r.net_usage = r.total_allocated - r.startup_allocated;
  }
  r.dataset_perc = static_cast<float>(r.dataset) * 100 / static_cast<float>(r.net_usage);
  r.peak_perc = r.peak_allocated == 0 ? 0
                                      : static_cast<float>(r.total_allocated) * 100 /
                                            static_cast<float>(r.peak_allocated);
  r.bytes_per_key = r.total_keys ? r.net_usage / r.total_keys : 0;
  Ratio(r.rss, r.total_allocated, &r.total_frag, &r.total_frag_bytes);
  Ratio(r.allocator_active, r.allocator_allocated, &r.allocator_frag, &r.allocator_frag_bytes);
  Ratio(r.allocator_resident, r.allocator_active, &r.allocator_rss, &r.allocator_rss_bytes);
  Ratio(r.rss, r.allocator_resident, &r.rss_extra, &r.rss_extra_bytes);
  return r;
}

std::string MemoryDoctorText(const MemoryReport& r, size_t client_count) {
  constexpr int64_t k10Mb = 10 << 20;
  if (r.total_allocated < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.\n";
  }
  std::string issues;
  if (static_cast<float>(r.peak_allocated) / static_cast<float>(r.total_allocated) > 1.5) {
    issues +=
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a peak, so "
        "you can expect to see a big fragmentation ratio, however this is actually harmless and "
        "is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is "
        "currently bigger than expected, the memory will be used as soon as you fill the Redis "
        "instance with more data. If the memory peak was only occasional and you want to try to "
        "reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is "
        "to shutdown and restart the instance.\n\n";
  }
  if (r.total_frag > 1.4 && r.total_frag_bytes > k10Mb) {
    issues += absl::StrFormat(
        " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
        "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
        "than the sum of the logical allocations Redis performed). This problem is usually due "
        "either to a large peak memory (check if there is a peak memory entry above in the "
        "report) or may result from a workload that causes the allocator to fragment memory a "
        "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
        "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
        "currently used allocator is \"%s\".\n\n",
        AllocatorName());
  }
  if (r.allocator_frag > 1.1 && r.allocator_frag_bytes > k10Mb) {
    issues +=
        " * High allocator fragmentation: This instance has an allocator external "
        "fragmentation greater than 1.1. This problem is usually due either to a large peak "
        "memory (check if there is a peak memory entry above in the report) or may result from "
        "a workload that causes the allocator to fragment memory a lot. You can try enabling "
        "'activedefrag' config option.\n\n";
  }
  if (r.allocator_rss > 1.1 && r.allocator_rss_bytes > k10Mb) {
    issues +=
        " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
        "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
        "the sum what the allocator actually holds). This problem is usually due to a large "
        "peak memory (check if there is a peak memory entry above in the report), you can try "
        "the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (r.rss_extra > 1.1 && r.rss_extra_bytes > k10Mb) {
    issues +=
        " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
        "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
        "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
        "Modules.\n\n";
  }
  if (client_count > 0 && r.clients_normal / client_count > 200 * 1024) {
    issues +=
        " * Big client buffers: The clients output buffers in this instance are greater than "
        "200K per client (on average). This may result from different causes, like Pub/Sub "
        "clients subscribed to channels bot not receiving data fast enough, so that data piles "
        "on the Redis instance output buffer, or clients sending commands with large replies or "
        "very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
        "command in order to investigate the issue if it causes problems in your instance, or "
        "to understand better why certain clients are using a big amount of memory.\n\n";
  }
  if (issues.empty()) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this base.\n";
  }
  return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues +
         "I'm here to keep you safe, Sam. I want to help you.\n";
}

}  // namespace rill
