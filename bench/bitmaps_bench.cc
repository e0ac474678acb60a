// Bitmaps and HyperLogLog: the data code alone, and a driver for a running server.
//
// BM_PopCount / BM_PopCountLibgcc: BITCOUNT's kernel over 1 MB, the dispatched POPCNT/AVX2 code
// against __builtin_popcountll compiled for baseline x86-64 (a call into libgcc's table code per
// word), to show what the run-time choice is worth. BM_HllAdd* / BM_HllCount: PFADD's and
// PFCOUNT's work on a dense HLL.
//
// BM_ServerSetBitRandom drives a running server (RILL_BENCH_PORT): 50 connections each send
// `pipeline` SETBITs at random offsets of a 1 MB value (bench:bits) and wait for the replies.
// redis-benchmark cannot vary an offset (its __rand_int__ is zero-padded, which SETBIT
// refuses), hence this driver; bench/compare.py runs it against rill-server and redis-server.
#include <unistd.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_client.h"
#include "benchmark/benchmark.h"
#include "datastructs/bitops.h"
#include "datastructs/hyperloglog.h"

namespace rill::bench {
namespace {

constexpr size_t kBitmapBytes = 1 << 20;

std::string RandomBytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

void BM_PopCount(benchmark::State& state) {
  const std::string s = RandomBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ds::bits::PopCount(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PopCount)->Arg(64)->Arg(4096)->Arg(kBitmapBytes);

void BM_PopCountLibgcc(benchmark::State& state) {
  const std::string s = RandomBytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    uint64_t count = 0;
    for (size_t i = 0; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      count += __builtin_popcountll(w);
    }
    benchmark::DoNotOptimize(count);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_PopCountLibgcc)->Arg(kBitmapBytes);

std::string DenseHll(int elements) {
  std::string h = ds::hll::NewSparse();
  for (int i = 0; i < elements; ++i) {
    ds::hll::Add(h, "e" + std::to_string(i), ds::hll::kDefaultSparseMaxBytes);
  }
  ds::hll::SparseToDense(h);
  return h;
}

void BM_HllAddDense(benchmark::State& state) {
  std::string h = DenseHll(100000);
  std::vector<std::string> elements;
  for (int i = 0; i < 1024; ++i) elements.push_back(std::to_string(i * 2654435761u));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ds::hll::Add(h, elements[i++ & 1023], ds::hll::kDefaultSparseMaxBytes));
  }
}
BENCHMARK(BM_HllAddDense);

void BM_HllCount(benchmark::State& state) {
  const std::string h = DenseHll(100000);
  for (auto _ : state) benchmark::DoNotOptimize(ds::hll::Count(h));
}
BENCHMARK(BM_HllCount);

void BM_HllAddSparse(benchmark::State& state) {
  std::vector<std::string> elements;
  for (int i = 0; i < 1000; ++i) elements.push_back("s" + std::to_string(i));
  for (auto _ : state) {
    std::string h = ds::hll::NewSparse();
    for (const std::string& e : elements) {
      ds::hll::Add(h, e, ds::hll::kDefaultSparseMaxBytes);
    }
    benchmark::DoNotOptimize(h);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1000);
}
BENCHMARK(BM_HllAddSparse);

std::string Command(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Reads until `replies` integer replies (":0\r\n" or ":1\r\n") arrived; false on error.
bool ReadIntegerReplies(int fd, size_t replies, std::string& in) {
  size_t lines = 0;
  size_t scanned = 0;
  while (true) {
    for (size_t at; (at = in.find("\r\n", scanned)) != std::string::npos;) {
      if (in[scanned] != ':') return false;
      scanned = at + 2;
      if (++lines == replies) {
        in.erase(0, scanned);
        return true;
      }
    }
    char buf[8192];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return false;
    in.append(buf, static_cast<size_t>(n));
  }
}

void BM_ServerSetBitRandom(benchmark::State& state) {
  const int port = BenchPort();
  if (port == 0) {
    state.SkipWithError("RILL_BENCH_PORT not set");
    return;
  }
  constexpr int kConns = 50;
  constexpr int kBatches = 64;
  const size_t pipeline = static_cast<size_t>(state.range(0));
  // Pre-built batches of random offsets within the 1 MB value, so that the client's work per
  // request is a copy.
  std::mt19937_64 rng(7);
  std::vector<std::string> batches(kBatches);
  for (std::string& batch : batches) {
    for (size_t i = 0; i < pipeline; ++i) {
      batch += Command({"SETBIT", "bench:bits", std::to_string(rng() % (kBitmapBytes * 8)),
                        std::to_string(rng() & 1)});
    }
  }
  std::vector<int> fds(kConns, -1);
  std::vector<std::string> inputs(kConns);
  for (int& fd : fds) {
    fd = ConnectLoopback(port);
    if (fd < 0) {
      state.SkipWithError("cannot connect");
      return;
    }
  }
  int64_t requests = 0;
  size_t next = 0;
  for (auto _ : state) {
    for (int fd : fds) {
      const std::string& batch = batches[next++ % kBatches];
      if (::write(fd, batch.data(), batch.size()) < 0) {
        state.SkipWithError("write failed");
        return;
      }
    }
    for (int i = 0; i < kConns; ++i) {
      if (!ReadIntegerReplies(fds[i], pipeline, inputs[i])) {
        state.SkipWithError("read failed or an error reply");
        return;
      }
    }
    requests += kConns * static_cast<int64_t>(pipeline);
  }
  for (int fd : fds) ::close(fd);
  state.SetItemsProcessed(requests);
}
BENCHMARK(BM_ServerSetBitRandom)->Arg(1)->Iterations(BenchIterations(50))->UseRealTime();
BENCHMARK(BM_ServerSetBitRandom)->Arg(16)->Iterations(BenchIterations(50 * 16))->UseRealTime();

}  // namespace
}  // namespace rill::bench
