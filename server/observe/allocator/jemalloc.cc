// alloc_counter.h over jemalloc (Debian's libjemalloc, built without a prefix: it exports
// malloc itself). The C allocation functions defined here, in the executable, come before the
// library's; they allocate through jemalloc's own API (mallocx, rallocx, sdallocx) and count
// each block by its size class, which is what Redis counts (je_malloc_usable_size).
//
// jemalloc returns freed pages to the system by itself, on a decay timer (dirty_decay_ms, 10 s
// by default); the background thread Redis enables too (jemalloc-bg-thread yes) runs the decay
// while the server is idle.
#include <errno.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "server/observe/alloc_counter.h"
#include "server/observe/allocator/byte_count.h"

extern "C" {
// jemalloc's non-standard API (jemalloc/jemalloc.h), declared here because that header also
// declares malloc & co. with attributes that differ from these definitions.
void* mallocx(size_t size, int flags) noexcept;
void* rallocx(void* ptr, size_t size, int flags) noexcept;
size_t sallocx(const void* ptr, int flags) noexcept;
void sdallocx(void* ptr, size_t size, int flags) noexcept;
size_t nallocx(size_t size, int flags) noexcept;
int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen) noexcept;
void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque,
                        const char* opts) noexcept;

// Read by jemalloc when it initializes (its documented configuration hook).
const char* malloc_conf = "background_thread:true";
}

namespace rill {
namespace {

using alloc_internal::CountBytes;

constexpr int kZero = 0x40;            // MALLOCX_ZERO
constexpr unsigned kArenasAll = 4096;  // MALLCTL_ARENAS_ALL

inline int AlignFlag(size_t alignment) {  // MALLOCX_ALIGN for a power of two
  return __builtin_ctzl(alignment);
}

// glibc's memalign takes any alignment and rounds it up to a power of two.
inline size_t RoundAlignment(size_t alignment) {
  if (alignment <= sizeof(void*)) return sizeof(void*);
  return size_t{1} << (64 - __builtin_clzl(alignment - 1));
}

inline void* Allocate(size_t size, int flags) {
  if (size == 0) size = 1;  // mallocx's size must not be 0; malloc(0) returns a unique block
  void* p = mallocx(size, flags);
  if (p == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  CountBytes(static_cast<int64_t>(nallocx(size, flags)));
  return p;
}

inline void Release(void* p) {
  const size_t bytes = sallocx(p, 0);
  CountBytes(-static_cast<int64_t>(bytes));
  sdallocx(p, bytes, 0);  // the size saves jemalloc its own lookup
}

size_t ReadStat(const char* name) {
  size_t value = 0;
  size_t len = sizeof(value);
  if (mallctl(name, &value, &len, nullptr, 0) != 0) return 0;
  return value;
}

}  // namespace

size_t AllocatedBytes() { return alloc_internal::CountedBytes(); }

const char* AllocatorName() {
  // "jemalloc-5.3.0" from jemalloc's "5.3.0-0-g54eaed1d...", as Redis names it.
  static const std::string name = [] {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) != 0 || version == nullptr) {
      return std::string("jemalloc");
    }
    return "jemalloc-" + std::string(version, std::strcspn(version, "-"));
  }();
  return name.c_str();
}

AllocatorFigures ReadAllocatorFigures() {
  uint64_t epoch = 1;  // refreshes the statistics mallctl reads (Redis's zmalloc does the same)
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  AllocatorFigures f;
  f.allocated = ReadStat("stats.allocated");
  f.active = ReadStat("stats.active");
  f.resident = ReadStat("stats.resident");
  return f;
}

void PurgeAllocator() {
  const std::string name = "arena." + std::to_string(kArenasAll) + ".purge";
  mallctl(name.c_str(), nullptr, nullptr, nullptr, 0);
}

std::string AllocatorStatsText() {
  std::string out;
  malloc_stats_print(
      [](void* arg, const char* text) { static_cast<std::string*>(arg)->append(text); }, &out,
      nullptr);
  return out;
}

bool AllocatorReleasesPagesItself() { return true; }

}  // namespace rill

extern "C" {

void* malloc(size_t size) noexcept { return rill::Allocate(size, 0); }

void* calloc(size_t n, size_t size) noexcept {
  size_t bytes;
  return rill::alloc_internal::ArrayBytes(n, size, &bytes) ? rill::Allocate(bytes, rill::kZero)
                                                           : nullptr;
}

void free(void* p) noexcept {
  if (p != nullptr) rill::Release(p);
}

void* realloc(void* p, size_t size) noexcept {
  if (p == nullptr) return rill::Allocate(size, 0);
  if (size == 0) {  // glibc frees the block and returns null
    rill::Release(p);
    return nullptr;
  }
  const size_t old_bytes = sallocx(p, 0);
  void* q = rallocx(p, size, 0);
  if (q == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  rill::CountBytes(static_cast<int64_t>(sallocx(q, 0)) - static_cast<int64_t>(old_bytes));
  return q;
}

// Defined here too so that the data structures' calls reach this allocator whatever the order
// the dynamic linker searches libraries in (glibc's would misread these blocks).
size_t malloc_usable_size(void* p) noexcept { return p == nullptr ? 0 : sallocx(p, 0); }

void* reallocarray(void* p, size_t n, size_t size) noexcept {
  size_t bytes;
  return rill::alloc_internal::ArrayBytes(n, size, &bytes) ? realloc(p, bytes) : nullptr;
}

void* memalign(size_t alignment, size_t size) noexcept {
  return rill::Allocate(size, rill::AlignFlag(rill::RoundAlignment(alignment)));
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
  return rill::Allocate(size, rill::AlignFlag(rill::RoundAlignment(alignment)));
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void* p = rill::Allocate(size, rill::AlignFlag(alignment));
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t size) noexcept {
  return rill::Allocate(size, rill::AlignFlag(static_cast<size_t>(sysconf(_SC_PAGESIZE))));
}

void* pvalloc(size_t size) noexcept {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return rill::Allocate((size + page - 1) & ~(page - 1), rill::AlignFlag(page));
}

}  // extern "C"
