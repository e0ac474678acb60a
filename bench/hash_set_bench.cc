// Hash and set micro-benchmarks: the memory targets of the hashes-and-sets issue, and the cost
// of the table operations behind HSET / HGET / SADD / SISMEMBER.
//
// Memory counters are heap bytes (mallinfo2().uordblks, so glibc's chunk overhead included)
// per element, for the three shapes bench/compare.py loads into both servers:
//   BM_BigHashBytes      one hash of 1,000,000 fields, 16-byte fields and 16-byte values
//   BM_BigSetBytes       one set of 1,000,000 16-byte members
//   BM_SmallHashesBytes  100,000 hashes of 10 fields each (16-byte fields and values), keyed
//                        "hash:%011d", per field (1,000,000 fields), key overhead included
// Redis 7.0.15 for the same data (INFO used_memory delta, jemalloc): see bench/README.md.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/set.h"

namespace rill::ds {
namespace {

std::string Sixteen(const char* prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%0*d", prefix, 16 - static_cast<int>(std::strlen(prefix)), i);
  return buf;
}

std::vector<std::string> Strings(const char* prefix, int n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(Sixteen(prefix, i));
  return out;
}

size_t HeapBytes() { return mallinfo2().uordblks; }

void BM_BigHashBytes(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto fields = Strings("field:", n);
  const auto values = Strings("value:", n);
  for (auto _ : state) {
    malloc_trim(0);
    const size_t before = HeapBytes();
    auto h = std::make_unique<Hash>();
    for (int i = 0; i < n; ++i) h->Set(fields[i], values[i], HashLimits{});
    state.counters["bytes_per_field"] = static_cast<double>(HeapBytes() - before) / n;
    state.counters["memory_usage_per_field"] = static_cast<double>(h->MemoryUsage()) / n;
  }
}
BENCHMARK(BM_BigHashBytes)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_BigSetBytes(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto members = Strings("member:", n);
  for (auto _ : state) {
    malloc_trim(0);
    const size_t before = HeapBytes();
    auto s = std::make_unique<Set>();
    for (int i = 0; i < n; ++i) s->Add(members[i], SetLimits{});
    state.counters["bytes_per_member"] = static_cast<double>(HeapBytes() - before) / n;
    state.counters["memory_usage_per_member"] = static_cast<double>(s->MemoryUsage()) / n;
  }
}
BENCHMARK(BM_BigSetBytes)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_SmallHashesBytes(benchmark::State& state) {
  const int hashes = static_cast<int>(state.range(0));
  constexpr int kFields = 10;
  const auto keys = Strings("hash:", hashes);
  const auto fields = Strings("field:", kFields);
  const auto values = Strings("value:", kFields);
  for (auto _ : state) {
    malloc_trim(0);
    const size_t before = HeapBytes();
    auto db = std::make_unique<Database>();
    for (int k = 0; k < hashes; ++k) {
      auto h = std::make_unique<Hash>();
      for (int f = 0; f < kFields; ++f) h->Set(fields[f], values[f], HashLimits{});
      db->SetObject(keys[k], std::move(h));
    }
    state.counters["bytes_per_field"] =
        static_cast<double>(HeapBytes() - before) / (hashes * kFields);
  }
}
BENCHMARK(BM_SmallHashesBytes)->Arg(100'000)->Iterations(1)->Unit(benchmark::kMillisecond);

// The table operations, on a hash big enough to be a table (10,000 fields) and on a 100-field
// listpack.
void BM_HashGet(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto fields = Strings("field:", n);
  Hash h;
  for (int i = 0; i < n; ++i) h.Set(fields[i], fields[i], HashLimits{});
  size_t i = 0;
  std::string_view v;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.Get(fields[i], &v));
    i = (i + 7919) % fields.size();
  }
  state.SetLabel(std::string(h.EncodingName()));
}
BENCHMARK(BM_HashGet)->Arg(100)->Arg(10'000)->Arg(1'000'000);

void BM_HashSetOverwrite(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto fields = Strings("field:", n);
  Hash h;
  for (int i = 0; i < n; ++i) h.Set(fields[i], "0123456789abcdef", HashLimits{});
  size_t i = 0;
  for (auto _ : state) {
    h.Set(fields[i], "fedcba9876543210", HashLimits{});
    i = (i + 7919) % fields.size();
  }
  state.SetLabel(std::string(h.EncodingName()));
}
BENCHMARK(BM_HashSetOverwrite)->Arg(100)->Arg(10'000);

void BM_HashInsertMillion(benchmark::State& state) {
  const auto fields = Strings("field:", 1'000'000);
  for (auto _ : state) {
    Hash h;
    for (const std::string& f : fields) h.Set(f, f, HashLimits{});
    benchmark::DoNotOptimize(h.size());
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(BM_HashInsertMillion)->Unit(benchmark::kMillisecond);

void BM_SetContains(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto members = Strings("member:", n);
  Set s;
  for (const std::string& m : members) s.Add(m, SetLimits{});
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.Contains(members[i]));
    i = (i + 7919) % members.size();
  }
}
BENCHMARK(BM_SetContains)->Arg(1'000)->Arg(1'000'000);

}  // namespace
}  // namespace rill::ds
