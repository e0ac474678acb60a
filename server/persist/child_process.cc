#include "server/persist/child_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/engine/engine.h"
#include "server/observe/log.h"

namespace rill {
namespace {

// Nice value of children relative to the default 0 (the parent's, normally).
constexpr int kChildNice = 10;

// The signals the server's loop handles (through a pipe the child would share): blocked across
// fork() and set back to their defaults in the child.
constexpr int kLoopSignals[] = {SIGTERM, SIGINT, SIGCHLD, SIGUSR1, SIGHUP};

// One report, written whole (far below PIPE_BUF, so never interleaved or split).
struct Report {
  uint64_t keys;
  uint64_t cow_bytes;
  uint64_t final;
};

}  // namespace

// ---- child side ----

uint64_t ChildReporter::MeasureCowBytes() {
  // smaps_rollup sums every mapping in one short read; Private_Dirty of the child is what the
  // parent's writes since fork have made it keep for itself.
  FILE* fp = std::fopen("/proc/self/smaps_rollup", "r");
  if (fp == nullptr) return 0;
  char line[256];
  uint64_t total_kb = 0;
  while (std::fgets(line, sizeof(line), fp) != nullptr) {
    unsigned long long kb;
    if (std::sscanf(line, "Private_Dirty: %llu kB", &kb) == 1) total_kb += kb;
  }
  std::fclose(fp);
  return total_kb * 1024;
}

void ChildReporter::Send(uint64_t keys, bool final) {
  if (fd_ < 0) return;
  const uint64_t cow = MeasureCowBytes();
  cow_last_ = cow;
  if (cow > cow_peak_) cow_peak_ = cow;
  cow_sum_ += cow;
  ++reports_;
  Report r{keys, cow, final ? 1u : 0u};
  ssize_t n;
  do {
    n = ::write(fd_, &r, sizeof(r));
  } while (n < 0 && errno == EINTR);
  // Non-blocking: a parent that does not read in time just misses a progress report.
  if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) return;
  // EPIPE (SIGPIPE is ignored): nobody holds the read end, the parent is gone.
  Log(LogLevel::kWarning, "Child failed reporting info to parent, exiting. %s",
      std::strerror(errno));
  ::_exit(1);
}

void ChildReporter::Progress(uint64_t keys) {
  // Progress comes every 128 keys (tens of microseconds of work). Yielding here lets
  // a server that shares the child's core (a pinned server's child inherits its affinity)
  // answer its clients within that fraction instead of waiting for the scheduler to preempt
  // the child, which took milliseconds and set the GET p99 during a BGSAVE. Unlike SCHED_IDLE
  // the child still gets its share of a busy core, so a saturated server cannot starve its
  // saves; with nothing else runnable the yield returns at once.
  sched_yield();
  const int64_t now = NowMs();
  if (now - last_sent_ms_ < 1000) return;
  last_sent_ms_ = now;
  Send(keys, false);
}

void ChildReporter::Finish(uint64_t keys) { Send(keys, true); }

// ---- parent side ----

ChildProcessManager::~ChildProcessManager() {
  if (active()) Kill();
}

bool ChildProcessManager::Start(ChildType type, uint64_t keys_total, Work work, Done done,
                                std::string* error) {
  if (active()) {
    *error = "a child process is already active";
    return false;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  // Signals stay blocked across fork() until the child has reset their handlers: the
  // parent's handlers write into a pipe the child shares, so a SIGTERM meant for the fresh
  // child would otherwise reach the parent's loop as the parent's own.
  sigset_t forwarded, previous;
  sigemptyset(&forwarded);
  for (int sig : kLoopSignals) sigaddset(&forwarded, sig);
  ::sigprocmask(SIG_BLOCK, &forwarded, &previous);
  const pid_t parent = ::getpid();
  const int64_t fork_start = MonotonicUs();
  const pid_t pid = ::fork();
  if (pid != 0) ::sigprocmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) {
    *error = std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return false;
  }
  if (pid == 0) {
    // The child. It dies with the parent (the event-loop thread that forked it is the
    // process's main thread, which lives as long as the process). A parent that died before
    // the request has made this process an orphan already: then leave now.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
    // Signals go back to their defaults: the parent's handlers would forward them
    // to the parent's loop through the pipe the child shares.
    for (int sig : kLoopSignals) ::signal(sig, SIG_DFL);
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    ::close(fds[0]);
    // Below the server's priority: on a busy machine (or one core shared with the parent, as
    // a pinned server's child inherits its affinity) the clients' latency comes first and the
    // snapshot takes the idle time. Unlike Redis, which competes as an equal.
    ::setpriority(PRIO_PROCESS, 0, kChildNice);
    LogSetRole('C');
    if (in_child_hook_) in_child_hook_();
    ChildReporter reporter(fds[1]);
    const int code = work(reporter);
    ::_exit(code);
  }
  ::close(fds[1]);
  latest_fork_usec_ = MonotonicUs() - fork_start;
  ++total_forks_;
  type_ = type;
  pid_ = pid;
  report_fd_ = fds[0];
  done_ = std::move(done);
  start_ms_ = NowMs();
  keys_total_ = keys_total;
  keys_processed_ = 0;
  cow_size_ = cow_peak_ = final_cow_ = 0;
  cow_report_ms_ = 0;
  return true;
}

void ChildProcessManager::DrainReports() {
  if (report_fd_ < 0) return;
  Report r;
  while (::read(report_fd_, &r, sizeof(r)) == static_cast<ssize_t>(sizeof(r))) {
    keys_processed_ = r.keys;
    cow_size_ = r.cow_bytes;
    if (r.cow_bytes > cow_peak_) cow_peak_ = r.cow_bytes;
    if (r.final) final_cow_ = r.cow_bytes;
    cow_report_ms_ = NowMs();
  }
}

int64_t ChildProcessManager::cow_size_age_s(int64_t now_ms) const {
  return cow_report_ms_ == 0 ? 0 : (now_ms - cow_report_ms_) / 1000;
}

void ChildProcessManager::Reap() {
  if (!active()) return;
  DrainReports();
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    Finish(status, false);
  } else if (r < 0 && errno == ECHILD) {
    // Someone else reaped it (should not happen): report it as failed rather than wait forever.
    Finish(-1, false);
  }
}

void ChildProcessManager::Kill(bool run_done) {
  if (!active()) return;
  ::kill(pid_, SIGUSR1);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Finish(status, true, run_done);
}

void ChildProcessManager::Finish(int status, bool killed_by_us, bool run_done) {
  DrainReports();
  ChildResult result;
  result.type = type_;
  result.pid = pid_;
  result.killed_by_us = killed_by_us;
  result.duration_ms = NowMs() - start_ms_;
  result.cow_bytes = final_cow_ != 0 ? final_cow_ : cow_size_;
  if (status != -1 && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    result.ok = result.exit_code == 0 && !killed_by_us;
  } else if (status != -1 && WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  ::close(report_fd_);
  report_fd_ = -1;
  pid_ = -1;
  type_ = ChildType::kNone;
  keys_total_ = keys_processed_ = 0;
  cow_size_ = cow_peak_ = 0;
  cow_report_ms_ = 0;
  // Last: the callback may start the next child (a scheduled BGSAVE).
  Done done = std::move(done_);
  done_ = nullptr;
  if (done && run_done) done(result);
}

}  // namespace rill
