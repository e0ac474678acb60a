// The options for memory accounting, measured (see server/alloc_counter.h for the choice):
//
//   BM_AllocLibc         glibc's allocator alone (__libc_malloc / __libc_free), the baseline
//   BM_AllocCounted      malloc / free as Rill links them: counting by the chunk header
//   BM_AllocUsableSize   the alternative counter: malloc_usable_size on every call
//   BM_Mallinfo2         one mallinfo2() call (reading glibc's totals instead of counting)
//   BM_AllocatedBytes    one read of the counter (done before every command with maxmemory)
//   BM_EvictionSample    five keys sampled from a 1M-key database (one eviction's sampling)
//
// The allocations are 35..42-byte blocks recycled in a ring of 1000, as the keyspace's blocks.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "datastructs/keyspace.h"
#include "server/observe/alloc_counter.h"

extern "C" {
void* __libc_malloc(size_t size) noexcept;
void __libc_free(void* p) noexcept;
}

namespace rill {
namespace {

constexpr size_t kRing = 1000;

template <typename Alloc, typename Free>
void RunRing(benchmark::State& state, Alloc alloc, Free release) {
  std::vector<void*> ring(kRing, nullptr);
  size_t i = 0;
  for (auto _ : state) {
    void*& slot = ring[(i * 7919) % kRing];
    if (slot != nullptr) release(slot);
    slot = alloc(35 + (i & 7));
    benchmark::DoNotOptimize(slot);
    ++i;
  }
  for (void* p : ring) {
    if (p != nullptr) release(p);
  }
}

void BM_AllocLibc(benchmark::State& state) {
  RunRing(
      state, [](size_t n) { return __libc_malloc(n); }, [](void* p) { __libc_free(p); });
}
BENCHMARK(BM_AllocLibc);

void BM_AllocCounted(benchmark::State& state) {
  RunRing(
      state, [](size_t n) { return std::malloc(n); }, [](void* p) { std::free(p); });
  state.counters["allocated_bytes"] = static_cast<double>(AllocatedBytes());
}
BENCHMARK(BM_AllocCounted);

int64_t g_usable_counter = 0;

void BM_AllocUsableSize(benchmark::State& state) {
  RunRing(
      state,
      [](size_t n) {
        void* p = __libc_malloc(n);
        g_usable_counter += static_cast<int64_t>(malloc_usable_size(p));
        return p;
      },
      [](void* p) {
        g_usable_counter -= static_cast<int64_t>(malloc_usable_size(p));
        __libc_free(p);
      });
  benchmark::DoNotOptimize(g_usable_counter);
}
BENCHMARK(BM_AllocUsableSize);

void BM_Mallinfo2(benchmark::State& state) {
  // A heap with live blocks, as a server's.
  std::vector<void*> live;
  for (int i = 0; i < 100000; ++i) live.push_back(std::malloc(40));
  for (size_t i = 0; i < live.size(); i += 2) std::free(live[i]);
  for (auto _ : state) {
    struct mallinfo2 mi = mallinfo2();
    benchmark::DoNotOptimize(mi.uordblks);
  }
  for (size_t i = 1; i < live.size(); i += 2) std::free(live[i]);
}
BENCHMARK(BM_Mallinfo2);

void BM_AllocatedBytes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(AllocatedBytes());
}
BENCHMARK(BM_AllocatedBytes);

void BM_EvictionSample(benchmark::State& state) {
  ds::Database db;
  char key[32];
  for (int i = 0; i < 1000000; ++i) {
    std::snprintf(key, sizeof(key), "key:%012d", i);
    db.SetString(key, "0123456789abcdef");
  }
  uint64_t sum = 0;
  for (auto _ : state) {
    db.Sample(false, 5, [&sum](const ds::Entry& e) { sum += e.access_bits(); });
  }
  benchmark::DoNotOptimize(sum);
}
BENCHMARK(BM_EvictionSample);

}  // namespace
}  // namespace rill
