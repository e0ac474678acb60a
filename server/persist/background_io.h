// A background thread for file work the event loop must not wait for (Redis's bio.c): fsync
// of the AOF under `appendfsync everysec`, closing a replaced AOF file after a last fsync, and
// unlinking files (a big unlink can stall for a long time).
//
// Only file descriptors and paths cross the thread boundary; the data written to them stays on
// the loop thread. Jobs run in the order they were queued.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace rill {

class BackgroundIo {
 public:
  BackgroundIo();
  ~BackgroundIo();  // finishes queued jobs, then joins
  BackgroundIo(const BackgroundIo&) = delete;
  BackgroundIo& operator=(const BackgroundIo&) = delete;

  void Fsync(int fd);
  void FsyncAndClose(int fd);
  void Unlink(std::string path);

  // Fsync jobs queued or running (INFO's aof_pending_bio_fsync; a write that would wait for
  // one is postponed under everysec).
  int pending_fsyncs() const { return pending_fsyncs_.load(std::memory_order_acquire); }

  // The outcome of the last background fsync: 0, or its errno (the loop thread logs it; this
  // thread never touches shared state beyond these counters). Cleared by ClearFsyncError.
  int fsync_error() const { return fsync_errno_.load(std::memory_order_acquire); }
  void ClearFsyncError() { fsync_errno_.store(0, std::memory_order_release); }

  // Blocks until every job queued so far has run.
  void Drain();

 private:
  enum class Kind { kFsync, kFsyncAndClose, kUnlink };
  struct Job {
    Kind kind;
    int fd = -1;
    std::string path;
  };
  void Push(Job job);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<Job> jobs_;
  bool running_job_ = false;
  bool stop_ = false;
  std::atomic<int> pending_fsyncs_{0};
  std::atomic<int> fsync_errno_{0};
  std::thread thread_;
};

}  // namespace rill
