// Loopback connections for the drivers that benchmark a running server (RILL_BENCH_PORT).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace rill::bench {

// The port of the server under test from RILL_BENCH_PORT, or 0 when it is not set.
inline int BenchPort() {
  const char* env = std::getenv("RILL_BENCH_PORT");
  return env == nullptr ? 0 : std::atoi(env);
}

// Iterations for a driver whose one iteration sends `per_iteration` requests: the request
// total comes from RILL_BENCH_REQUESTS (bench/compare.py passes its --requests; 200,000
// without it), at least one iteration.
inline int64_t BenchIterations(int64_t per_iteration) {
  const char* env = std::getenv("RILL_BENCH_REQUESTS");
  const int64_t requests = env == nullptr ? 200'000 : std::atoll(env);
  return std::max<int64_t>(1, requests / per_iteration);
}

// A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY, or -1.
inline int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace rill::bench
