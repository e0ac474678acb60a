#include "server/engine/eviction.h"

#include <cmath>
#include <limits>

#include "datastructs/keyspace.h"
#include "server/observe/alloc_counter.h"
#include "server/engine/engine.h"
#include "server/repl/replication.h"

namespace rill {

bool PolicyIsLfu(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLfu || p == EvictionPolicy::kAllKeysLfu;
}

bool PolicyIsLru(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kAllKeysLru;
}

bool PolicyIsVolatile(EvictionPolicy p) {
  return p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
         p == EvictionPolicy::kVolatileRandom || p == EvictionPolicy::kVolatileTtl;
}

uint64_t Evictor::TimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * static_cast<uint64_t>(std::max<int64_t>(tenacity, 0));
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return std::numeric_limits<uint64_t>::max();
}

size_t Evictor::CountedMemory() const {
  const size_t used = AllocatedBytes();
  const size_t not_counted = engine_.MemoryNotCountedForEvict();
  return used > not_counted ? used - not_counted : 0;
}

uint64_t Evictor::current_exceeded_us() const {
  return over_since_us_ == 0 ? 0 : static_cast<uint64_t>(MonotonicUs() - over_since_us_);
}

uint64_t Evictor::total_exceeded_us() const { return total_exceeded_us_ + current_exceeded_us(); }

void Evictor::NoteOverLimit(bool over) {
  if (over) {
    if (over_since_us_ == 0) over_since_us_ = MonotonicUs();
  } else if (over_since_us_ != 0) {
    total_exceeded_us_ += static_cast<uint64_t>(MonotonicUs() - over_since_us_);
    over_since_us_ = 0;
  }
}

bool Evictor::PickKey(int* db, std::string* key) {
  const bool volatile_only = PolicyIsVolatile(policy_);
  const int dbs = engine_.num_databases();
  if (policy_ == EvictionPolicy::kAllKeysRandom || policy_ == EvictionPolicy::kVolatileRandom) {
    // One key per database in turn, so that no database is emptied first.
    for (int i = 0; i < dbs; ++i) {
      next_random_db_ = (next_random_db_ + 1) % dbs;
      ds::Database& d = engine_.db(next_random_db_);
      const ds::Entry* e = volatile_only ? d.RandomVolatileEntry() : d.RandomEntry();
      if (e == nullptr) continue;
      *db = next_random_db_;
      key->assign(e->key());
      return true;
    }
    return false;
  }
  const ds::AccessClock& clock = engine_.access_clock();
  while (true) {
    size_t total_keys = 0;
    // Sample every database before choosing, so that the choice is not local to one of them.
    for (int i = 0; i < dbs; ++i) {
      ds::Database& d = engine_.db(i);
      const size_t keys = volatile_only ? d.volatile_size() : d.size();
      if (keys == 0) continue;
      total_keys += keys;
      d.Sample(volatile_only, samples_, [&](const ds::Entry& e) {
        uint64_t score;
        if (PolicyIsLru(policy_)) {
          score = clock.IdleMs(e.access_bits());
        } else if (PolicyIsLfu(policy_)) {
          score = 255 - clock.DecayedCounter(e.access_bits());
        } else {  // volatile-ttl: the sooner it expires, the better
          score = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e.expire_ms());
        }
        pool_.Offer(score, i, e.key());
      });
    }
    if (total_keys == 0) return false;
    // Candidates that were deleted (or lost their expiry) since they entered are skipped.
    while (pool_.PopBest(db, key)) {
      ds::Database& d = engine_.db(*db);
      if (volatile_only ? d.HasVolatile(*key) : d.Peek(*key) != nullptr) return true;
    }
  }
}

Evictor::Result Evictor::Perform() {
  if (maxmemory_ == 0 || !engine_.MayEvict()) return Result::kOk;
  // replica-ignore-maxmemory: a replica's dataset is its master's; it never evicts (nor
  // refuses writes for memory) on its own, as Redis's performEvictions.
  if (engine_.replication().is_replica() && engine_.config().Bool("replica-ignore-maxmemory")) {
    return Result::kOk;
  }
  if (AllocatedBytes() <= maxmemory_) {
    NoteOverLimit(false);
    return Result::kOk;
  }
  const size_t counted = CountedMemory();
  if (counted <= maxmemory_) {
    NoteOverLimit(false);
    return Result::kOk;
  }
  if (policy_ == EvictionPolicy::kNoEviction) {
    NoteOverLimit(true);
    return Result::kFail;
  }
  const int64_t to_free = static_cast<int64_t>(counted - maxmemory_);
  const uint64_t limit_us = TimeLimitUs(tenacity_);
  const int64_t start_us = MonotonicUs();
  int64_t freed = 0;
  size_t keys_freed = 0;
  Result result = Result::kOk;
  while (freed < to_free) {
    int db;
    if (!PickKey(&db, &key_)) {
      result = Result::kFail;
      break;
    }
    freed += engine_.EvictKey(db, key_);
    ++keys_freed;
    // Past the time budget, the rest waits for the event loop: clients keep being served.
    if (keys_freed % 16 == 0 && static_cast<uint64_t>(MonotonicUs() - start_us) > limit_us) {
      if (!continuation_scheduled_) {
        continuation_scheduled_ = true;
        engine_.RunAfter(0, [this] {
          continuation_scheduled_ = false;
          Perform();
          // Outside any command: waiters on evicted keys (XREADGROUP gets -UNBLOCKED) are
          // served now rather than at the next command.
          if (engine_.blocking().has_ready_keys()) engine_.blocking().ServeReadyKeys();
        });
      }
      break;
    }
  }
  if (result != Result::kFail && continuation_scheduled_) result = Result::kRunning;
  engine_.latency().AddSampleIfNeeded("eviction-cycle", (MonotonicUs() - start_us) / 1000,
                                      engine_.latency_threshold_ms(), NowMs() / 1000);
  NoteOverLimit(result != Result::kOk);
  return result;
}

}  // namespace rill
