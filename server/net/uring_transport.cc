#include "server/net/uring_transport.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace rill {

namespace {

// Submission entries per ring: a turn that flushes more connections than this submits early
// (GetSqe), which costs one more io_uring_enter, not a failure.
constexpr unsigned kSqEntries = 1024;
// Completion entries: multishot operations post many per submission. The kernel keeps
// overflowing completions on a list (IORING_FEAT_NODROP), so this bounds no correctness.
constexpr unsigned kCqEntries = 8192;
// A burst that finds no receive buffer left stops the multishot recvs it hits (ENOBUFS); they
// are re-armed once the batch gave its buffers back.
constexpr int kBufferGroup = 0;

constexpr uint64_t kSlotMask = 0xFFFFFFFFu;
constexpr uint32_t kGenerationMask = 0xFFFFFFu;

// Multishot recv with provided buffers needs Linux 6.0 (multishot accept 5.19).
bool KernelHasMultishotRecv(std::string* why) {
  utsname name{};
  if (::uname(&name) != 0) return true;  // cannot tell: the first recv will say
  int major = 0;
  int minor = 0;
  if (std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return true;
  if (major > 6 || (major == 6 && minor >= 0)) return true;
  *why = std::string("kernel ") + name.release + " has no multishot recv (needs 6.0)";
  return false;
}

}  // namespace

ProvidedBuffers::~ProvidedBuffers() {
  if (data_ != nullptr) ::munmap(data_, size_t{count_} * size_);
  if (buf_ring_ != nullptr) ::munmap(buf_ring_, buf_ring_bytes_);
}

int ProvidedBuffers::Register(io_uring* ring, int group) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  buf_ring_bytes_ = (count_ * sizeof(io_uring_buf) + page - 1) / page * page;
  void* ring_mem =
      ::mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ring_mem == MAP_FAILED) return -errno;
  buf_ring_ = static_cast<io_uring_buf_ring*>(ring_mem);
  void* data = ::mmap(nullptr, size_t{count_} * size_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) return -errno;
  data_ = static_cast<char*>(data);
  // A forked child (BGSAVE) never receives: it need not copy the buffers or the ring.
  ::madvise(data_, size_t{count_} * size_, MADV_DONTFORK);
  ::madvise(buf_ring_, buf_ring_bytes_, MADV_DONTFORK);

  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring_);
  reg.ring_entries = count_;
  reg.bgid = static_cast<uint16_t>(group);
  const int ret = io_uring_register_buf_ring(ring, &reg, 0);
  if (ret != 0) return ret;
  ring_ = ring;
  group_ = group;
  const int mask = io_uring_buf_ring_mask(count_);
  for (unsigned id = 0; id < count_; ++id) {
    io_uring_buf_ring_add(buf_ring_, Buffer(id), static_cast<unsigned>(size_),
                          static_cast<uint16_t>(id), mask, static_cast<int>(id));
  }
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(count_));
  return 0;
}

void ProvidedBuffers::Recycle(unsigned id) {
  io_uring_buf_ring_add(buf_ring_, Buffer(id), static_cast<unsigned>(size_),
                        static_cast<uint16_t>(id), io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
  if (outstanding_ > 0) --outstanding_;
}

UringTransport::UringTransport(unsigned buffer_count, size_t buffer_size)
    : buffers_(buffer_count, buffer_size) {}

UringTransport::~UringTransport() {
  // The ring goes first: its teardown cancels what is in flight. Then the slots' keepalives
  // (connections and their send buffers) go.
  if (ring_ready_) io_uring_queue_exit(&ring_);
  ring_ready_ = false;
}

std::unique_ptr<UringTransport> UringTransport::Create(std::string* why, unsigned buffer_count,
                                                       size_t buffer_size) {
  if (!KernelHasMultishotRecv(why)) return nullptr;
  std::unique_ptr<UringTransport> transport(new UringTransport(buffer_count, buffer_size));
  io_uring_params params{};
  // One thread submits, and completions are produced only when it enters the kernel to wait
  // (no task-work interrupts while it runs commands).
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  params.cq_entries = kCqEntries;
  int ret = io_uring_queue_init_params(kSqEntries, &transport->ring_, &params);
  if (ret == -EINVAL) {  // a kernel before 6.1: without the two task-run flags
    params = {};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    ret = io_uring_queue_init_params(kSqEntries, &transport->ring_, &params);
  }
  if (ret < 0) {
    *why = std::string("io_uring_queue_init failed: ") + std::strerror(-ret);
    return nullptr;
  }
  transport->ring_ready_ = true;
  if ((params.features & IORING_FEAT_EXT_ARG) == 0) {
    *why = "the kernel's io_uring has no wait timeout argument (IORING_FEAT_EXT_ARG, 5.11)";
    return nullptr;
  }
  ret = transport->buffers_.Register(&transport->ring_, kBufferGroup);
  if (ret < 0) {
    *why = std::string("registering the receive buffer ring failed: ") + std::strerror(-ret);
    return nullptr;
  }
  return transport;
}

uint64_t UringTransport::UserData(Op op, Slot slot, uint32_t generation) {
  return (uint64_t{static_cast<uint8_t>(op)} << 56) |
         (uint64_t{generation & kGenerationMask} << 32) | slot;
}

io_uring_sqe* UringTransport::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    // The submission queue is full: hand it to the kernel now.
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

UringTransport::Slot UringTransport::Attach(int fd, Handler* handler) {
  Slot slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<Slot>(slots_.size());
    slots_.emplace_back();
  }
  SlotState& s = slots_[slot];
  const uint32_t generation = s.generation + 1;
  s = SlotState{};
  s.handler = handler;
  s.fd = fd;
  s.generation = generation;
  return slot;
}

void UringTransport::ArmRecv(Slot slot) {
  SlotState& s = slots_[slot];
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_recv_multishot(sqe, s.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, UserData(Op::kRecv, slot, s.generation));
  s.receiving = true;
  ++s.in_flight;
}

void UringTransport::StartReceiving(Slot slot) {
  SlotState& s = slots_[slot];
  if (s.detached) return;
  s.want_receiving = true;
  if (!s.receiving) ArmRecv(slot);
}

void UringTransport::StopReceiving(Slot slot) {
  SlotState& s = slots_[slot];
  if (!s.want_receiving) return;
  s.want_receiving = false;
  if (s.receiving) Cancel(slot, Op::kRecv);
}

void UringTransport::Send(Slot slot, const char* data, size_t len) {
  SlotState& s = slots_[slot];
  io_uring_sqe* sqe = GetSqe();
  // A send over 2 GB is cut short by the kernel; the caller sends the rest on OnSent.
  io_uring_prep_send(sqe, s.fd, data, len, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, UserData(Op::kSend, slot, s.generation));
  s.sending = true;
  ++s.in_flight;
}

void UringTransport::ArmAccept(Slot slot) {
  SlotState& s = slots_[slot];
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_multishot_accept(sqe, s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, UserData(Op::kAccept, slot, s.generation));
  s.accepting = true;
  ++s.in_flight;
}

void UringTransport::Accept(Slot slot) {
  if (!slots_[slot].accepting && !slots_[slot].detached) ArmAccept(slot);
}

void UringTransport::ArmPoll(Slot slot) {
  SlotState& s = slots_[slot];
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_poll_multishot(sqe, s.fd, POLLIN);
  io_uring_sqe_set_data64(sqe, UserData(Op::kPoll, slot, s.generation));
  s.polling = true;
  ++s.in_flight;
}

void UringTransport::Poll(Slot slot) {
  if (!slots_[slot].polling && !slots_[slot].detached) ArmPoll(slot);
}

void UringTransport::Cancel(Slot slot, Op op) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_cancel64(sqe, UserData(op, slot, slots_[slot].generation), 0);
  io_uring_sqe_set_data64(sqe, UserData(Op::kCancel, slot, slots_[slot].generation));
}

void UringTransport::Detach(Slot slot, std::shared_ptr<void> keepalive) {
  SlotState& s = slots_[slot];
  if (s.detached) return;
  s.detached = true;
  s.handler = nullptr;
  s.want_receiving = false;
  if (s.receiving) Cancel(slot, Op::kRecv);
  if (s.accepting) Cancel(slot, Op::kAccept);
  if (s.polling) Cancel(slot, Op::kPoll);
  // A send waiting for room is cancelled (a peer that reads nothing would keep it forever);
  // its buffer lives in `keepalive` until its completion arrived.
  if (s.sending) Cancel(slot, Op::kSend);
  s.keepalive = std::move(keepalive);
  if (s.in_flight == 0) OperationEnded(slot);
}

void UringTransport::OperationEnded(Slot slot) {
  SlotState& s = slots_[slot];
  if (!s.detached || s.in_flight > 0) return;
  std::shared_ptr<void> keepalive = std::move(s.keepalive);
  s.fd = -1;
  s.detached = false;
  s.receiving = s.accepting = s.polling = s.sending = false;
  s.in_flight = 0;
  free_slots_.push_back(slot);
  // `keepalive` goes last: its destructor may do anything, the slot is already free.
}

void UringTransport::Handle(uint64_t user_data, int res, uint32_t flags) {
  const auto op = static_cast<Op>(user_data >> 56);
  const auto slot = static_cast<Slot>(user_data & kSlotMask);
  const auto generation = static_cast<uint32_t>((user_data >> 32) & kGenerationMask);
  const bool has_buffer = (flags & IORING_CQE_F_BUFFER) != 0;
  const unsigned buffer_id = flags >> IORING_CQE_BUFFER_SHIFT;
  if (has_buffer) buffers_.NoteTaken();
  if (op == Op::kCancel || slot >= slots_.size() ||
      (slots_[slot].generation & kGenerationMask) != generation) {
    if (has_buffer) buffers_.Recycle(buffer_id);
    return;
  }
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  // slots_ may grow while a handler runs (an accepted connection attaches): index it afresh
  // after each call instead of holding a reference.
  switch (op) {
    case Op::kRecv: {
      if (has_buffer) {
        if (res > 0 && !slots_[slot].detached && slots_[slot].handler != nullptr) {
          slots_[slot].handler->OnReceived(
              std::string_view(buffers_.Buffer(buffer_id), static_cast<size_t>(res)));
        }
        buffers_.Recycle(buffer_id);
      }
      if (more) return;
      SlotState& s = slots_[slot];
      s.receiving = false;
      --s.in_flight;
      if (!s.detached) {
        const bool ended = res == 0 || (res < 0 && res != -ENOBUFS && res != -ECANCELED);
        if (ended) {
          s.want_receiving = false;
          if (s.handler != nullptr) s.handler->OnReceiveEnded(res);
        } else if (s.want_receiving) {
          // Out of buffers (ENOBUFS), stopped with bytes, or cancelled and wanted again.
          if (res == -ENOBUFS) {
            ++out_of_buffers_;
            rearm_.push_back(slot);
          } else {
            ArmRecv(slot);
          }
        }
      }
      OperationEnded(slot);
      return;
    }
    case Op::kSend: {
      slots_[slot].sending = false;
      --slots_[slot].in_flight;
      if (!slots_[slot].detached && slots_[slot].handler != nullptr) {
        slots_[slot].handler->OnSent(res);
      }
      OperationEnded(slot);
      return;
    }
    case Op::kAccept: {
      if (!more) {
        slots_[slot].accepting = false;
        --slots_[slot].in_flight;
      }
      if (!slots_[slot].detached && slots_[slot].handler != nullptr) {
        slots_[slot].handler->OnAccepted(res, !more);
      } else if (res >= 0) {
        ::close(res);  // accepted after the listener was closed
      }
      OperationEnded(slot);
      return;
    }
    case Op::kPoll: {
      if (!more) {
        slots_[slot].polling = false;
        --slots_[slot].in_flight;
      }
      if (!slots_[slot].detached) {
        if (res > 0 && slots_[slot].handler != nullptr) slots_[slot].handler->OnPollReady();
        if (!slots_[slot].detached && !slots_[slot].polling) ArmPoll(slot);
      }
      OperationEnded(slot);
      return;
    }
    case Op::kCancel:
      return;
  }
}

int UringTransport::DispatchCompletions(int skip_fd) {
  int dispatched = 0;
  io_uring_cqe* cqe = nullptr;
  while ((stop_ == nullptr || !*stop_) && io_uring_peek_cqe(&ring_, &cqe) == 0) {
    // Copied and consumed before the handler runs: a handler may dispatch again from inside
    // (a busy script's PollOnce) and must not see this completion a second time.
    const Held done{cqe->user_data, cqe->res, cqe->flags};
    io_uring_cqe_seen(&ring_, cqe);
    const auto slot = static_cast<Slot>(done.user_data & kSlotMask);
    bool hold = false;
    if (skip_fd >= 0 && slot < slots_.size() && slots_[slot].fd == skip_fd &&
        !slots_[slot].detached) {
      hold = true;
    }
    // Later completions of a slot with held ones wait behind them, in order.
    for (size_t i = 0; !hold && i < held_.size(); ++i) {
      hold = static_cast<Slot>(held_[i].user_data & kSlotMask) == slot;
    }
    if (hold) {
      held_.push_back(done);
      continue;
    }
    Handle(done.user_data, done.res, done.flags);
    ++dispatched;
  }
  for (Slot slot : rearm_) {
    SlotState& s = slots_[slot];
    if (!s.detached && s.want_receiving && !s.receiving) ArmRecv(slot);
  }
  rearm_.clear();
  return dispatched;
}

int UringTransport::SubmitAndDispatch(int timeout_ms) {
  int dispatched = 0;
  if (!held_.empty()) {
    std::vector<Held> held;
    held.swap(held_);
    for (const Held& h : held) {
      Handle(h.user_data, h.res, h.flags);
      ++dispatched;
    }
    timeout_ms = 0;  // there was work: look for more, do not sleep
  }
  io_uring_cqe* cqe = nullptr;
  int ret;
  if (timeout_ms < 0) {
    ret = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
  } else {
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
    ret = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) return ret;
  dispatched += DispatchCompletions(-1);
  if (dispatched == 0 && ret == -EINTR) return -EINTR;
  return dispatched;
}

void UringTransport::SubmitQueued() { io_uring_submit(&ring_); }

int UringTransport::PollOnce(int skip_fd) {
  // Submits, and runs the kernel's completion work without waiting (DEFER_TASKRUN produces
  // completions only when the thread enters with GETEVENTS).
  io_uring_submit_and_get_events(&ring_);
  return DispatchCompletions(skip_fd);
}

}  // namespace rill
