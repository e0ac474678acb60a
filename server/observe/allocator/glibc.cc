// alloc_counter.h over glibc's malloc: counting replacements of the C allocation functions.
// glibc documents replacing malloc this way ("Replacing malloc" in its manual): every function
// that allocates or frees is defined here, so memory from one family is never released through
// another. C++'s operator new/delete (libstdc++'s) call malloc/free and are counted through them.
#include <errno.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/observe/alloc_counter.h"

#if defined(__SANITIZE_ADDRESS__) || defined(RILL_NO_MALLOC_COUNTING)
#define RILL_COUNT_ALLOCATIONS 0
// From the sanitizer runtime (its header ships with clang, not with gcc).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#define RILL_COUNT_ALLOCATIONS 1
#include "server/observe/allocator/byte_count.h"
#endif

namespace rill {

AllocatorFigures ReadAllocatorFigures() {
  // glibc's view: bytes in use, and bytes obtained from the system (heap + mmapped). It does
  // not know which of its pages are resident; its mapped heap is the best bound.
  const struct mallinfo2 mi = mallinfo2();
  AllocatorFigures f;
  f.allocated = mi.uordblks + mi.hblkhd;
  f.active = mi.arena + mi.hblkhd;
  f.resident = f.active;
  return f;
}

void PurgeAllocator() { malloc_trim(0); }

std::string AllocatorStatsText() {
  char* text = nullptr;
  size_t len = 0;
  FILE* stream = open_memstream(&text, &len);
  if (stream != nullptr) {
    malloc_info(0, stream);
    std::fclose(stream);
  }
  std::string out = text != nullptr ? std::string(text, len) : std::string();
  std::free(text);
  return out;
}

// glibc keeps freed pages until malloc_trim: the cron trims (heap_trim.h).
bool AllocatorReleasesPagesItself() { return false; }

#if RILL_COUNT_ALLOCATIONS

namespace {

using alloc_internal::CountBytes;

// glibc keeps the chunk size (with three flag bits) in the word before the user pointer.
inline int64_t ChunkBytes(void* p) {
  return static_cast<int64_t>(reinterpret_cast<const size_t*>(p)[-1] & ~size_t{7});
}

inline void* Counted(void* p) {
  if (p != nullptr) CountBytes(ChunkBytes(p));
  return p;
}

}  // namespace

size_t AllocatedBytes() { return alloc_internal::CountedBytes(); }

const char* AllocatorName() { return "libc"; }

}  // namespace rill

extern "C" {

void* __libc_malloc(size_t size) noexcept;
void* __libc_calloc(size_t n, size_t size) noexcept;
void* __libc_realloc(void* p, size_t size) noexcept;
void __libc_free(void* p) noexcept;
void* __libc_memalign(size_t alignment, size_t size) noexcept;
void* __libc_valloc(size_t size) noexcept;
void* __libc_pvalloc(size_t size) noexcept;

void* malloc(size_t size) noexcept { return rill::Counted(__libc_malloc(size)); }

void* calloc(size_t n, size_t size) noexcept { return rill::Counted(__libc_calloc(n, size)); }

void free(void* p) noexcept {
  if (p == nullptr) return;
  rill::CountBytes(-rill::ChunkBytes(p));
  __libc_free(p);
}

void* realloc(void* p, size_t size) noexcept {
  if (p == nullptr) return rill::Counted(__libc_malloc(size));
  const int64_t old_bytes = rill::ChunkBytes(p);
  void* q = __libc_realloc(p, size);
  if (q != nullptr) {
    rill::CountBytes(rill::ChunkBytes(q) - old_bytes);
  } else if (size == 0) {
    rill::CountBytes(-old_bytes);  // glibc frees the block for a zero size
  }
  return q;
}

void* reallocarray(void* p, size_t n, size_t size) noexcept {
  size_t bytes;
  return rill::alloc_internal::ArrayBytes(n, size, &bytes) ? realloc(p, bytes) : nullptr;
}

void* memalign(size_t alignment, size_t size) noexcept {
  return rill::Counted(__libc_memalign(alignment, size));
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
  return rill::Counted(__libc_memalign(alignment, size));
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = rill::Counted(__libc_memalign(alignment, size));
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t size) noexcept { return rill::Counted(__libc_valloc(size)); }

void* pvalloc(size_t size) noexcept { return rill::Counted(__libc_pvalloc(size)); }

}  // extern "C"

#else  // !RILL_COUNT_ALLOCATIONS

size_t AllocatedBytes() { return __sanitizer_get_current_allocated_bytes(); }

const char* AllocatorName() { return "sanitizer"; }

}  // namespace rill

#endif
