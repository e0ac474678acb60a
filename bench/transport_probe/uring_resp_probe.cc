// A RESP probe server on liburing called directly (issue 24): the transport shape of Rill's
// server/net/uring_transport.cc with nothing else around it, so that it meets the Asio probes
// (asio_resp_probe.cc) with the same command code (resp_probe.h) and the same per-connection
// buffers. What it does, as Rill's transport does:
//
//   * one multishot accept on the listener;
//   * one multishot recv per connection over a ring of provided buffers shared by all
//     connections (128 x 4 KiB): the bytes are copied into the connection's read buffer and
//     the complete commands run at once, their replies gathered in the connection's reply
//     buffer;
//   * at the end of the turn one IORING_OP_SEND per connection with replies (at most one in
//     flight per connection; replies made meanwhile wait for it);
//   * one io_uring_submit_and_wait per turn for all of it, SINGLE_ISSUER | DEFER_TASKRUN, no
//     SQPOLL thread.
//
// Usage: uring_resp_probe --port N [ignored redis-server flags]
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/transport_probe/resp_probe.h"

namespace {

constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 8192;
constexpr unsigned kBufferCount = 128;  // a power of two
constexpr size_t kBufferSize = 4096;
constexpr int kBufferGroup = 0;

enum class Op : uint8_t { kAccept = 1, kRecv = 2, kSend = 3 };

struct Conn {
  int fd = -1;
  uint32_t generation = 0;
  std::string in;       // bytes received, not yet a complete command
  std::string out;      // replies made since the last send was queued
  std::string sending;  // the bytes of the send in flight
  size_t sent = 0;      // of `sending`, acknowledged by completions
  bool receiving = false;
  bool send_in_flight = false;
  bool flush_listed = false;
  bool ended = false;   // the peer closed, or failed: close once idle
  bool failed = false;  // a protocol error or a failed send: replies left unsent are dropped
};

class Probe {
 public:
  int Run(int port);

 private:
  io_uring_sqe* Sqe();
  static uint64_t Data(Op op, uint32_t slot, uint32_t generation) {
    return (uint64_t{static_cast<uint8_t>(op)} << 56) | (uint64_t{generation & 0xFFFFFFu} << 32) |
           slot;
  }
  void ArmAccept();
  void ArmRecv(uint32_t slot);
  void QueueSend(uint32_t slot);
  struct Completion {
    uint64_t user_data;
    int res;
    uint32_t flags;
  };
  void Handle(const Completion& cqe);
  void OnAccepted(int fd);
  void OnReceived(uint32_t slot, const char* data, size_t len);
  void MaybeClose(uint32_t slot);
  void Recycle(unsigned id);

  io_uring ring_{};
  io_uring_buf_ring* buf_ring_ = nullptr;
  char* buffers_ = nullptr;
  int listen_fd_ = -1;
  std::vector<Conn> conns_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> flush_;  // connections with replies to send at the end of the turn
  std::vector<uint32_t> rearm_;  // receives stopped for want of buffers
  rill::probe::Store store_;
};

io_uring_sqe* Probe::Sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {  // a full submission queue goes early (one more enter)
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void Probe::ArmAccept() {
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Data(Op::kAccept, 0, 0));
}

void Probe::ArmRecv(uint32_t slot) {
  Conn& c = conns_[slot];
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, Data(Op::kRecv, slot, c.generation));
  c.receiving = true;
}

void Probe::QueueSend(uint32_t slot) {
  Conn& c = conns_[slot];
  c.sending.swap(c.out);
  c.out.clear();
  c.sent = 0;
  io_uring_sqe* sqe = Sqe();
  io_uring_prep_send(sqe, c.fd, c.sending.data(), c.sending.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Data(Op::kSend, slot, c.generation));
  c.send_in_flight = true;
}

void Probe::Recycle(unsigned id) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + size_t{id} * kBufferSize, kBufferSize,
                        static_cast<uint16_t>(id), io_uring_buf_ring_mask(kBufferCount), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void Probe::OnAccepted(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // as redis-server and Rill
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(conns_.size());
    conns_.emplace_back();
  }
  Conn& c = conns_[slot];
  const uint32_t generation = c.generation;
  c = Conn{};
  c.generation = generation;
  c.fd = fd;
  ArmRecv(slot);
}

void Probe::OnReceived(uint32_t slot, const char* data, size_t len) {
  Conn& c = conns_[slot];
  c.in.append(data, len);
  const size_t used = rill::probe::Execute(c.in, &c.out, &store_);
  if (used == rill::probe::kProtocolError) {
    c.ended = c.failed = true;
    ::shutdown(c.fd, SHUT_RDWR);  // ends the multishot recv; the slot closes when idle
    return;
  }
  c.in.erase(0, used);
  if (!c.out.empty() && !c.flush_listed) {
    c.flush_listed = true;
    flush_.push_back(slot);
  }
}

void Probe::MaybeClose(uint32_t slot) {
  Conn& c = conns_[slot];
  // A peer's EOF that came with its last commands still gets their replies.
  if (!c.ended || c.receiving || c.send_in_flight || c.fd < 0) return;
  if (!c.out.empty() && !c.failed) return;
  ::close(c.fd);
  c.fd = -1;
  ++c.generation;  // completions still queued for the old connection are dropped
  c.in = c.out = c.sending = std::string();
  free_.push_back(slot);
}

void Probe::Handle(const Completion& cqe) {
  const auto op = static_cast<Op>(cqe.user_data >> 56);
  const auto slot = static_cast<uint32_t>(cqe.user_data & 0xFFFFFFFFu);
  const auto generation = static_cast<uint32_t>((cqe.user_data >> 32) & 0xFFFFFFu);
  const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  if (op == Op::kAccept) {
    if (cqe.res >= 0) OnAccepted(cqe.res);
    if (!more) ArmAccept();
    return;
  }
  const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
  const unsigned buffer_id = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
  if (slot >= conns_.size() || (conns_[slot].generation & 0xFFFFFFu) != generation) {
    if (has_buffer) Recycle(buffer_id);
    return;
  }
  Conn& c = conns_[slot];
  if (op == Op::kRecv) {
    if (has_buffer) {
      if (cqe.res > 0 && !c.ended) {
        OnReceived(slot, buffers_ + size_t{buffer_id} * kBufferSize, static_cast<size_t>(cqe.res));
      }
      Recycle(buffer_id);
    }
    if (more) return;
    Conn& cc = conns_[slot];
    cc.receiving = false;
    if (cqe.res == -ENOBUFS && !cc.ended) {
      rearm_.push_back(slot);
    } else if (cqe.res > 0 && !cc.ended) {
      ArmRecv(slot);  // a multishot that stopped with bytes
    } else {
      cc.ended = true;
    }
    MaybeClose(slot);
    return;
  }
  // Op::kSend
  c.send_in_flight = false;
  if (cqe.res < 0) {
    c.ended = c.failed = true;
    ::shutdown(c.fd, SHUT_RDWR);
  } else {
    c.sent += static_cast<size_t>(cqe.res);
    if (c.sent < c.sending.size()) {  // short send: the rest goes first
      io_uring_sqe* sqe = Sqe();
      io_uring_prep_send(sqe, c.fd, c.sending.data() + c.sent, c.sending.size() - c.sent,
                         MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, Data(Op::kSend, slot, c.generation));
      c.send_in_flight = true;
      return;
    }
    c.sending.clear();
    if (!c.out.empty() && !c.flush_listed) {
      c.flush_listed = true;
      flush_.push_back(slot);
    }
  }
  MaybeClose(slot);
}

int Probe::Run(int port) {
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = kCqEntries;
  int ret = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  if (ret < 0) {
    std::fprintf(stderr, "uring_resp_probe: io_uring_queue_init: %s\n", std::strerror(-ret));
    return 1;
  }
  const size_t ring_bytes = kBufferCount * sizeof(io_uring_buf);
  void* ring_mem =
      ::mmap(nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void* data = ::mmap(nullptr, kBufferCount * kBufferSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ring_mem == MAP_FAILED || data == MAP_FAILED) return 1;
  buf_ring_ = static_cast<io_uring_buf_ring*>(ring_mem);
  buffers_ = static_cast<char*>(data);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring_);
  reg.ring_entries = kBufferCount;
  reg.bgid = kBufferGroup;
  ret = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (ret != 0) {
    std::fprintf(stderr, "uring_resp_probe: io_uring_register_buf_ring: %s\n", std::strerror(-ret));
    return 1;
  }
  for (unsigned id = 0; id < kBufferCount; ++id) {
    io_uring_buf_ring_add(buf_ring_, buffers_ + size_t{id} * kBufferSize, kBufferSize,
                          static_cast<uint16_t>(id), io_uring_buf_ring_mask(kBufferCount),
                          static_cast<int>(id));
  }
  io_uring_buf_ring_advance(buf_ring_, kBufferCount);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 511) != 0) {
    std::fprintf(stderr, "uring_resp_probe: port %d: %s\n", port, std::strerror(errno));
    return 1;
  }
  ArmAccept();
  std::fprintf(stderr, "uring_resp_probe: liburing, multishot recv, port %d\n", port);

  for (;;) {
    io_uring_cqe* cqe = nullptr;
    ret = io_uring_submit_and_wait(&ring_, 1);
    if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
      std::fprintf(stderr, "uring_resp_probe: io_uring_submit_and_wait: %s\n", std::strerror(-ret));
      return 1;
    }
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const Completion done{cqe->user_data, cqe->res, cqe->flags};
      io_uring_cqe_seen(&ring_, cqe);
      Handle(done);
    }
    for (uint32_t slot : rearm_) {
      if (!conns_[slot].ended && !conns_[slot].receiving) ArmRecv(slot);
    }
    rearm_.clear();
    // The turn's replies: one send per connection, submitted with the next wait.
    for (uint32_t slot : flush_) {
      Conn& c = conns_[slot];
      c.flush_listed = false;
      if (c.fd >= 0 && !c.failed && !c.send_in_flight && !c.out.empty()) QueueSend(slot);
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
