#include "server/net/sync_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace rill {
namespace {

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Starts a non-blocking connect to one address; the fd, or -1.
int StartConnect(const addrinfo& ai) {
  const int fd =
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return -1;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0 || errno == EINPROGRESS) return fd;
  ::close(fd);
  return -1;
}

}  // namespace

std::unique_ptr<SyncConnection> SyncConnection::Connect(const std::string& host, int port,
                                                        int64_t timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list) != 0) {
    return nullptr;
  }
  // As Redis's anetTcpGenericConnect: the first address a connect can start on.
  int fd = -1;
  for (addrinfo* ai = list; ai != nullptr && fd < 0; ai = ai->ai_next) fd = StartConnect(*ai);
  ::freeaddrinfo(list);
  if (fd < 0) return nullptr;
  std::unique_ptr<SyncConnection> conn(new SyncConnection(fd));
  // As Redis's connSocketBlockingConnect: the wait's outcome is not checked (neither a timeout
  // nor SO_ERROR); a connection that did not come up fails at the first write instead, which
  // is what MIGRATE then reports ("error or timeout writing").
  conn->Wait(/*writable=*/true, MonotonicMs() + timeout_ms);
  conn->timed_out_ = false;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return conn;
}

SyncConnection::~SyncConnection() { ::close(fd_); }

bool SyncConnection::Wait(bool writable, int64_t deadline_ms) {
  while (true) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) {
      timed_out_ = true;
      errno = ETIMEDOUT;
      return false;
    }
    pollfd p{fd_, static_cast<short>(writable ? POLLOUT : POLLIN), 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

bool SyncConnection::WriteAll(std::string_view data, int64_t timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (!Wait(/*writable=*/true, deadline)) return false;
  }
  return true;
}

bool SyncConnection::ReadLine(std::string* line, size_t max, int64_t timeout_ms) {
  const int64_t deadline = MonotonicMs() + timeout_ms;
  line->clear();
  while (true) {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n == 0) return false;  // the peer closed
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) return false;
      if (!Wait(/*writable=*/false, deadline)) return false;
      continue;
    }
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    if (line->size() < max) line->push_back(c);
  }
}

}  // namespace rill
