// The io_uring transport of the event loop (config `io-uring yes`, issue 24): completions
// instead of readiness for client sockets and listeners, so that a turn of the loop costs one
// io_uring_enter for everything instead of an epoll_wait, a recv and a send per request.
//
//   * Receiving is one multishot recv per socket over a ring of provided buffers shared by all
//     sockets (ProvidedBuffers): the kernel picks a buffer, fills it and posts a completion; no
//     recv per request. A buffer goes back to the ring as soon as its handler returned (the
//     connection copies the bytes into its own read buffer, which the parser needs contiguous).
//   * Sending is one IORING_OP_SEND per flush, queued in the ring and submitted with the next
//     wait: the replies of a turn leave in one batch. At most one send per socket is in flight
//     (the caller's contract), which keeps a connection's bytes in order across short sends.
//   * Accepting is one multishot accept per listener.
//   * Everything else the loop watches (the signal pipe, a replica's handshake socket) stays in
//     the loop's epoll set, whose descriptor is watched here with a multishot poll.
//
// A socket is attached as a slot; every operation's user_data names the slot, its generation
// and the kind of operation, so a completion that arrives after the slot was detached (or
// reused) is recognised and dropped. Detach cancels what is in flight and keeps the caller's
// `keepalive` (the connection and its send buffer) until the last completion arrived: the
// kernel may still read a send's bytes after the connection closed.
//
// One thread: the transport is used only from the event loop's thread (IORING_SETUP_SINGLE_
// ISSUER | DEFER_TASKRUN where the kernel has them: completions are produced when we enter).
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

// The provided-buffer ring: `count` buffers of `size` bytes, registered as buffer group
// `group`. The kernel takes buffers from the ring's head; Recycle puts one back at the tail.
// Memory is mapped lazily (a buffer costs resident memory once the kernel wrote into it) and
// not inherited by forked children (MADV_DONTFORK).
class ProvidedBuffers {
 public:
  // REQUIRES: count is a power of two, at most 32768.
  ProvidedBuffers(unsigned count, size_t size) : count_(count), size_(size) {}
  ~ProvidedBuffers();
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;

  // Maps the memory and registers the ring with `ring` as group `group`; 0 or -errno.
  int Register(io_uring* ring, int group);
  char* Buffer(unsigned id) const { return data_ + size_t{id} * size_; }
  // Hands buffer `id` back to the kernel (made visible at once).
  void Recycle(unsigned id);
  unsigned count() const { return count_; }
  size_t size() const { return size_; }
  // Buffers the kernel holds or has filled and not yet handed back: count() minus what sits
  // in the ring. For tests and the stats.
  unsigned outstanding() const { return outstanding_; }
  // Notes that the kernel consumed one buffer (a completion carried it).
  void NoteTaken() { ++outstanding_; }

 private:
  const unsigned count_;
  const size_t size_;
  io_uring* ring_ = nullptr;
  int group_ = -1;
  io_uring_buf_ring* buf_ring_ = nullptr;
  size_t buf_ring_bytes_ = 0;
  char* data_ = nullptr;
  unsigned outstanding_ = 0;
};

class UringTransport {
 public:
  // What a slot's owner is told. Each runs on the loop thread, during Dispatch.
  class Handler {
   public:
    // Bytes received; `bytes` lives until the call returns.
    virtual void OnReceived(std::string_view bytes) { (void)bytes; }
    // Receiving ended: 0 when the peer closed, -errno when the socket failed. Not called for
    // a StopReceiving or a Detach.
    virtual void OnReceiveEnded(int result) { (void)result; }
    // The send in flight completed: bytes sent (maybe fewer than asked), or -errno.
    virtual void OnSent(int result) { (void)result; }
    // A connection was accepted (the descriptor, non-blocking), or accept failed (-errno;
    // with `ended` the multishot accept stopped and must be started again).
    virtual void OnAccepted(int result, bool ended) {
      (void)result;
      (void)ended;
    }
    // The descriptor of a Poll became readable.
    virtual void OnPollReady() {}

   protected:
    ~Handler() = default;
  };
  using Slot = uint32_t;

  // Receive buffers: 128 of one page. The kernel takes them in ring order, so over time all
  // get touched: 512 KB resident at most, shared by every connection. Pages, not Redis's 16 KB
  // reads: the bytes are copied into the connection's own buffer anyway, and 128 x 16 KB made
  // 2 MB resident, which took the eviction test's RSS past its cap (maxmemory + 10%). A
  // bigger arrival is several completions of one submission, not more system calls.
  static constexpr unsigned kDefaultBufferCount = 128;
  static constexpr size_t kDefaultBufferSize = 4096;

  // A ring with its buffer group, or nullptr with the reason in `why` (the kernel refuses
  // io_uring, lacks a needed feature, or memory ran out). `buffer_count` is a power of two.
  static std::unique_ptr<UringTransport> Create(std::string* why,
                                                unsigned buffer_count = kDefaultBufferCount,
                                                size_t buffer_size = kDefaultBufferSize);
  ~UringTransport();
  UringTransport(const UringTransport&) = delete;
  UringTransport& operator=(const UringTransport&) = delete;

  // Starts tracking `fd` for `handler`. The slot is valid until Detach.
  Slot Attach(int fd, Handler* handler);
  // Arms (once) a multishot recv; nothing when it is armed already.
  void StartReceiving(Slot slot);
  // Cancels the multishot recv; bytes already received may still be reported.
  void StopReceiving(Slot slot);
  // Queues one send of [data, data + len). REQUIRES: no send of this slot in flight, and the
  // bytes stay valid and unchanged until OnSent (or, after Detach, until `keepalive` goes).
  void Send(Slot slot, const char* data, size_t len);
  // Arms a multishot accept on a listening socket attached as `slot`.
  void Accept(Slot slot);
  // Arms a multishot poll for readability of the slot's descriptor.
  void Poll(Slot slot);
  // The owner is done with the slot: its operations are cancelled, its handler is never
  // called again, and `keepalive` is held until the last of them completed.
  void Detach(Slot slot, std::shared_ptr<void> keepalive = nullptr);

  // Submits what is queued and waits up to `timeout_ms` (-1: no limit, 0: no wait) for at
  // least one completion, then dispatches every completion there is (held-back ones first).
  // Returns the completions dispatched, or -errno when the wait failed (-EINTR: a signal).
  int SubmitAndDispatch(int timeout_ms);
  // Submits, without waiting, what was queued (the sends of a busy script's side turns).
  void SubmitQueued();
  // Dispatches the completions ready now, except those of descriptor `skip_fd`: they are held
  // back, in order, for the next SubmitAndDispatch (a busy script's caller must not run).
  int PollOnce(int skip_fd);
  // Dispatching stops (for this call) once *stop is true (the loop's Stop()).
  void set_stop_flag(const bool* stop) { stop_ = stop; }

  const ProvidedBuffers& buffers() const { return buffers_; }
  // Multishot recvs that stopped because the buffer ring was empty (and were re-armed).
  uint64_t out_of_buffers() const { return out_of_buffers_; }

 private:
  enum class Op : uint8_t { kRecv = 1, kSend, kAccept, kPoll, kCancel };
  struct SlotState {
    Handler* handler = nullptr;
    int fd = -1;
    uint32_t generation = 0;
    bool receiving = false;       // a multishot recv is armed (or being armed)
    bool want_receiving = false;  // the owner wants one armed
    bool accepting = false;
    bool polling = false;
    bool sending = false;
    int in_flight = 0;  // operations whose last completion has not arrived
    bool detached = false;
    std::shared_ptr<void> keepalive;
  };

  UringTransport(unsigned buffer_count, size_t buffer_size);
  io_uring_sqe* GetSqe();
  static uint64_t UserData(Op op, Slot slot, uint32_t generation);
  void ArmRecv(Slot slot);
  void ArmAccept(Slot slot);
  void ArmPoll(Slot slot);
  void Cancel(Slot slot, Op op);
  // One completion: the handler's call, the buffer back to the ring, re-arming.
  void Handle(uint64_t user_data, int res, uint32_t flags);
  void OperationEnded(Slot slot);
  int DispatchCompletions(int skip_fd);

  io_uring ring_{};
  bool ring_ready_ = false;
  ProvidedBuffers buffers_;
  std::vector<SlotState> slots_;
  std::vector<Slot> free_slots_;
  // Multishot recvs that stopped for want of buffers (ENOBUFS), re-armed after the batch has
  // given its buffers back.
  std::vector<Slot> rearm_;
  struct Held {
    uint64_t user_data;
    int res;
    uint32_t flags;
  };
  std::vector<Held> held_;  // held back by PollOnce
  const bool* stop_ = nullptr;
  uint64_t out_of_buffers_ = 0;
};

}  // namespace rill
