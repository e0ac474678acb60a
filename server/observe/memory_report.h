// Where the server's memory goes, as INFO memory, MEMORY STATS and MEMORY DOCTOR report it
// (Redis's getMemoryOverheadData): the bytes allocated (alloc_counter.h) split into the part
// that is not the dataset (start-up allocations, client buffers, the key indexes) and the rest,
// plus what the allocator and the kernel say about it (fragmentation and RSS ratios).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rill {

class Engine;

struct MemoryReport {
  size_t total_allocated = 0;  // used_memory
  size_t startup_allocated = 0;
  size_t peak_allocated = 0;
  size_t rss = 0;
  // The allocator's view (ReadAllocatorFigures in alloc_counter.h, with Redis's fallbacks).
  size_t allocator_allocated = 0;
  size_t allocator_active = 0;
  size_t allocator_resident = 0;
  size_t clients_normal = 0;
  size_t not_counted_for_evict = 0;
  size_t aof_buffer = 0;  // the AOF buffer not yet written (Redis's mem_aof_buffer)
  struct Db {
    int index = 0;
    size_t main_index = 0;     // overhead.hashtable.main
    size_t expires_index = 0;  // overhead.hashtable.expires
  };
  std::vector<Db> dbs;  // databases holding keys
  size_t total_keys = 0;
  size_t overhead_total = 0;
  size_t dataset = 0;
  size_t net_usage = 1;  // allocated minus start-up (at least 1)
  size_t bytes_per_key = 0;
  float dataset_perc = 0;
  float peak_perc = 0;
  // RSS / allocated and the other ratios Redis reports, with their byte differences.
  float total_frag = 0;
  int64_t total_frag_bytes = 0;
  float allocator_frag = 0;
  int64_t allocator_frag_bytes = 0;
  float allocator_rss = 0;
  int64_t allocator_rss_bytes = 0;
  float rss_extra = 0;
  int64_t rss_extra_bytes = 0;
};

MemoryReport BuildMemoryReport(Engine& engine);

// MEMORY DOCTOR's text for a report (Redis's wording, which operators know).
std::string MemoryDoctorText(const MemoryReport& report, size_t client_count);

// Resident set size of this process, from /proc/self/statm.
size_t ResidentBytes();

// Redis's bytesToHuman: "512B", "1.50K", "3.00M", "2.00G" ...
std::string HumanBytes(uint64_t n);

}  // namespace rill
