// Keyspace micro-benchmarks: inserts, hit and miss lookups, and the memory cost per key.
//
// BM_BytesPerKey reports (counter "bytes_per_key") what 1M keys shaped like "key:000000123456"
// with 16-byte values cost under glibc malloc, measured with mallinfo2() before and after, so it
// includes malloc overhead and the index.
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "datastructs/keyspace.h"

namespace rill::ds {
namespace {

std::string KeyName(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key:%012d", i);
  return buf;
}

std::string ValueFor(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "val:%012d", i);
  return buf;
}

std::vector<std::string> Keys(int n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (int i = 0; i < n; ++i) keys.push_back(KeyName(i));
  return keys;
}

void BM_Insert1M(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  const std::string value = ValueFor(7);
  for (auto _ : state) {
    Database db;
    for (const std::string& k : keys) db.SetString(k, value);
    benchmark::DoNotOptimize(db.size());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Insert1M)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_LookupHit(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<std::string> keys = Keys(n);
  Database db;
  for (const std::string& k : keys) db.SetString(k, ValueFor(1));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(db.Find(keys[i], 0));
    i = (i + 7919) % keys.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupHit)->Arg(1'000)->Arg(1'000'000);

void BM_LookupMiss(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Database db;
  for (int i = 0; i < n; ++i) db.SetString(KeyName(i), ValueFor(1));
  std::vector<std::string> misses;
  for (int i = 0; i < 100000; ++i) misses.push_back("miss:" + std::to_string(i));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(db.Find(misses[i], 0));
    if (++i == misses.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LookupMiss)->Arg(1'000)->Arg(1'000'000);

void BM_BytesPerKey(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  double bytes_per_key = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> values;
    const std::vector<std::string> keys = Keys(n);
    state.ResumeTiming();
    malloc_trim(0);
    const size_t before = mallinfo2().uordblks;
    auto db = std::make_unique<Database>();
    for (int i = 0; i < n; ++i) db->SetString(keys[i], ValueFor(i));
    const size_t after = mallinfo2().uordblks;
    bytes_per_key = static_cast<double>(after - before) / n;
    state.counters["db_memory_usage_per_key"] = static_cast<double>(db->MemoryUsage()) / n;
    state.PauseTiming();
    db.reset();
    state.ResumeTiming();
  }
  state.counters["bytes_per_key"] = bytes_per_key;
}
BENCHMARK(BM_BytesPerKey)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill::ds
