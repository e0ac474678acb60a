#include "server/persist/background_io.h"

#include <unistd.h>

#include <cerrno>

namespace rill {

BackgroundIo::BackgroundIo() : thread_([this] { Run(); }) {}

BackgroundIo::~BackgroundIo() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundIo::Fsync(int fd) {
  pending_fsyncs_.fetch_add(1, std::memory_order_acq_rel);
  Push(Job{Kind::kFsync, fd, {}});
}

void BackgroundIo::FsyncAndClose(int fd) { Push(Job{Kind::kFsyncAndClose, fd, {}}); }

void BackgroundIo::Unlink(std::string path) { Push(Job{Kind::kUnlink, -1, std::move(path)}); }

void BackgroundIo::Push(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void BackgroundIo::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
}

void BackgroundIo::Run() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping with nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
      running_job_ = true;
    }
    switch (job.kind) {
      case Kind::kFsync:
        // EBADF/EINVAL mean the file was closed or cannot be synced (a pipe in tests): not a
        // disk error worth refusing writes for, as Redis treats them.
        if (fdatasync(job.fd) == -1 && errno != EBADF && errno != EINVAL) {
          fsync_errno_.store(errno, std::memory_order_release);
        } else {
          fsync_errno_.store(0, std::memory_order_release);
        }
        pending_fsyncs_.fetch_sub(1, std::memory_order_acq_rel);
        break;
      case Kind::kFsyncAndClose:
        // A failure here concerns a file no longer written to; the next fsync of the current
        // file reports disk trouble.
        fdatasync(job.fd);
        close(job.fd);
        break;
      case Kind::kUnlink:
        unlink(job.path.c_str());
        break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_job_ = false;
    }
    idle_cv_.notify_all();
  }
}

}  // namespace rill
