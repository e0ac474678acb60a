// BM_ServerMultiIncrExec drives a running server (RILL_BENCH_PORT): 50 connections each send
// `pipeline` transactions (MULTI, INCR, EXEC) in one write and wait for their EXEC replies; all
// connections' transactions are in flight together, like redis-benchmark's clients. redis-benchmark
// cannot send a different command per pipeline slot, hence this driver. bench/compare.py runs it
// against rill-server and redis-server; without the variable it is skipped.
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_client.h"
#include "benchmark/benchmark.h"

namespace rill {
namespace {

constexpr char kTransaction[] =
    "*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$7\r\ntxcount\r\n*1\r\n$4\r\nEXEC\r\n";

// Reads until the EXEC reply ("*1\r\n:<n>\r\n") of one transaction arrived; false on error.
bool ReadTransactionReply(int fd, std::string& in) {
  while (true) {
    size_t exec = in.find("*1\r\n:");
    if (exec != std::string::npos) {
      size_t end = in.find("\r\n", exec + 5);
      if (end != std::string::npos) {
        in.erase(0, end + 2);
        return true;
      }
    }
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
  }
}

void BM_ServerMultiIncrExec(benchmark::State& state) {
  const char* port_env = std::getenv("RILL_BENCH_PORT");
  if (port_env == nullptr) {
    state.SkipWithError("RILL_BENCH_PORT not set");
    return;
  }
  constexpr int kConns = 50;
  const int pipeline = static_cast<int>(state.range(0));
  std::string batch;
  for (int i = 0; i < pipeline; ++i) batch.append(kTransaction, sizeof(kTransaction) - 1);
  std::vector<int> fds(kConns, -1);
  std::vector<std::string> inputs(kConns);
  for (int& fd : fds) {
    fd = bench::ConnectLoopback(std::atoi(port_env));
    if (fd < 0) {
      state.SkipWithError("cannot connect");
      return;
    }
  }
  int64_t transactions = 0;
  for (auto _ : state) {
    for (int fd : fds) {
      if (::write(fd, batch.data(), batch.size()) < 0) {
        state.SkipWithError("write failed");
        return;
      }
    }
    for (int i = 0; i < kConns; ++i) {
      for (int t = 0; t < pipeline; ++t) {
        if (!ReadTransactionReply(fds[i], inputs[i])) {
          state.SkipWithError("read failed");
          return;
        }
      }
    }
    transactions += kConns * pipeline;
  }
  for (int fd : fds) ::close(fd);
  state.SetItemsProcessed(transactions);
}
BENCHMARK(BM_ServerMultiIncrExec)->Arg(1)->Iterations(bench::BenchIterations(50))->UseRealTime();
BENCHMARK(BM_ServerMultiIncrExec)
    ->Arg(16)
    ->Iterations(bench::BenchIterations(50 * 16))
    ->UseRealTime();

}  // namespace
}  // namespace rill
