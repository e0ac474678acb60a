// Rill's event loop: one thread, one level-triggered epoll set, timers, posted callbacks and
// signals, in the shape of Redis's ae.c.
//
// Why our own and not Asio's reactor: Asio's epoll reactor is edge-triggered, so after every
// read it must either try another read (an EAGAIN recv) or re-arm the descriptor (an
// epoll_ctl) before it may wait; perf's syscall tracepoints showed 3 syscalls per pipeline-1
// request against Redis's 2. A level-triggered set needs neither: epoll reports a socket while
// it has bytes, one recv takes them, one send answers. It also gives the "before sleep" point
// Redis has, where the replies and messages of a whole batch of events go out together.
//
//   EventLoop loop;
//   loop.Watch(fd, &handler, /*read=*/true, /*write=*/false);
//   loop.RunAfter(100, [] { ... });           // once, in 100 ms
//   loop.set_before_sleep([] { ... });        // after each batch of events, before waiting
//   loop.Run();                               // until Stop()
//
// Handlers are looked up by descriptor and registration when an event is dispatched, so a
// handler that is unwatched while events of the same batch are pending is simply not called,
// and neither is a new handler that got the same descriptor number.
//
// Two transports (config `io-uring`): by default the loop waits in epoll_wait. After
// UseUring() it waits in io_uring_enter instead (server/net/uring_transport.h): client sockets
// and listeners then go through uring() as completions (their owners choose by uring() being
// non-null), while whatever is Watch()ed stays in the epoll set, whose descriptor the ring
// polls. Timers, posts, signals and the before-sleep hook are the same for both.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace rill {

class UringTransport;

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using TimerId = uint64_t;

  class Handler {
   public:
    // `readable` / `writable` as epoll says; `failed` for EPOLLERR / EPOLLHUP.
    virtual void OnReady(bool readable, bool writable, bool failed) = 0;

   protected:
    ~Handler() = default;
  };

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Switches the loop to waiting on io_uring. Before anything is attached to uring(). False
  // with the reason in `why` when the kernel refuses (the loop then stays on epoll).
  bool UseUring(std::string* why);
  // The io_uring transport, or nullptr when the loop runs on epoll.
  UringTransport* uring() { return uring_.get(); }
  // Hands queued io_uring submissions (sends) to the kernel now, without waiting; nothing on
  // epoll. For work done outside Run's turns (a busy script's side turns).
  void SubmitQueued();

  // Level-triggered interest in `fd`; false (with errno) if epoll refuses it.
  bool Watch(int fd, Handler* handler, bool read, bool write);
  void Update(int fd, bool read, bool write);
  void Unwatch(int fd);

  // Runs `fn` on the loop after the current batch of events and timers, before the next wait.
  void Post(Callback fn);
  // Runs `fn` once, `delay_ms` from now (0: on the next turn, after the events).
  TimerId RunAfter(int64_t delay_ms, Callback fn);
  void Cancel(TimerId id);
  // Calls `fn` on the loop when `signo` arrives (installed with SA_RESTART).
  void OnSignal(int signo, Callback fn);
  // Called after each batch of events, timers and posts, right before waiting again.
  void set_before_sleep(Callback fn) { before_sleep_ = std::move(fn); }
  // Called when the loop is about to sleep and nothing is ready: work that waits for the
  // loop to go idle (see Server's deferred push flushes). Only after RequestIdleCallback, which
  // holds for one wait: the loop first polls without sleeping, runs the dispatch as usual if
  // events are ready, and calls `fn` only when none are, then waits as it would have.
  void set_on_idle(Callback fn) { on_idle_ = std::move(fn); }
  void RequestIdleCallback() { idle_requested_ = true; }

  void Run();
  // Dispatches the events ready now (no wait, no timers, no posted callbacks), except those of
  // `skip_fd`, which stay pending (level-triggered). For a server that must answer clients from
  // inside a long command (a busy script). Returns the number of events dispatched.
  int PollOnce(int skip_fd);
  // Runs the callbacks posted so far (at shutdown, after Run: releases what they hold).
  void RunPending();
  // Ends Run() after the current event.
  void Stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

 private:
  struct Watched {
    Handler* handler = nullptr;
    uint32_t events = 0;
    // Tells this registration from an earlier one of the same descriptor number: an event of
    // a socket closed earlier in the batch must not reach the socket that reused its number.
    uint32_t generation = 0;
  };
  class SignalPipe;
  class EpollBridge;

  int WaitTimeoutMs() const;
  // epoll_wait for the next batch, through the idle callback when it was requested.
  int Wait();
  void RunTimers();
  void RunPosted();
  void Dispatch(const epoll_event& event);
  // Dispatches what the epoll set has ready now (under io_uring, when the ring saw its
  // descriptor readable), except events of `skip_fd`.
  int DispatchEpollReady(int skip_fd);
  // One wait and its completions on the ring, through the idle callback when requested.
  void WaitUring();

  int epfd_ = -1;
  std::vector<Watched> watched_;  // by descriptor
  std::vector<epoll_event> events_;
  std::vector<Callback> posted_;
  std::vector<Callback> running_;
  std::map<std::pair<int64_t, TimerId>, Callback> timers_;  // by (deadline in us, id)
  absl::flat_hash_map<TimerId, int64_t> timer_deadlines_;
  TimerId next_timer_ = 1;
  uint32_t next_generation_ = 1;
  Callback before_sleep_;
  Callback on_idle_;
  bool idle_requested_ = false;
  SignalPipe* signals_ = nullptr;
  bool stopped_ = false;
  std::unique_ptr<UringTransport> uring_;
  std::unique_ptr<EpollBridge> epoll_bridge_;
};

}  // namespace rill
