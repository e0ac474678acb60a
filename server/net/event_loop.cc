#include "server/net/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <limits>

#include "server/net/uring_transport.h"
#include "server/observe/log.h"

namespace rill {

namespace {

constexpr int kMaxEventsPerWait = 1024;

int64_t MonotonicNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The write end of the signal pipe; signal handlers can only reach it through a global.
int g_signal_write_fd = -1;

void ForwardSignal(int signo) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(signo);
  // Non-blocking: with the pipe full the loop already has a wake-up pending.
  [[maybe_unused]] ssize_t n = ::write(g_signal_write_fd, &byte, 1);
  errno = saved;
}

}  // namespace

// The self-pipe: handlers write the signal number, the loop reads it and runs the callbacks.
class EventLoop::SignalPipe final : public EventLoop::Handler {
 public:
  explicit SignalPipe(EventLoop& loop) {
    if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
      Log(LogLevel::kWarning, "Cannot create the signal pipe: %s", std::strerror(errno));
      return;
    }
    g_signal_write_fd = fds_[1];
    loop.Watch(fds_[0], this, /*read=*/true, /*write=*/false);
  }
  ~SignalPipe() {
    g_signal_write_fd = -1;
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }

  void Add(int signo, Callback fn) {
    callbacks_[signo] = std::move(fn);
    if (g_signal_write_fd < 0) return;  // no pipe: leave the default action
    struct sigaction action {};
    action.sa_handler = ForwardSignal;
    sigemptyset(&action.sa_mask);
    // SA_RESTART: a signal must not make a blocking call of the loop (a SAVE's write, a log
    // line) fail with EINTR.
    action.sa_flags = SA_RESTART;
    ::sigaction(signo, &action, nullptr);
  }

  void OnReady(bool, bool, bool) override {
    unsigned char bytes[64];
    ssize_t n;
    while ((n = ::read(fds_[0], bytes, sizeof(bytes))) > 0) {
      for (ssize_t i = 0; i < n; ++i) {
        auto it = callbacks_.find(bytes[i]);
        if (it != callbacks_.end()) it->second();
      }
    }
  }

 private:
  int fds_[2] = {-1, -1};
  absl::flat_hash_map<int, Callback> callbacks_;
};

// Under io_uring: the ring polls the epoll set's descriptor, and its readiness runs the epoll
// dispatch without waiting.
class EventLoop::EpollBridge final : public UringTransport::Handler {
 public:
  explicit EpollBridge(EventLoop& loop) : loop_(loop) {}
  // The ring's multishot poll fires on a wake-up of the epoll descriptor, not while it stays
  // ready: a watched socket with bytes left after its handler read one buffer (a replica's
  // master link receiving an RDB the master has finished sending) would never fire again. So
  // while a dispatch found something, it runs once more on the next turn.
  void OnPollReady() override {
    if (loop_.DispatchEpollReady(-1) > 0) loop_.RunAfter(0, [this] { OnPollReady(); });
  }

 private:
  EventLoop& loop_;
};

EventLoop::EventLoop() : epfd_(::epoll_create1(EPOLL_CLOEXEC)), events_(kMaxEventsPerWait) {
  if (epfd_ < 0) Log(LogLevel::kWarning, "epoll_create1 failed: %s", std::strerror(errno));
}

EventLoop::~EventLoop() {
  uring_.reset();  // releases the connections it kept alive, before the rest goes
  delete signals_;
  if (epfd_ >= 0) ::close(epfd_);
}

bool EventLoop::UseUring(std::string* why) {
  if (uring_) return true;
  std::unique_ptr<UringTransport> uring = UringTransport::Create(why);
  if (!uring) return false;
  uring_ = std::move(uring);
  uring_->set_stop_flag(&stopped_);
  epoll_bridge_ = std::make_unique<EpollBridge>(*this);
  uring_->Poll(uring_->Attach(epfd_, epoll_bridge_.get()));
  return true;
}

void EventLoop::SubmitQueued() {
  if (uring_) uring_->SubmitQueued();
}

namespace {

uint64_t EventData(int fd, uint32_t generation) {
  return (uint64_t{generation} << 32) | static_cast<uint32_t>(fd);
}

uint32_t Interest(bool read, bool write) {
  return (read ? uint32_t{EPOLLIN} : 0u) | (write ? uint32_t{EPOLLOUT} : 0u);
}

}  // namespace

bool EventLoop::Watch(int fd, Handler* handler, bool read, bool write) {
  if (fd < 0 || epfd_ < 0) return false;
  if (static_cast<size_t>(fd) >= watched_.size()) watched_.resize(fd + 1024);
  const uint32_t generation = next_generation_++;
  epoll_event ev{};
  ev.events = Interest(read, write);
  ev.data.u64 = EventData(fd, generation);
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  watched_[fd] = {handler, ev.events, generation};
  return true;
}

void EventLoop::Update(int fd, bool read, bool write) {
  if (fd < 0 || static_cast<size_t>(fd) >= watched_.size() || !watched_[fd].handler) return;
  Watched& w = watched_[fd];
  const uint32_t events = Interest(read, write);
  if (w.events == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = EventData(fd, w.generation);
  if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0) {
    w.events = events;
  } else {
    Log(LogLevel::kWarning, "epoll_ctl(MOD) failed for fd %d: %s", fd, std::strerror(errno));
  }
}

void EventLoop::Unwatch(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= watched_.size() || !watched_[fd].handler) return;
  epoll_event ev{};
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
  watched_[fd] = {};
}

void EventLoop::Post(Callback fn) { posted_.push_back(std::move(fn)); }

EventLoop::TimerId EventLoop::RunAfter(int64_t delay_ms, Callback fn) {
  const TimerId id = next_timer_++;
  // At least 1 us ahead, so that RunTimers never runs a timer added while it runs; saturated
  // far in the future (BLPOP key 1e16 must wait, not overflow into "now").
  const int64_t now = MonotonicNowUs();
  const int64_t max_delay_ms = (std::numeric_limits<int64_t>::max() - now) / 1000 - 1;
  const int64_t deadline = now + std::max<int64_t>(1, std::min(delay_ms, max_delay_ms) * 1000);
  timers_.emplace(std::make_pair(deadline, id), std::move(fn));
  timer_deadlines_[id] = deadline;
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto it = timer_deadlines_.find(id);
  if (it == timer_deadlines_.end()) return;
  timers_.erase({it->second, id});
  timer_deadlines_.erase(it);
}

void EventLoop::OnSignal(int signo, Callback fn) {
  if (signals_ == nullptr) signals_ = new SignalPipe(*this);
  signals_->Add(signo, std::move(fn));
}

int EventLoop::WaitTimeoutMs() const {
  if (!posted_.empty() || stopped_) return 0;
  if (timers_.empty()) return -1;
  const int64_t wait_us = timers_.begin()->first.first - MonotonicNowUs();
  if (wait_us <= 0) return 0;
  // Rounded up: waking a little late fires the timer; waking early would spin.
  return static_cast<int>(std::min<int64_t>((wait_us + 999) / 1000, 1 << 30));
}

void EventLoop::Dispatch(const epoll_event& event) {
  const int fd = static_cast<int>(event.data.u64 & 0xFFFFFFFFu);
  const auto generation = static_cast<uint32_t>(event.data.u64 >> 32);
  if (fd < 0 || static_cast<size_t>(fd) >= watched_.size()) return;
  const Watched& w = watched_[fd];
  // Unwatched earlier in this batch, or the number now belongs to another registration.
  if (w.handler == nullptr || w.generation != generation) return;
  // Only what is still asked for: interest dropped earlier in the batch stays dropped.
  const uint32_t events = event.events & (w.events | EPOLLERR | EPOLLHUP);
  w.handler->OnReady((events & EPOLLIN) != 0, (events & EPOLLOUT) != 0,
                     (events & (EPOLLERR | EPOLLHUP)) != 0);
}

void EventLoop::RunTimers() {
  // `now` is read once: a timer that a callback adds (even with no delay) is due later than
  // that, so it waits for the next turn instead of running in this loop.
  const int64_t now = MonotonicNowUs();
  while (!timers_.empty() && !stopped_) {
    auto it = timers_.begin();
    if (it->first.first > now) break;
    Callback fn = std::move(it->second);
    timer_deadlines_.erase(it->first.second);
    timers_.erase(it);
    fn();
  }
}

void EventLoop::RunPosted() {
  // Callbacks posted by these run on the next turn, so a callback that re-posts itself cannot
  // keep the loop from waiting for events.
  running_.swap(posted_);
  for (Callback& fn : running_) {
    if (stopped_) break;
    fn();
  }
  running_.clear();
}

void EventLoop::RunPending() {
  while (!posted_.empty()) {
    running_.swap(posted_);
    for (Callback& fn : running_) fn();
    running_.clear();
  }
}

int EventLoop::Wait() {
  const int max_events = static_cast<int>(events_.size());
  if (idle_requested_) {
    idle_requested_ = false;
    const int n = ::epoll_wait(epfd_, events_.data(), max_events, 0);
    if (n != 0 || !on_idle_) return n;
    on_idle_();
  }
  return ::epoll_wait(epfd_, events_.data(), max_events, WaitTimeoutMs());
}

int EventLoop::DispatchEpollReady(int skip_fd) {
  // Its own event array: the outer Run() may be in the middle of dispatching events_.
  epoll_event events[64];
  const int n = ::epoll_wait(epfd_, events, 64, 0);
  int dispatched = 0;
  for (int i = 0; i < n && !stopped_; ++i) {
    if (static_cast<int>(events[i].data.u64 & 0xFFFFFFFFu) == skip_fd) continue;
    Dispatch(events[i]);
    ++dispatched;
  }
  return dispatched;
}

int EventLoop::PollOnce(int skip_fd) {
  int dispatched = DispatchEpollReady(skip_fd);
  if (uring_) dispatched += uring_->PollOnce(skip_fd);
  return dispatched;
}

void EventLoop::WaitUring() {
  int n = 0;
  if (idle_requested_) {
    idle_requested_ = false;
    n = uring_->SubmitAndDispatch(0);
    if (n != 0 || !on_idle_) return;
    on_idle_();
  }
  n = uring_->SubmitAndDispatch(WaitTimeoutMs());
  if (n < 0 && n != -EINTR) {
    Log(LogLevel::kWarning, "io_uring wait failed: %s", std::strerror(-n));
    stopped_ = true;
  }
}

void EventLoop::Run() {
  while (!stopped_) {
    RunPosted();
    if (stopped_) break;
    if (before_sleep_) before_sleep_();
    if (uring_) {
      WaitUring();
      RunTimers();
      continue;
    }
    const int n = Wait();
    if (n < 0 && errno != EINTR) {
      Log(LogLevel::kWarning, "epoll_wait failed: %s", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n && !stopped_; ++i) Dispatch(events_[i]);
    RunTimers();
  }
}

}  // namespace rill
