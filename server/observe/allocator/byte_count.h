// The per-thread byte counters behind AllocatedBytes() (alloc_counter.h), shared by the
// allocator files in this directory: each defines malloc & co. over its allocator and reports
// every block's size here.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace rill::alloc_internal {

// One counter per thread, each on its own cache line. Threads past the last private slot share
// the final one through atomic adds.
inline constexpr int kSlots = 32;
struct alignas(64) Slot {
  std::atomic<int64_t> bytes{0};
};
inline Slot g_slots[kSlots];
inline std::atomic<int> g_next_slot{0};
inline __thread int t_slot __attribute__((tls_model("initial-exec"))) = -1;

inline void CountBytes(int64_t delta) {
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

inline size_t CountedBytes() {
  // Only slots handed out so far can be non-zero: usually just the event-loop thread's.
  const int used = std::min(g_next_slot.load(std::memory_order_relaxed), kSlots);
  int64_t total = 0;
  for (int i = 0; i < used; ++i) total += g_slots[i].bytes.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<size_t>(total) : 0;
}

// n * size into *bytes; false, with errno ENOMEM as the C library sets it, when the product
// overflows (calloc, reallocarray).
inline bool ArrayBytes(size_t n, size_t size, size_t* bytes) {
  if (!__builtin_mul_overflow(n, size, bytes)) return true;
  errno = ENOMEM;
  return false;
}

}  // namespace rill::alloc_internal
