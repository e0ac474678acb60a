// Counting replacements of the C allocation functions (see alloc_counter.h). glibc documents
// replacing malloc this way ("Replacing malloc" in its manual): every function that allocates
// or frees is defined here, so memory from one family is never released through another.
#include "server/observe/alloc_counter.h"

#include <errno.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__) || defined(RILL_NO_MALLOC_COUNTING)
#define RILL_COUNT_ALLOCATIONS 0
// From the sanitizer runtime (its header ships with clang, not with gcc).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#define RILL_COUNT_ALLOCATIONS 1
#endif

namespace rill {

#if RILL_COUNT_ALLOCATIONS

namespace {

// One counter per thread, each on its own cache line. Threads past the last private slot share
// the final one through atomic adds.
constexpr int kSlots = 32;
struct alignas(64) Slot {
  std::atomic<int64_t> bytes{0};
};
Slot g_slots[kSlots];
std::atomic<int> g_next_slot{0};
__thread int t_slot __attribute__((tls_model("initial-exec"))) = -1;

inline void Add(int64_t delta) {
  int slot = t_slot;
  if (__builtin_expect(slot < 0, 0)) {
    slot = g_next_slot.fetch_add(1, std::memory_order_relaxed);
    if (slot >= kSlots - 1) slot = kSlots - 1;
    t_slot = slot;
  }
  std::atomic<int64_t>& bytes = g_slots[slot].bytes;
  if (slot == kSlots - 1) {
    bytes.fetch_add(delta, std::memory_order_relaxed);
  } else {
    // Only this thread writes its slot: a plain load and store, no locked instruction.
    bytes.store(bytes.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
  }
}

// glibc keeps the chunk size (with three flag bits) in the word before the user pointer.
inline int64_t ChunkBytes(void* p) {
  return static_cast<int64_t>(reinterpret_cast<const size_t*>(p)[-1] & ~size_t{7});
}

inline void* Counted(void* p) {
  if (p != nullptr) Add(ChunkBytes(p));
  return p;
}

}  // namespace

size_t AllocatedBytes() {
  // Only slots handed out so far can be non-zero: usually just the event-loop thread's.
  const int used = std::min(g_next_slot.load(std::memory_order_relaxed), kSlots);
  int64_t total = 0;
  for (int i = 0; i < used; ++i) total += g_slots[i].bytes.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<size_t>(total) : 0;
}

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
  rill::Add(-rill::ChunkBytes(p));
  __libc_free(p);
}

void* realloc(void* p, size_t size) noexcept {
  if (p == nullptr) return rill::Counted(__libc_malloc(size));
  const int64_t old_bytes = rill::ChunkBytes(p);
  void* q = __libc_realloc(p, size);
  if (q != nullptr) {
    rill::Add(rill::ChunkBytes(q) - old_bytes);
  } else if (size == 0) {
    rill::Add(-old_bytes);  // glibc frees the block for a zero size
  }
  return q;
}

void* reallocarray(void* p, size_t n, size_t size) noexcept {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, bytes);
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
