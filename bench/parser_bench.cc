// Request parsing throughput: the pipelined SET traffic redis-benchmark sends (-P 16), a large
// bulk arriving in socket-sized pieces, and inline commands.
#include <benchmark/benchmark.h>

#include <string>

#include "protocol/request_parser.h"

namespace rill::protocol {
namespace {

std::string SetPipeline(int commands) {
  std::string out;
  for (int i = 0; i < commands; ++i) {
    out += "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$16\r\n0123456789abcdef\r\n";
  }
  return out;
}

// Parses a buffer of 16 pipelined SETs the way a connection does: command after command.
void BM_ParseSetPipeline16(benchmark::State& state) {
  const std::string buffer = SetPipeline(16);
  RequestParser parser;
  size_t args = 0;
  for (auto _ : state) {
    std::string_view rest = buffer;
    while (!rest.empty()) {
      if (parser.Parse(rest) != ParseStatus::kCommand) state.SkipWithError("parse failed");
      args += parser.args().size();
      rest.remove_prefix(parser.consumed());
    }
    benchmark::DoNotOptimize(args);
  }
  state.SetItemsProcessed(state.iterations() * 16);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
}
BENCHMARK(BM_ParseSetPipeline16);

// A 1 MiB value arriving 16 KiB at a time: each resumed call must cost O(1), not O(bytes so far).
void BM_ParseBigBulkInPieces(benchmark::State& state) {
  const std::string value(1 << 20, 'v');
  const std::string request =
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  RequestParser parser;
  for (auto _ : state) {
    for (size_t have = 16384;; have += 16384) {
      if (have >= request.size()) {
        if (parser.Parse(request) != ParseStatus::kCommand) state.SkipWithError("parse failed");
        break;
      }
      benchmark::DoNotOptimize(parser.Parse(std::string_view(request).substr(0, have)));
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(request.size()));
}
BENCHMARK(BM_ParseBigBulkInPieces);

void BM_ParseInlineQuoted(benchmark::State& state) {
  const std::string line = "SET \"key with spaces\" 'value\\'s' plain\r\n";
  RequestParser parser;
  for (auto _ : state) {
    if (parser.Parse(line) != ParseStatus::kCommand) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(parser.args().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseInlineQuoted);

}  // namespace
}  // namespace rill::protocol
