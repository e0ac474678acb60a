// RDB writer and loader throughput on 1,000,000 string keys (16-byte keys and values), the
// dataset of bench/compare.py's SAVE and load rows, without the disk.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "datastructs/keyspace.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"

namespace rill {
namespace {

std::unique_ptr<ds::Database> MakeDb(int keys) {
  auto db = std::make_unique<ds::Database>();
  char key[32];
  for (int i = 0; i < keys; ++i) {
    std::snprintf(key, sizeof(key), "key:%012d", i);
    db->SetString(key, "vvvvvvvvvvvvvvvv");
  }
  return db;
}

void BM_RdbSave(benchmark::State& state) {
  auto db = MakeDb(static_cast<int>(state.range(0)));
  const ds::Database* dbs[] = {db.get()};
  size_t bytes = 0;
  for (auto _ : state) {
    persistence::StringSink sink;
    std::string error;
    persistence::WriteRdb(dbs, {}, &sink, &error);
    bytes = sink.data().size();
  }
  state.counters["file_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RdbSave)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_RdbLoad(benchmark::State& state) {
  auto db = MakeDb(static_cast<int>(state.range(0)));
  const ds::Database* dbs[] = {db.get()};
  persistence::StringSink sink;
  std::string error;
  persistence::WriteRdb(dbs, {}, &sink, &error);
  db.reset();
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = std::make_unique<ds::Database>();
    ds::Database* targets[] = {fresh.get()};
    state.ResumeTiming();
    persistence::RdbLoadInfo info;
    if (!persistence::LoadRdb(sink.data(), targets, {}, &info, &error)) {
      state.SkipWithError(error.c_str());
    }
    state.PauseTiming();
    fresh.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RdbLoad)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill
