// Reply building cost for the replies that dominate real traffic: +OK, bulk GET results,
// integers, a scored range (doubles) and a deferred-length array.
#include <benchmark/benchmark.h>

#include <string>

#include "protocol/reply_builder.h"

namespace rill::protocol {
namespace {

// 16 replies per iteration, as for one pipelined batch; the buffer is reused like a
// connection's output buffer.
void BM_ReplyOkPipeline16(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    ReplyBuilder reply(&out);
    for (int i = 0; i < 16; ++i) reply.Ok();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ReplyOkPipeline16);

void BM_ReplyBulkPipeline16(benchmark::State& state) {
  const std::string value(state.range(0), 'v');
  std::string out;
  for (auto _ : state) {
    out.clear();
    ReplyBuilder reply(&out);
    for (int i = 0; i < 16; ++i) reply.Bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ReplyBulkPipeline16)->Arg(16)->Arg(1024);

void BM_ReplyIntegerPipeline16(benchmark::State& state) {
  std::string out;
  int64_t v = 1234567;
  for (auto _ : state) {
    out.clear();
    ReplyBuilder reply(&out);
    for (int i = 0; i < 16; ++i) reply.Integer(v + i);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_ReplyIntegerPipeline16);

// ZRANGE ... WITHSCORES of 10 members, RESP2 (scores as bulk strings) and RESP3 (doubles).
void BM_ReplyScoredRange10(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    ReplyBuilder reply(&out);
    reply.set_resp3(state.range(0) == 3);
    reply.ArrayHeader(20);
    for (int i = 0; i < 10; ++i) {
      reply.Bulk("member:0001");
      reply.Double(i * 1.25 + 0.1);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 10);
}
BENCHMARK(BM_ReplyScoredRange10)->Arg(2)->Arg(3);

// SCAN/KEYS-style reply whose length is known only at the end.
void BM_ReplyDeferredArray100(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    ReplyBuilder reply(&out);
    size_t token = reply.BeginDeferredArray();
    for (int i = 0; i < 100; ++i) reply.Bulk("key:000000000001");
    reply.EndDeferredArray(token, 100);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ReplyDeferredArray100);

}  // namespace
}  // namespace rill::protocol
