// BM_AppendBuild: a value built by N APPENDs of 100 bytes through the engine (Engine::Execute,
// no sockets), as a log written line by line. The time per APPEND must not grow with N: values
// grow in place with room to spare (Database::WriteString), so building a value of total size
// T costs O(T), not O(T^2) as copying the whole value per APPEND did. Compare the per-item times
// of the 1,000 / 10,000 / 100,000 rows (100 KB, 1 MB and 10 MB values).
#include <string>
#include <string_view>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

void BM_AppendBuild(benchmark::State& state) {
  const int appends = static_cast<int>(state.range(0));
  const std::string chunk(100, 'x');
  const std::vector<std::string_view> append = {"APPEND", "log", chunk};
  const std::vector<std::string_view> del = {"DEL", "log"};
  Engine engine{Config()};
  Client client;
  client.authenticated = true;
  std::string out;
  for (auto _ : state) {
    for (int i = 0; i < appends; ++i) {
      out.clear();
      engine.Execute(client, append, &out);
    }
    state.PauseTiming();
    engine.Execute(client, del, &out);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * appends);
  state.SetBytesProcessed(state.iterations() * appends * static_cast<int64_t>(chunk.size()));
}
BENCHMARK(BM_AppendBuild)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rill
