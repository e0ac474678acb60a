// A RESP probe server on epoll called directly (issue 24): the shape of Rill's epoll transport
// (server/net/event_loop.cc, like Redis's ae.c) with nothing else around it, to set beside the
// Asio probes with the same command code (resp_probe.h):
//
//   * one level-triggered epoll set; a readable connection gets one recv into its read buffer
//     (16 KiB free at least) and its complete commands run at once;
//   * at the end of the turn (before the next epoll_wait) one send per connection with
//     replies; what a short send leaves waits for EPOLLOUT.
//
// Usage: epoll_resp_probe --port N [ignored redis-server flags]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/transport_probe/resp_probe.h"

namespace {

constexpr size_t kReadSize = 16 * 1024;  // redis-server's PROTO_IOBUF_LEN
constexpr int kMaxEvents = 1024;

struct Conn {
  int fd = -1;
  std::string in;
  size_t in_len = 0;
  std::string out;
  size_t out_sent = 0;
  bool flush_listed = false;
  bool want_write = false;  // EPOLLOUT registered after a short send
};

class Probe {
 public:
  int Run(int port);

 private:
  void Accept();
  void Read(Conn* c);
  bool Write(Conn* c);  // false when it closed the connection
  void Close(Conn* c);

  int epfd_ = -1;
  int listen_fd_ = -1;
  std::vector<std::unique_ptr<Conn>> conns_;  // by descriptor
  std::vector<int> flush_;                    // descriptors with replies to send
  rill::probe::Store store_;
};

void Probe::Accept() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as redis-server and Rill
    if (static_cast<size_t>(fd) >= conns_.size()) conns_.resize(fd + 1);
    conns_[fd] = std::make_unique<Conn>();
    conns_[fd]->fd = fd;
    conns_[fd]->in.resize(kReadSize);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
  }
}

void Probe::Close(Conn* c) {
  const int fd = c->fd;
  ::close(fd);  // leaves the epoll set with it
  c->fd = -1;
  conns_[fd].reset();
}

void Probe::Read(Conn* c) {
  if (c->in.size() - c->in_len < kReadSize) c->in.resize(c->in_len + kReadSize);
  const ssize_t n = ::recv(c->fd, c->in.data() + c->in_len, c->in.size() - c->in_len, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    // The replies of commands that came with the EOF still leave (at the end of the turn).
    if (c->out.size() > c->out_sent && !Write(c)) return;
    Close(c);
    return;
  }
  if (n < 0) return;
  c->in_len += static_cast<size_t>(n);
  const size_t used =
      rill::probe::Execute(std::string_view(c->in.data(), c->in_len), &c->out, &store_);
  if (used == rill::probe::kProtocolError) return Close(c);
  if (used > 0) {
    std::memmove(c->in.data(), c->in.data() + used, c->in_len - used);
    c->in_len -= used;
  }
  if (c->out.size() > c->out_sent && !c->flush_listed && !c->want_write) {
    c->flush_listed = true;
    flush_.push_back(c->fd);
  }
}

bool Probe::Write(Conn* c) {
  while (c->out_sent < c->out.size()) {
    const ssize_t n =
        ::send(c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c->want_write) {
        c->want_write = true;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.fd = c->fd;
        ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
      }
      return true;
    }
    if (n < 0) {
      Close(c);
      return false;
    }
    c->out_sent += static_cast<size_t>(n);
  }
  c->out.clear();
  c->out_sent = 0;
  if (c->want_write) {
    c->want_write = false;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = c->fd;
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd, &ev);
  }
  return true;
}

int Probe::Run(int port) {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 511) != 0) {
    std::fprintf(stderr, "epoll_resp_probe: port %d: %s\n", port, std::strerror(errno));
    return 1;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  std::fprintf(stderr, "epoll_resp_probe: level-triggered epoll, port %d\n", port);

  std::vector<epoll_event> events(kMaxEvents);
  for (;;) {
    const int n = ::epoll_wait(epfd_, events.data(), kMaxEvents, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        Accept();
        continue;
      }
      if (static_cast<size_t>(fd) >= conns_.size() || !conns_[fd]) continue;
      Conn* c = conns_[fd].get();
      if ((events[i].events & EPOLLOUT) != 0 && !Write(c)) continue;
      if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) Read(c);
    }
    // The turn's replies: one send per connection.
    for (int fd : flush_) {
      if (static_cast<size_t>(fd) >= conns_.size() || !conns_[fd]) continue;
      Conn* c = conns_[fd].get();
      c->flush_listed = false;
      if (!c->want_write) Write(c);
    }
    flush_.clear();
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int port = rill::probe::ParsePort(argc, argv);
  if (port < 0) return 2;
  Probe probe;
  return probe.Run(port);
}
