// rill_load: a load generator for Redis-protocol servers that costs less CPU per request than
// the server it drives, so that pipelined rows measure the server's ceiling, not the client's.
// Command line and output follow redis-benchmark (-h -p -c -n -P -r -d -t -q --csv, a command
// after the options); --threads N spreads the connections over N event loops (default 1).
//
// Each connection sends its batch (P requests, encoded once, __rand_int__ digits rewritten in
// place), then reads until all P replies are in, scanning each for its length and type; a
// batch is issued while fewer than -n requests were issued, as in redis-benchmark, so both
// tools send the same number of requests. Level-triggered epoll, one recv per readable event
// and one send per batch. Every reply is checked: an error reply or an unexpected type is
// counted, the first one printed, and the exit status is 1. The process's own CPU time per
// request goes to stderr with the percentiles (p50, p99, p99.9, max).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "load/latency_histogram.h"
#include "load/reply_scanner.h"
#include "load/workloads.h"

namespace rill::load {
namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int clients = 50;
  int64_t requests = 100000;
  int pipeline = 1;
  uint64_t keyspace = 0;  // 0: -r not given, placeholders stay literal
  int data_size = 3;
  int threads = 1;
  bool csv = false;
  bool quiet = false;
  std::string tests;
  std::vector<std::string> command;
};

[[noreturn]] void Usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "rill_load: %s\n", why);
  std::fprintf(stderr,
               "usage: rill_load [-h host] [-p port] [-c|--clients N] [-n requests]\n"
               "                 [-P|--pipeline N] [-r keyspace] [-d bytes] [--threads N]\n"
               "                 [-t test,...] [-q] [--csv] [command args...]\n"
               "tests: ping ping_inline ping_mbulk set get incr lpush rpush lpop rpop sadd\n"
               "       hset spop zadd zpopmin mset\n");
  std::exit(2);
}

int64_t Number(int argc, char** argv, int* i, int64_t min) {
  if (*i + 1 >= argc) Usage("an option needs a value");
  char* end = nullptr;
  const int64_t v = std::strtoll(argv[++*i], &end, 10);
  if (*end != '\0' || v < min) Usage("bad number");
  return v;
}

Options Parse(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h") {
      if (i + 1 >= argc) Usage("-h needs a host");
      o.host = argv[++i];
    } else if (a == "-p") {
      o.port = static_cast<int>(Number(argc, argv, &i, 1));
    } else if (a == "-c" || a == "--clients") {
      o.clients = static_cast<int>(Number(argc, argv, &i, 1));
    } else if (a == "-n") {
      o.requests = Number(argc, argv, &i, 1);
    } else if (a == "-P" || a == "--pipeline") {
      o.pipeline = static_cast<int>(Number(argc, argv, &i, 1));
    } else if (a == "-r") {
      o.keyspace = static_cast<uint64_t>(Number(argc, argv, &i, 0));
    } else if (a == "-d") {
      o.data_size = static_cast<int>(Number(argc, argv, &i, 1));
    } else if (a == "--threads") {
      o.threads = static_cast<int>(Number(argc, argv, &i, 1));
    } else if (a == "-t") {
      if (i + 1 >= argc) Usage("-t needs tests");
      o.tests = argv[++i];
    } else if (a == "-q") {
      o.quiet = true;
    } else if (a == "--csv") {
      o.csv = true;
    } else if (a == "--help") {
      Usage(nullptr);
    } else if (!a.empty() && a[0] == '-') {
      Usage(("unknown option " + a).c_str());
    } else {
      break;  // the command
    }
  }
  o.command.assign(argv + i, argv + argc);
  if (o.command.empty() && o.tests.empty()) {
    o.tests = "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,mset";
  }
  o.threads = std::min(o.threads, o.clients);
  return o;
}

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// utime + stime of the whole process (all threads), in seconds.
double ProcessCpuSeconds() {
  FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return 0;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  unsigned long utime = 0, stime = 0;
  // Fields after the command: state(3) ... utime(14) stime(15).
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
      2) {
    return 0;
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

int Connect(const Options& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(o.host.c_str(), std::to_string(o.port).c_str(), &hints, &res) != 0) {
    std::fprintf(stderr, "rill_load: cannot resolve %s\n", o.host.c_str());
    std::exit(1);
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd < 0) {
    std::fprintf(stderr, "Could not connect to Redis at %s:%d: %s\n", o.host.c_str(), o.port,
                 std::strerror(errno));
    std::exit(1);
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// What all threads of one run share.
struct Run {
  const Options* options;
  const Workload* workload;
  std::atomic<int64_t> issued{0};
  std::mutex error_mutex;
  std::string first_error;  // guarded by error_mutex
  std::atomic<int64_t> errors{0};

  void Error(const std::string& text) {
    if (errors.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(error_mutex);
      first_error = text;
    }
  }
};

struct Connection {
  int fd = -1;
  Batch batch;
  size_t written = 0;
  int pending = 0;  // replies of the current batch not yet read
  bool want_write = false;
  uint64_t sent_ns = 0;
  std::vector<char> in;
  size_t in_len = 0;
};

// One event loop over its share of the connections; returns when they are all done.
class Loop {
 public:
  Loop(Run* run, int connections, uint64_t seed) : run_(run), random_(seed | 1) {
    const Options& o = *run->options;
    epoll_ = epoll_create1(0);
    for (int i = 0; i < connections; ++i) {
      auto c = std::make_unique<Connection>();
      c->fd = Connect(o);
      c->batch = BuildBatch(run->workload->command, o.pipeline);
      c->in.resize(64 * 1024);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = c.get();
      epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev);
      connections_.push_back(std::move(c));
    }
  }

  ~Loop() {
    for (auto& c : connections_) close(c->fd);
    close(epoll_);
  }

  void Go() {
    const uint64_t now = NowNs();
    for (auto& c : connections_) StartBatch(c.get(), now);
    epoll_event events[256];
    while (live_ > 0) {
      const int n = epoll_wait(epoll_, events, 256, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        Fatal("epoll_wait");
      }
      const uint64_t at = NowNs();
      for (int i = 0; i < n; ++i) {
        auto* c = static_cast<Connection*>(events[i].data.ptr);
        if (events[i].events & EPOLLOUT) Flush(c);
        if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c, at);
      }
    }
  }

  const LatencyHistogram& histogram() const { return histogram_; }
  int64_t replies() const { return replies_; }

 private:
  [[noreturn]] static void Fatal(const char* what) {
    std::fprintf(stderr, "rill_load: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
  }

  void StartBatch(Connection* c, uint64_t now) {
    const int p = run_->options->pipeline;
    if (run_->issued.fetch_add(p, std::memory_order_relaxed) >= run_->options->requests) {
      return;  // this connection is done
    }
    ++live_;
    if (run_->options->keyspace > 0) {
      FillPlaceholders(c->batch.bytes.data(), c->batch.placeholders, run_->options->keyspace,
                       &random_);
    }
    c->pending = p;
    c->written = 0;
    c->sent_ns = now;
    Flush(c);
  }

  void Flush(Connection* c) {
    const std::string& out = c->batch.bytes;
    while (c->written < out.size()) {
      const ssize_t n = send(c->fd, out.data() + c->written, out.size() - c->written,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) Fatal("send");
        break;
      }
      c->written += n;
    }
    const bool want = c->written < out.size();
    if (want != c->want_write) {
      c->want_write = want;
      epoll_event ev{};
      ev.events = EPOLLIN | (want ? static_cast<uint32_t>(EPOLLOUT) : 0u);
      ev.data.ptr = c;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
    }
  }

  void Read(Connection* c, uint64_t now) {
    if (c->in_len == c->in.size()) c->in.resize(c->in.size() * 2);  // a reply bigger than it
    const ssize_t n = recv(c->fd, c->in.data() + c->in_len, c->in.size() - c->in_len, MSG_DONTWAIT);
    if (n == 0) {
      std::fprintf(stderr, "rill_load: the server closed a connection\n");
      std::exit(1);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      Fatal("recv");
    }
    if (c->pending == 0) {
      std::fprintf(stderr, "rill_load: a reply nobody asked for\n");
      std::exit(1);
    }
    c->in_len += n;
    const char* p = c->in.data();
    const char* end = p + c->in_len;
    const char expected = run_->workload->expected_type;
    while (c->pending > 0) {
      const ptrdiff_t len = ScanReply(p, end);
      if (len == kIncomplete) break;
      if (len == kMalformed) {
        std::fprintf(stderr, "rill_load: malformed reply: %.*s\n",
                     static_cast<int>(std::min<ptrdiff_t>(end - p, 80)), p);
        std::exit(1);
      }
      if (*p == '-') {
        run_->Error(std::string(p + 1, len - 3));
      } else if (expected != 0 && *p != expected) {
        run_->Error("unexpected reply type for " + run_->workload->title + ": " +
                    std::string(p, std::min<ptrdiff_t>(len - 2, 80)));
      }
      histogram_.Record(now - c->sent_ns);
      ++replies_;
      --c->pending;
      p += len;
    }
    c->in_len = end - p;
    if (c->in_len > 0) std::memmove(c->in.data(), p, c->in_len);
    if (c->pending == 0) {
      if (c->in_len > 0) {
        std::fprintf(stderr, "rill_load: a reply nobody asked for\n");
        std::exit(1);
      }
      --live_;
      StartBatch(c, now);
    }
  }

  Run* run_;
  int epoll_;
  uint64_t random_;
  std::vector<std::unique_ptr<Connection>> connections_;
  int live_ = 0;
  LatencyHistogram histogram_;
  int64_t replies_ = 0;
};

// Runs one workload; prints its row; returns false when the server replied with errors.
bool Benchmark(const Options& o, const Workload& w) {
  Run run;
  run.options = &o;
  run.workload = &w;
  std::vector<std::unique_ptr<Loop>> loops;
  const uint64_t seed = NowNs() ^ (static_cast<uint64_t>(getpid()) << 32);
  for (int t = 0; t < o.threads; ++t) {
    const int share = o.clients / o.threads + (t < o.clients % o.threads ? 1 : 0);
    loops.push_back(std::make_unique<Loop>(&run, share, seed * (2 * t + 1) + t));
  }
  const double cpu_before = ProcessCpuSeconds();
  const uint64_t start = NowNs();
  std::vector<std::thread> threads;
  for (int t = 1; t < o.threads; ++t) threads.emplace_back([&loops, t] { loops[t]->Go(); });
  loops[0]->Go();
  for (std::thread& t : threads) t.join();
  const double seconds = (NowNs() - start) / 1e9;
  const double cpu = ProcessCpuSeconds() - cpu_before;

  LatencyHistogram h;
  int64_t replies = 0;
  for (const auto& l : loops) {
    h.Merge(l->histogram());
    replies += l->replies();
  }
  const double rps = replies / seconds;
  auto ms = [](uint64_t ns) { return ns / 1e6; };
  if (o.csv) {
    std::printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n",
                w.title.c_str(), rps, h.mean() / 1e6, ms(h.min()), ms(h.Percentile(50)),
                ms(h.Percentile(95)), ms(h.Percentile(99)), ms(h.max()));
  } else if (o.quiet) {
    std::printf("%s: %.2f requests per second, p50=%.3f msec\n", w.title.c_str(), rps,
                ms(h.Percentile(50)));
  } else {
    std::printf(
        "====== %s ======\n  %lld requests completed in %.2f seconds\n  %d parallel clients, "
        "pipeline %d, %d thread(s)\n  %.2f requests per second\n  latency (msec): avg %.3f "
        "min %.3f p50 %.3f p95 %.3f p99 %.3f p99.9 %.3f max %.3f\n\n",
        w.title.c_str(), static_cast<long long>(replies), seconds, o.clients, o.pipeline, o.threads,
        rps, h.mean() / 1e6, ms(h.min()), ms(h.Percentile(50)), ms(h.Percentile(95)),
        ms(h.Percentile(99)), ms(h.Percentile(99.9)), ms(h.max()));
  }
  std::fflush(stdout);
  std::fprintf(stderr,
               "rill_load: %s: %lld requests, cpu %.3f s user+sys = %.3f us/request, "
               "busy %.0f%%; p50 %.3f p99 %.3f p99.9 %.3f max %.3f ms\n",
               w.title.c_str(), static_cast<long long>(replies), cpu, cpu / replies * 1e6,
               cpu / seconds * 100, ms(h.Percentile(50)), ms(h.Percentile(99)),
               ms(h.Percentile(99.9)), ms(h.max()));
  const int64_t errors = run.errors.load();
  if (errors > 0) {
    std::fprintf(stderr, "rill_load: %s: %lld error(s) of %lld replies; the first: %s\n",
                 w.title.c_str(), static_cast<long long>(errors), static_cast<long long>(replies),
                 run.first_error.c_str());
  }
  return errors == 0;
}

}  // namespace
}  // namespace rill::load

int main(int argc, char** argv) {
  using namespace rill::load;
  const Options o = Parse(argc, argv);
  std::vector<Workload> workloads;
  if (!o.command.empty()) {
    workloads.push_back(CustomWorkload(o.command));
  } else {
    std::string error;
    workloads = SelectTests(o.tests, o.keyspace > 0, o.data_size, &error);
    if (workloads.empty()) Usage(error.empty() ? "no tests" : error.c_str());
  }
  if (o.csv) {
    std::printf(
        "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
        "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n");
  }
  bool ok = true;
  for (const Workload& w : workloads) ok = Benchmark(o, w) && ok;
  const double cpu = ProcessCpuSeconds();
  std::fprintf(stderr, "rill_load: process cpu %.3f s user+sys\n", cpu);
  return ok ? 0 : 1;
}
