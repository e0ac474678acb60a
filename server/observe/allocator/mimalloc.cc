// alloc_counter.h over mimalloc (Debian's libmimalloc, which exports malloc itself). The C
// allocation functions defined here, in the executable, come before the library's; they
// allocate through mimalloc's own API and count each block by mi_usable_size.
//
// mimalloc decommits the free spans of its segments by itself after a delay (decommit_delay),
// on later allocator activity.
#include <errno.h>
#include <mimalloc.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_format.h"
#include "server/observe/alloc_counter.h"
#include "server/observe/allocator/byte_count.h"

namespace rill {
namespace {

using alloc_internal::CountBytes;

inline void* Counted(void* p) {
  if (p == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  CountBytes(static_cast<int64_t>(mi_usable_size(p)));
  return p;
}

inline size_t RoundAlignment(size_t alignment) {
  if (alignment <= sizeof(void*)) return sizeof(void*);
  return size_t{1} << (64 - __builtin_clzl(alignment - 1));
}

}  // namespace

size_t AllocatedBytes() { return alloc_internal::CountedBytes(); }

const char* AllocatorName() {
  // mi_version() is 209 for 2.0.9.
  static const std::string name = [] {
    const int v = mi_version();
    return absl::StrFormat("mimalloc-%d.%d.%d", v / 100, v / 10 % 10, v % 10);
  }();
  return name.c_str();
}

// mimalloc's statistics count what it reserved and committed (32 MiB from the start: committed
// is not resident), not the bytes or pages in use: none of the three figures exists, and Redis's
// fallbacks (memory_report.cc) take the RSS and used_memory instead.
AllocatorFigures ReadAllocatorFigures() { return {}; }

void PurgeAllocator() { mi_collect(true); }

std::string AllocatorStatsText() {
  std::string out;
  mi_stats_print_out(
      [](const char* text, void* arg) { static_cast<std::string*>(arg)->append(text); }, &out);
  return out;
}

bool AllocatorReleasesPagesItself() { return true; }

}  // namespace rill

extern "C" {

void* malloc(size_t size) noexcept { return rill::Counted(mi_malloc(size)); }

void* calloc(size_t n, size_t size) noexcept { return rill::Counted(mi_calloc(n, size)); }

void free(void* p) noexcept {
  if (p == nullptr) return;
  rill::CountBytes(-static_cast<int64_t>(mi_usable_size(p)));
  mi_free(p);
}

void* realloc(void* p, size_t size) noexcept {
  if (p == nullptr) return rill::Counted(mi_malloc(size));
  if (size == 0) {  // glibc frees the block and returns null
    free(p);
    return nullptr;
  }
  const int64_t old_bytes = static_cast<int64_t>(mi_usable_size(p));
  void* q = mi_realloc(p, size);
  if (q == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  rill::CountBytes(static_cast<int64_t>(mi_usable_size(q)) - old_bytes);
  return q;
}

// Defined here too so that the data structures' calls reach this allocator whatever the order
// the dynamic linker searches libraries in (glibc's would misread these blocks).
size_t malloc_usable_size(void* p) noexcept { return p == nullptr ? 0 : mi_usable_size(p); }

void* reallocarray(void* p, size_t n, size_t size) noexcept {
  size_t bytes;
  return rill::alloc_internal::ArrayBytes(n, size, &bytes) ? realloc(p, bytes) : nullptr;
}

void* memalign(size_t alignment, size_t size) noexcept {
  return rill::Counted(mi_malloc_aligned(size, rill::RoundAlignment(alignment)));
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
  return rill::Counted(mi_malloc_aligned(size, rill::RoundAlignment(alignment)));
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = rill::Counted(mi_malloc_aligned(size, alignment));
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t size) noexcept {
  return rill::Counted(mi_malloc_aligned(size, static_cast<size_t>(sysconf(_SC_PAGESIZE))));
}

void* pvalloc(size_t size) noexcept {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return rill::Counted(mi_malloc_aligned((size + page - 1) & ~(page - 1), page));
}

}  // extern "C"
