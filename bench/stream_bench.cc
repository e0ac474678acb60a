// Stream micro-benchmarks (the data structure alone) and one socket-level workload.
//
// BM_StreamAppend / BM_StreamRange10 / BM_GroupDeliverAck: the in-memory costs behind XADD,
// XRANGE ... COUNT 10 and an XREADGROUP + XACK pair; BM_StreamBytesPerEntry reports
// (counter "bytes_per_entry") 1M one-field entries' cost under glibc malloc.
//
// BM_ServerReadAckCycle drives a running server (RILL_BENCH_PORT, prefilled by the caller with a
// stream "cyc" and group "g" created at 0): 50 connections each read `pipeline` entries with as
// many XREADGROUP COUNT 1 and acknowledge each with XACK (pipelined with the next reads), all
// connections' requests in flight together, like redis-benchmark's clients. bench/compare.py runs
// it against rill-server and redis-server; without the variable it is skipped.
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_client.h"
#include "benchmark/benchmark.h"
#include "datastructs/stream.h"

namespace rill::ds {
namespace {

void BM_StreamAppend(benchmark::State& state) {
  std::vector<std::string_view> fv = {"f", "v"};
  for (auto _ : state) {
    Stream s;
    StreamId added;
    for (int i = 0; i < 100000; ++i) s.Add(nullptr, true, 1000 + i / 50, fv, {}, &added);
    benchmark::DoNotOptimize(s.length());
  }
  state.SetItemsProcessed(state.iterations() * 100000);
}
BENCHMARK(BM_StreamAppend)->Unit(benchmark::kMillisecond);

void BM_StreamRange10(benchmark::State& state) {
  Stream s;
  std::vector<std::string_view> fv = {"field", "value"};
  StreamId added;
  for (int i = 0; i < 100000; ++i) s.Add(nullptr, true, 1000 + i / 50, fv, {}, &added);
  size_t bytes = 0;
  for (auto _ : state) {
    Stream::Iterator it(s, StreamId::Min(), StreamId::Max());
    StreamEntryView e;
    for (int i = 0; i < 10 && it.Next(&e); ++i) {
      e.ForEachField([&](std::string_view f, std::string_view v) { bytes += f.size() + v.size(); });
    }
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StreamRange10);

void BM_GroupDeliverAck(benchmark::State& state) {
  ConsumerGroup g(StreamId::Min(), 0);
  StreamConsumer* c = g.CreateConsumer("c", 0);
  uint64_t ms = 1;
  for (auto _ : state) {
    g.Deliver({ms, 0}, c, 0);
    g.Acknowledge({ms, 0});
    ++ms;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GroupDeliverAck);

void BM_StreamBytesPerEntry(benchmark::State& state) {
  std::vector<std::string_view> fv = {"f", "v"};
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    auto s = std::make_unique<Stream>();
    StreamId added;
    for (int i = 0; i < 1000000; ++i) s->Add(nullptr, true, 1000 + i / 20, fv, {}, &added);
    state.counters["bytes_per_entry"] =
        static_cast<double>(mallinfo2().uordblks - before) / 1000000.0;
  }
}
BENCHMARK(BM_StreamBytesPerEntry)->Iterations(1)->Unit(benchmark::kMillisecond);

// ---- socket workload ----

// Length of the complete RESP frame at the start of `b`, or nullopt if incomplete.
std::optional<size_t> FrameLength(std::string_view b, size_t pos = 0) {
  size_t eol = b.find("\r\n", pos);
  if (eol == std::string_view::npos) return std::nullopt;
  const char type = b[pos];
  const long n = std::strtol(std::string(b.substr(pos + 1, eol - pos - 1)).c_str(), nullptr, 10);
  size_t end = eol + 2;
  if (type == '$') {
    if (n < 0) return end - pos;
    end += static_cast<size_t>(n) + 2;
    return end <= b.size() ? std::optional<size_t>(end - pos) : std::nullopt;
  }
  if (type == '*' || type == '%' || type == '~') {
    long items = type == '%' ? 2 * n : n;
    for (long i = 0; i < items; ++i) {
      if (end >= b.size()) return std::nullopt;
      auto len = FrameLength(b, end);
      if (!len) return std::nullopt;
      end += *len;
    }
    return end - pos;
  }
  return end - pos;
}

std::string Encode(const std::vector<std::string_view>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (std::string_view a : argv) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

struct Conn {
  int fd = -1;
  std::string in;
  std::string read_cmd;
};

std::string ReadFrame(Conn& c) {
  while (true) {
    if (auto len = FrameLength(c.in); len && !c.in.empty()) {
      std::string frame = c.in.substr(0, *len);
      c.in.erase(0, *len);
      return frame;
    }
    char buf[4096];
    ssize_t n = ::read(c.fd, buf, sizeof(buf));
    if (n <= 0) return {};
    c.in.append(buf, static_cast<size_t>(n));
  }
}

void BM_ServerReadAckCycle(benchmark::State& state) {
  const char* port_env = std::getenv("RILL_BENCH_PORT");
  if (port_env == nullptr) {
    state.SkipWithError("RILL_BENCH_PORT not set");
    return;
  }
  constexpr int kConns = 50;
  const int pipeline = static_cast<int>(state.range(0));
  std::vector<Conn> conns(kConns);
  for (int i = 0; i < kConns; ++i) {
    conns[i].fd = bench::ConnectLoopback(std::atoi(port_env));
    if (conns[i].fd < 0) {
      state.SkipWithError("cannot connect");
      return;
    }
    std::string consumer = "c" + std::to_string(i);
    const std::string read =
        Encode({"XREADGROUP", "GROUP", "g", consumer, "COUNT", "1", "STREAMS", "cyc", ">"});
    for (int p = 0; p < pipeline; ++p) conns[i].read_cmd += read;
  }
  // Each round a connection sends the XACKs of the entries it read last round together with its
  // next XREADGROUPs: one round trip per `pipeline` cycles, as a consumer loop with pipelining
  // does.
  std::vector<std::string> pending_ack(kConns);
  std::vector<int> pending_count(kConns, 0);
  int64_t cycles = 0;
  for (auto _ : state) {
    for (int i = 0; i < kConns; ++i) {
      std::string out = pending_ack[i] + conns[i].read_cmd;
      if (::write(conns[i].fd, out.data(), out.size()) < 0) {
        state.SkipWithError("write failed");
        return;
      }
    }
    for (int i = 0; i < kConns; ++i) {
      for (int a = 0; a < pending_count[i]; ++a) ReadFrame(conns[i]);  // :1 of each XACK
      pending_ack[i].clear();
      pending_count[i] = 0;
      for (int p = 0; p < pipeline; ++p) {
        std::string reply = ReadFrame(conns[i]);
        // *1 *2 $3 cyc *1 *2 $<n> <id> ...: the entry's ID follows "cyc" and two headers.
        size_t at = reply.find("\r\n*2\r\n$", reply.find("cyc\r\n"));
        if (at == std::string::npos) {
          state.SkipWithError("stream exhausted: prefill more entries");
          return;
        }
        at = reply.find("\r\n", at + 6) + 2;
        std::string_view id(reply.data() + at, reply.find("\r\n", at) - at);
        pending_ack[i] += Encode({"XACK", "cyc", "g", id});
        ++pending_count[i];
        ++cycles;
      }
    }
  }
  for (Conn& c : conns) ::close(c.fd);
  state.SetItemsProcessed(cycles);
}
BENCHMARK(BM_ServerReadAckCycle)->Arg(1)->Iterations(bench::BenchIterations(50))->UseRealTime();
BENCHMARK(BM_ServerReadAckCycle)
    ->Arg(16)
    ->Iterations(bench::BenchIterations(50 * 16))
    ->UseRealTime();

}  // namespace
}  // namespace rill::ds
