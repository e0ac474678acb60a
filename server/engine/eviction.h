// maxmemory enforcement (Redis's evict.c): before a command runs with maxmemory set, keys are
// evicted by the configured maxmemory-policy until the memory counted for eviction is back
// under the limit, within a time budget set by maxmemory-eviction-tenacity; past the budget the
// rest continues from the event loop, between client commands.
//
// Memory counted for eviction is AllocatedBytes() (alloc_counter.h) minus what Redis leaves out
// (mem_not_counted_for_evict: AOF and replica buffers), so that writing out the deletions of
// evicted keys cannot itself push the server into evicting more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "datastructs/eviction_pool.h"

namespace rill {

class Engine;

// maxmemory-policy values, numbered as the config enum (and Redis's MAXMEMORY_* order).
enum class EvictionPolicy : uint8_t {
  kVolatileLru = 0,
  kVolatileLfu = 1,
  kVolatileRandom = 2,
  kVolatileTtl = 3,
  kAllKeysLru = 4,
  kAllKeysLfu = 5,
  kAllKeysRandom = 6,
  kNoEviction = 7,
};

bool PolicyIsLfu(EvictionPolicy p);
bool PolicyIsLru(EvictionPolicy p);
bool PolicyIsVolatile(EvictionPolicy p);

class Evictor {
 public:
  enum class Result { kOk, kRunning, kFail };

  explicit Evictor(Engine& engine) : engine_(engine) {}

  // Settings, read from the config by the engine when they change.
  void set_maxmemory(uint64_t bytes) { maxmemory_ = bytes; }
  uint64_t maxmemory() const { return maxmemory_; }
  void set_policy(EvictionPolicy policy) { policy_ = policy; }
  EvictionPolicy policy() const { return policy_; }
  void set_samples(int64_t samples) { samples_ = samples < 1 ? 1 : static_cast<size_t>(samples); }
  void set_tenacity(int64_t tenacity) { tenacity_ = tenacity; }

  // Redis's performEvictions. kFail: over the limit and nothing (more) can be evicted, so
  // commands that may grow memory must be refused; kRunning: over the limit and the time budget
  // ran out, eviction goes on from the event loop.
  Result Perform();

  // Memory counted against maxmemory now (allocated minus mem_not_counted_for_evict).
  size_t CountedMemory() const;

  // Microseconds spent over the limit (INFO stats total/current_eviction_exceeded_time).
  uint64_t total_exceeded_us() const;
  uint64_t current_exceeded_us() const;
  void ResetStats() { total_exceeded_us_ = 0; }

  // How long one Perform may evict: a function of maxmemory-eviction-tenacity (as Redis's
  // evictionTimeLimitUs: 0..500 µs linearly up to 10, then +15% per step, unlimited at 100).
  static uint64_t TimeLimitUs(int64_t tenacity);

 private:
  // Picks the next key to evict by the policy; false when no database has a candidate.
  bool PickKey(int* db, std::string* key);
  void NoteOverLimit(bool over);

  Engine& engine_;
  uint64_t maxmemory_ = 0;
  EvictionPolicy policy_ = EvictionPolicy::kNoEviction;
  size_t samples_ = 5;
  int64_t tenacity_ = 10;
  ds::EvictionPool pool_;
  int next_random_db_ = 0;
  bool continuation_scheduled_ = false;
  int64_t over_since_us_ = 0;  // monotonic time the memory went over the limit, 0 when under
  uint64_t total_exceeded_us_ = 0;
  std::string key_;  // scratch for the picked key
};

}  // namespace rill
