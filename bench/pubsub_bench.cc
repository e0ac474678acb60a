// BM_ServerPublishFanout drives a running server (RILL_BENCH_PORT): 10 subscriber connections
// on channel "bench" and 50 publisher connections, each sending `pipeline` PUBLISH commands per
// round; a round ends when every publisher has its replies and every subscriber every message.
// Subscribers only count bytes (each message frame has the same size), so the client side
// costs little and the row measures the server's fan-out. bench/compare.py runs it against
// rill-server and redis-server; without the variable it is skipped.
#include <poll.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "bench/bench_client.h"
#include "benchmark/benchmark.h"

namespace rill::bench {
namespace {

constexpr int kSubscribers = 10;
constexpr int kPublishers = 50;
constexpr char kPublish[] = "*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$5\r\nhello\r\n";
// ":10\r\n" from each PUBLISH, and the message frame each subscriber receives.
constexpr size_t kReplyBytes = 5;
constexpr size_t kMessageBytes =
    sizeof("*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$5\r\nhello\r\n") - 1;

bool Subscribe(int fd) {
  static constexpr char kSubscribe[] = "*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n";
  static constexpr size_t kConfirm = sizeof("*3\r\n$9\r\nsubscribe\r\n$5\r\nbench\r\n:1\r\n") - 1;
  if (::write(fd, kSubscribe, sizeof(kSubscribe) - 1) < 0) return false;
  size_t got = 0;
  char buf[256];
  while (got < kConfirm) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void BM_ServerPublishFanout(benchmark::State& state) {
  const int port = BenchPort();
  if (port == 0) {
    state.SkipWithError("RILL_BENCH_PORT not set");
    return;
  }
  const size_t pipeline = static_cast<size_t>(state.range(0));
  std::vector<pollfd> fds;
  for (int i = 0; i < kSubscribers + kPublishers; ++i) {
    int fd = ConnectLoopback(port);
    if (fd < 0 || (i < kSubscribers && !Subscribe(fd))) {
      state.SkipWithError("cannot connect or subscribe");
      return;
    }
    fds.push_back({fd, POLLIN, 0});
  }
  std::string batch;
  for (size_t i = 0; i < pipeline; ++i) batch += kPublish;
  const size_t per_publisher = pipeline * kReplyBytes;
  const size_t per_subscriber = kPublishers * pipeline * kMessageBytes;
  std::vector<size_t> wanted(fds.size());
  char buf[64 * 1024];
  int64_t published = 0;
  for (auto _ : state) {
    for (int i = kSubscribers; i < kSubscribers + kPublishers; ++i) {
      if (::write(fds[i].fd, batch.data(), batch.size()) < 0) {
        state.SkipWithError("write failed");
        return;
      }
    }
    size_t open = fds.size();
    for (size_t i = 0; i < fds.size(); ++i) {
      wanted[i] = static_cast<int>(i) < kSubscribers ? per_subscriber : per_publisher;
      fds[i].events = POLLIN;
    }
    while (open > 0) {
      if (::poll(fds.data(), fds.size(), 5000) <= 0) {
        state.SkipWithError("server stopped answering");
        return;
      }
      for (size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
        if (n <= 0 || static_cast<size_t>(n) > wanted[i]) {
          state.SkipWithError("unexpected reply");
          return;
        }
        wanted[i] -= static_cast<size_t>(n);
        if (wanted[i] == 0) {
          fds[i].events = 0;
          --open;
        }
      }
    }
    published += kPublishers * static_cast<int64_t>(pipeline);
  }
  for (const pollfd& p : fds) ::close(p.fd);
  state.SetItemsProcessed(published);
}
BENCHMARK(BM_ServerPublishFanout)->Arg(1)->Iterations(BenchIterations(kPublishers))->UseRealTime();
BENCHMARK(BM_ServerPublishFanout)
    ->Arg(16)
    ->Iterations(BenchIterations(kPublishers * 16))
    ->UseRealTime();

}  // namespace
}  // namespace rill::bench
