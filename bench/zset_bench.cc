// Sorted set micro-benchmarks (the data structure alone, no server).
//
// BM_ZSetBytesPerMember: 1,000,000 members of 16 bytes with random double scores in one set,
// heap bytes per member under glibc malloc (counter "bytes_per_member"; mallinfo2's in-use
// chunks plus mmap'd blocks). redis-server holds the same data in ~130 bytes per member of
// resident memory (docs/design-notes.md, "Sorted sets").
// BM_ZSetSmallSetsBytes: 100,000 sets of 10 such members with scores 0..9 (packed form), bytes
// per set ("bytes_per_set", the ZSet objects and their buffers, not the keyspace's entries).
// BM_ZSetAdd / BM_ZSetScore / BM_ZSetRank / BM_ZSetRangeByScore10 / BM_ZSetPopMinAdd /
// BM_ZSetIncr: the in-memory costs behind ZADD of a new random member, ZSCORE, ZRANK,
// ZRANGEBYSCORE ... LIMIT 0 10, ZPOPMIN (with an add to keep the size) and ZINCRBY, on a
// 1,000,000-member set.
#include <malloc.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "datastructs/zset.h"

namespace rill::ds {
namespace {

constexpr size_t kBig = 1000000;

size_t HeapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::string Member(uint64_t i) {
  std::string s = std::to_string(i);
  return "m" + std::string(15 - std::min<size_t>(15, s.size()), '0') + s;
}

// One shared 1M-member set for the operation benchmarks (built once).
ZSet& BigSet() {
  static ZSet* z = [] {
    ZSetLimits limits;
    auto* set = new ZSet(kBig, 16, limits);
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> score(0, 1e6);
    for (size_t i = 0; i < kBig; ++i) set->Set(Member(i), score(rng), limits);
    return set;
  }();
  return *z;
}

void BM_ZSetBytesPerMember(benchmark::State& state) {
  for (auto _ : state) {
    const size_t before = HeapInUse();
    ZSetLimits limits;
    auto z = std::make_unique<ZSet>(kBig, 16, limits);
    std::mt19937_64 rng(2);
    std::uniform_real_distribution<double> score(0, 1e6);
    for (size_t i = 0; i < kBig; ++i) z->Set(Member(i), score(rng), limits);
    state.counters["bytes_per_member"] =
        static_cast<double>(HeapInUse() - before) / static_cast<double>(kBig);
    state.counters["memory_usage_per_member"] =
        static_cast<double>(z->MemoryUsage()) / static_cast<double>(kBig);
  }
}
BENCHMARK(BM_ZSetBytesPerMember)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_ZSetSmallSetsBytes(benchmark::State& state) {
  constexpr size_t kSets = 100000;
  for (auto _ : state) {
    const size_t before = HeapInUse();
    ZSetLimits limits;
    std::vector<std::unique_ptr<ZSet>> sets;
    sets.reserve(kSets);
    const size_t after_vector = HeapInUse();
    for (size_t k = 0; k < kSets; ++k) {
      auto z = std::make_unique<ZSet>(10, 16, limits);
      for (int j = 0; j < 10; ++j) z->Set(Member(static_cast<uint64_t>(j)), j, limits);
      sets.push_back(std::move(z));
    }
    (void)before;
    state.counters["bytes_per_set"] =
        static_cast<double>(HeapInUse() - after_vector) / static_cast<double>(kSets);
  }
}
BENCHMARK(BM_ZSetSmallSetsBytes)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_ZSetAdd(benchmark::State& state) {
  ZSet& z = BigSet();
  ZSetLimits limits;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> score(0, 1e6);
  uint64_t next = kBig * 10;
  std::vector<std::string> added;
  for (auto _ : state) {
    added.push_back(Member(next++));
    z.Set(added.back(), score(rng), limits);
  }
  state.SetItemsProcessed(state.iterations());
  for (const auto& m : added) z.Remove(m);
}
BENCHMARK(BM_ZSetAdd);

void BM_ZSetScore(benchmark::State& state) {
  ZSet& z = BigSet();
  std::mt19937_64 rng(4);
  double sum = 0, s;
  for (auto _ : state) {
    if (z.Score(Member(rng() % kBig), &s)) sum += s;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetScore);

void BM_ZSetRank(benchmark::State& state) {
  ZSet& z = BigSet();
  std::mt19937_64 rng(5);
  size_t sum = 0, rank;
  for (auto _ : state) {
    if (z.Rank(Member(rng() % kBig), &rank)) sum += rank;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetRank);

void BM_ZSetRangeByScore10(benchmark::State& state) {
  ZSet& z = BigSet();
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> score(0, 1e6);
  double sum = 0;
  for (auto _ : state) {
    const size_t start = z.CountBefore(ZBound::ScoreBelow(score(rng)));
    if (start >= z.size()) continue;
    z.ForRange(start, std::min(start + 9, z.size() - 1), false, [&](double s, std::string_view) {
      sum += s;
      return true;
    });
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetRangeByScore10);

void BM_ZSetPopMinAdd(benchmark::State& state) {
  ZSet& z = BigSet();
  ZSetLimits limits;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> score(0, 1e6);
  std::string popped;
  double popped_score = 0;
  for (auto _ : state) {
    z.EraseRanks(0, 1, [&](double s, std::string_view m) {
      popped.assign(m);
      popped_score = s;
    });
    z.Set(popped, score(rng), limits);
  }
  benchmark::DoNotOptimize(popped_score);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetPopMinAdd);

void BM_ZSetIncr(benchmark::State& state) {
  ZSet& z = BigSet();
  ZSetLimits limits;
  std::mt19937_64 rng(8);
  for (auto _ : state) {
    std::string m = Member(rng() % kBig);
    double s = 0;
    z.Score(m, &s);
    z.Set(m, s + 1, limits);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ZSetIncr);

}  // namespace
}  // namespace rill::ds
