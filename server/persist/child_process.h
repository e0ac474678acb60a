// Fork-based background children (BGSAVE, BGREWRITEAOF): one at a time, as Redis allows.
//
// The parent forks; the child runs a work function over the copy-on-write image of the data
// and leaves with _exit(its return value) — it never touches the event loop, the sockets or
// stdio buffers it inherited. The parent learns of the exit through SIGCHLD (the Server routes
// its Asio signal_set to Reap()) with Reap() from the cron as a backstop, and then calls the
// completion callback on the event-loop thread.
//
// A child never outlives the server that forked it: it asks the kernel for SIGKILL when its
// parent dies (PR_SET_PDEATHSIG) and checks right after fork that the parent has not died
// before that request; a report that cannot be written because the pipe's read end is gone
// (the parent died) ends it too, as in Redis 7.0. Its work writes only temp files
// (server/persist/child_temp_files.h); the parent gives them their final names when it reaps a
// successful child. So a child of a killed server cannot put an old snapshot over the files of
// the server that replaced it.
//
// While it works, the child reports progress (keys done) and its copy-on-write size (private
// dirty memory, measured from /proc/self/smaps_rollup about once a second) through a
// non-blocking pipe, for INFO's current_cow_size / current_save_keys_processed fields.
//
// Children run at nice 10 and yield the CPU at every progress call (every 128 keys): the server
// keeps the CPU for its clients while a snapshot is taken, even on a core it shares with it.
//
//   ChildProcessManager& children = engine.children();
//   std::string error;
//   bool started = children.Start(
//       ChildType::kRdb, /*keys_total=*/n,
//       [&](ChildReporter& report) {            // in the child
//         ... write the file, calling report.Progress(keys) now and then ...
//         return ok ? 0 : 1;                     // exit status
//       },
//       [](const ChildResult& r) { ... },        // in the parent, when the child is reaped
//       &error);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace rill {

enum class ChildType { kNone, kRdb, kAof };

struct ChildResult {
  ChildType type = ChildType::kNone;
  pid_t pid = -1;
  bool ok = false;            // exited normally with status 0
  int exit_code = -1;         // when it exited normally
  int term_signal = 0;        // when a signal ended it
  bool killed_by_us = false;  // Kill() ended it (Redis: not counted as a failed save)
  int64_t duration_ms = 0;
  uint64_t cow_bytes = 0;  // the child's last reported copy-on-write size
};

// The child's side of the report pipe.
class ChildReporter {
 public:
  explicit ChildReporter(int fd) : fd_(fd) {}
  // Keys processed so far; sends a report (with a fresh COW measure) at most once a second.
  void Progress(uint64_t keys);
  // The final report, with the COW size the parent records as rdb/aof_last_cow_size.
  void Finish(uint64_t keys);
  // A report fails only because the pipe is full (the parent is busy: the report is skipped)
  // or because the parent is gone: then the child logs Redis's line and exits with status 1
  // at once, leaving its temp file unfinished.
  // Private dirty bytes of this process (what fork's copy-on-write has cost so far).
  static uint64_t MeasureCowBytes();
  // Copy-on-write sizes of the reports sent so far, for the child's closing log line.
  uint64_t cow_last() const { return cow_last_; }
  uint64_t cow_peak() const { return cow_peak_; }
  uint64_t cow_average() const { return reports_ ? cow_sum_ / reports_ : 0; }

 private:
  void Send(uint64_t keys, bool final);
  int fd_;
  int64_t last_sent_ms_ = 0;
  uint64_t cow_last_ = 0;
  uint64_t cow_peak_ = 0;
  uint64_t cow_sum_ = 0;
  uint64_t reports_ = 0;
};

class ChildProcessManager {
 public:
  using Work = std::function<int(ChildReporter& report)>;
  using Done = std::function<void(const ChildResult& result)>;

  ChildProcessManager() = default;
  ~ChildProcessManager();
  ChildProcessManager(const ChildProcessManager&) = delete;
  ChildProcessManager& operator=(const ChildProcessManager&) = delete;

  // Runs in every child right after fork, before the work (the server closes its listening
  // sockets there, as Redis does, so a restarted parent can bind them while a child lives).
  void set_in_child_hook(std::function<void()> hook) { in_child_hook_ = std::move(hook); }

  bool active() const { return pid_ > 0; }
  ChildType active_type() const { return active() ? type_ : ChildType::kNone; }
  pid_t pid() const { return pid_; }

  // Forks a child running `work`. False with *error set when a child is already active or
  // fork fails (then nothing runs and `done` is never called).
  bool Start(ChildType type, uint64_t keys_total, Work work, Done done, std::string* error);

  // Ends the active child with SIGUSR1 and waits for it; `done` runs with killed_by_us unless
  // `run_done` is false (a shutdown, which does its own clean-up).
  void Kill(bool run_done = true);

  // Reaps the child if it has exited and runs its completion; drains progress reports.
  void Reap();

  // ---- statistics for INFO ----
  int64_t latest_fork_usec() const { return latest_fork_usec_; }
  uint64_t total_forks() const { return total_forks_; }
  int64_t start_time_ms() const { return start_ms_; }
  uint64_t keys_total() const { return keys_total_; }
  uint64_t keys_processed() const { return keys_processed_; }
  uint64_t cow_size() const { return cow_size_; }
  uint64_t cow_peak() const { return cow_peak_; }
  // Seconds since the last COW report (0 without one), as current_cow_size_age.
  int64_t cow_size_age_s(int64_t now_ms) const;

 private:
  void DrainReports();
  void Finish(int status, bool killed_by_us, bool run_done = true);

  std::function<void()> in_child_hook_;
  ChildType type_ = ChildType::kNone;
  pid_t pid_ = -1;
  int report_fd_ = -1;  // parent's read end
  Done done_;
  int64_t start_ms_ = 0;
  uint64_t keys_total_ = 0;
  uint64_t keys_processed_ = 0;
  uint64_t cow_size_ = 0;
  uint64_t cow_peak_ = 0;
  uint64_t final_cow_ = 0;
  int64_t cow_report_ms_ = 0;
  int64_t latest_fork_usec_ = 0;
  uint64_t total_forks_ = 0;
};

}  // namespace rill
