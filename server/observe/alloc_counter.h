// Memory accounting and the allocator behind it: the bytes the process holds in heap
// allocations right now, and what the allocator itself reports, purges and prints.
//
// Rill counts every allocation the way Redis's zmalloc does, so that `used_memory` (INFO memory)
// and the maxmemory check follow real usage: malloc, free, realloc, calloc and the aligned
// variants (and, where the allocator library exports its own, C++'s operator new/delete) are
// replaced in the rill-server executable by thin wrappers around the allocator chosen at build
// time (CMake's RILL_ALLOCATOR; server/observe/allocator/ holds one file per allocator):
//   glibc     __libc_malloc ..., each chunk counted by the size glibc keeps in its header (the
//             request rounded to 16-byte steps plus the 8-byte header; the pages of an mmapped
//             chunk): one load and one add per call.
//   jemalloc  Debian's libjemalloc (unprefixed) through its mallocx/sdallocx API, counted by
//             size class (nallocx on allocation, sallocx on free, which sdallocx then reuses),
//             as Redis counts je_malloc_usable_size.
//   mimalloc  Debian's libmimalloc through mi_malloc ..., counted by mi_usable_size.
// Test binaries and benchmarks link the glibc file.
//
// Why count instead of asking the allocator (bench/alloc_bench.cc, one run on the 2-core VM):
// a free + malloc pair costs 11.6 ns in glibc alone, 13.8 ns counted by the header, 16.9 ns
// counted with malloc_usable_size; mallinfo2() walks the free lists (0.15 ms on a heap with 50K
// free chunks) and jemalloc's stats need an epoch refresh, far too slow for every command.
//
// Each thread adds to its own counter slot (no atomic read-modify-write on the hot path); a read
// sums the slots. Under sanitizers (RILL_SANITIZE) the replacement is compiled out and the
// sanitizer allocator's own statistics are read instead.
#pragma once

#include <cstddef>
#include <string>

namespace rill {

// Bytes of heap allocations currently live in the process (every thread).
size_t AllocatedBytes();

// INFO's mem_allocator: "libc", "jemalloc-5.3.0", "mimalloc-2.0.9" or "sanitizer".
const char* AllocatorName();

// The allocator's own totals, as Redis's zmalloc_get_allocator_info reads jemalloc's
// stats.allocated / stats.active / stats.resident. Zero where the allocator does not know
// (BuildMemoryReport then fills them in as Redis does for libc).
struct AllocatorFigures {
  size_t allocated = 0;  // bytes in live allocations, as the allocator counts them
  size_t active = 0;     // bytes in pages that hold live allocations
  size_t resident = 0;   // bytes the allocator holds resident (active + cached free pages)
};
AllocatorFigures ReadAllocatorFigures();

// MEMORY PURGE: gives every free page the allocator caches back to the system now (glibc's
// malloc_trim(0), jemalloc's arena.<all>.purge, mimalloc's mi_collect(true)).
void PurgeAllocator();

// MEMORY MALLOC-STATS: the allocator's own report (glibc's malloc_info XML, jemalloc's
// malloc_stats_print, mimalloc's mi_stats_print).
std::string AllocatorStatsText();

// Whether the allocator returns idle pages to the system by itself (jemalloc's decay on its
// background thread, mimalloc's delayed reset): then the cron's HeapTrimmer leaves it alone.
bool AllocatorReleasesPagesItself();

}  // namespace rill
