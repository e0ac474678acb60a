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
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
    queue_.push_back(std::move(value));
    pending_.fetch_add(1, std::memory_order_relaxed);
  }
  wake_.notify_one();
  return true;
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
    std::unique_ptr<ds::ObjectValue> value = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    value.reset();  // the destructor runs without the lock: the event loop keeps handing over
    pending_.fetch_sub(1, std::memory_order_relaxed);
    freed_.fetch_add(1, std::memory_order_relaxed);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace rill
