// LazyFree: frees big values and whole databases on a background thread, as Redis 7.0's
// lazyfree.c: values on UNLINK, and on DEL / expiry / eviction when the matching lazyfree-lazy-*
// option says so; databases on FLUSHALL/FLUSHDB ASYNC (or without SYNC under
// lazyfree-lazy-user-flush). A value whose FreeEffort() is at most kEffortThreshold (Redis's
// LAZYFREE_THRESHOLD: a packed hash or set, a short list) is cheaper to free right away than to
// hand over, and is; a database is always handed over, as Redis's emptyDbAsync does, and counts
// as its keys (lazyfree_pending_objects / lazyfreed_objects).
//
// The event loop hands over values nothing else references any more (already unlinked from the
// keyspace); the thread only runs their destructors. Heap accounting stays right: each thread
// counts its own frees (server/observe/alloc_counter.h). INFO reports pending() as
// lazyfree_pending_objects and freed() as lazyfreed_objects.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "datastructs/keyspace.h"
#include "datastructs/value.h"

namespace rill {

class LazyFree {
 public:
  static constexpr size_t kEffortThreshold = 64;

  LazyFree() = default;
  // Frees what is still queued, then stops the thread.
  ~LazyFree();
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;

  // Frees `value` on the background thread when it is big enough to be worth it, else now.
  // True when it was handed over.
  bool Free(std::unique_ptr<ds::ObjectValue> value);
  // Frees `db` (whose hooks were left behind by Database::Swap: see Engine::EmptyDatabase) on
  // the background thread, counted as its keys.
  void FreeDatabase(std::unique_ptr<ds::Database> db);

  // Values handed over and not freed yet; values the thread has freed since start or the last
  // ResetStats (CONFIG RESETSTAT).
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }

  // Waits until everything handed over has been freed (tests, and DEBUG-like callers that want
  // a quiet heap).
  void Drain();

 private:
  // One hand-over: a value (count 1) or a database (count: its keys).
  struct Job {
    std::unique_ptr<ds::ObjectValue> value;
    std::unique_ptr<ds::Database> db;
    size_t count = 0;
  };
  void Push(Job job);
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool busy_ = false;
  std::thread thread_;  // started with the first hand-over
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
};

}  // namespace rill
