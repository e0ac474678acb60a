#include "server/engine/lazy_free.h"

#include <utility>

namespace rill {

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool LazyFree::Free(std::unique_ptr<ds::ObjectValue> value) {
  if (value == nullptr) return false;
  if (value->FreeEffort() <= kEffortThreshold) {
    value.reset();
    return false;
  }
  Push(Job{std::move(value), nullptr, 1});
  return true;
}

void LazyFree::FreeDatabase(std::unique_ptr<ds::Database> db) {
  if (db == nullptr) return;
  const size_t keys = db->size();
  Push(Job{nullptr, std::move(db), keys});
}

void LazyFree::Push(Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    pending_.fetch_add(job.count, std::memory_order_relaxed);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void LazyFree::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void LazyFree::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    // The destructors run without the lock: the event loop keeps handing over.
    job.value.reset();
    job.db.reset();
    pending_.fetch_sub(job.count, std::memory_order_relaxed);
    freed_.fetch_add(job.count, std::memory_order_relaxed);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace rill
