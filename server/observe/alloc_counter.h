// Memory accounting: the bytes the process holds in heap allocations right now.
//
// Rill counts every allocation the way Redis's zmalloc does, so that `used_memory` (INFO memory)
// and the maxmemory check follow real usage: malloc, free, realloc, calloc and the aligned
// variants are replaced by thin wrappers around glibc's own allocator (__libc_malloc ...) that
// add or subtract each chunk's size as glibc records it in the chunk header (the requested
// bytes rounded up to glibc's 16-byte steps, plus its 8-byte header; the pages of an mmapped
// chunk). That is what the allocation really occupies, read from a word glibc has just written
// next to the pointer, so the count costs one load and one add per call.
//
// Why not the alternatives (bench/alloc_bench.cc, one run on the 2-core VM): a free + malloc
// pair costs 11.6 ns in glibc alone, 13.8 ns counted by the header, 16.9 ns counted with
// malloc_usable_size (a libc call each time, and it misses the header bytes); mallinfo2() walks
// the free lists (0.15 ms on a heap with 50K free chunks, far too slow for every command);
// operator new/delete overrides miss the keyspace's own malloc'd blocks; jemalloc would change
// every allocation's size class and the bytes per key measured against Redis.
//
// Each thread adds to its own counter slot (no atomic read-modify-write on the hot path); a read
// sums the slots. Under sanitizers (RILL_SANITIZE) the replacement is compiled out and the
// sanitizer allocator's own statistics are read instead.
#pragma once

#include <cstddef>

namespace rill {

// Bytes of heap allocations currently live in the process (every thread).
size_t AllocatedBytes();

// "libc" (with counting wrappers) or the sanitizer's allocator: INFO's mem_allocator.
const char* AllocatorName();

}  // namespace rill
