// Gives the heap's free pages back to the system once enough of them piled up.
//
// glibc keeps freed memory in its heap: freed chunks stay resident until they are reused or sit
// at the very top of the heap, and after a big mmapped block is freed it raises its mmap
// threshold, so that later big blocks come from the heap too and stay there when freed. After
// 10,000 connections closed, or a big key was deleted, the process kept every page. jemalloc
// (Redis) purges dirty pages on a decay timer; here the cron asks once a second.
//
// The measure is the slack: resident bytes that are not allocated (alloc_counter.h). It includes
// the binary, stacks and fragmentation that no trim can give back, so the trimmer compares it
// with what the last trim left: only when kSlackGrowth more bytes sit idle does it call
// malloc_trim(0), which returns every free page of every arena (madvise), not only the top.
// Allocators that return idle pages themselves (jemalloc, mimalloc: alloc_counter.h) are left
// to do so.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill {

class HeapTrimmer {
 public:
  static constexpr size_t kSlackGrowth = 4 * 1024 * 1024;

  // Trims when the slack grew by kSlackGrowth since the last trim (or since the first call);
  // returns whether it trimmed. `resident` and `allocated` are the process's RSS and the bytes
  // allocated now.
  bool MaybeTrim(size_t resident, size_t allocated);
  // MaybeTrim with the process's own figures (/proc/self/statm and AllocatedBytes()); never
  // trims an allocator that releases pages itself.
  bool MaybeTrim();

 private:
  bool measured_ = false;
  int64_t baseline_ = 0;  // the slack the last trim left, lowered whenever it shrinks
};

}  // namespace rill
