// Engine: memory accounting and the maxmemory settings (see engine.h and server/eviction.h).
#include "common/string_util.h"
#include "server/engine/engine.h"
#include "server/observe/alloc_counter.h"

namespace rill {

void Engine::ReadEvictionSettings() {
  evictor_.set_maxmemory(static_cast<uint64_t>(config_.Int("maxmemory")));
  evictor_.set_policy(static_cast<EvictionPolicy>(config_.Int("maxmemory-policy")));
  evictor_.set_samples(config_.Int("maxmemory-samples"));
  evictor_.set_tenacity(config_.Int("maxmemory-eviction-tenacity"));
  access_clock_.set_lfu(PolicyIsLfu(evictor_.policy()));
  access_clock_.set_lfu_log_factor(config_.Int("lfu-log-factor"));
  access_clock_.set_lfu_decay_time(config_.Int("lfu-decay-time"));
}

int64_t Engine::EvictKey(int db, std::string_view key) {
  const bool timed = latency_threshold_ms_ > 0;
  const int64_t start_us = timed ? MonotonicUs() : 0;
  // The DEL reaches the AOF before the key goes, as Redis's propagateDeletion (its own
  // allocation is then in the AOF buffer, which maxmemory does not count).
  PropagateServerDeletion(db, key, ServerDeletion::kEvicted);
  const int64_t before = static_cast<int64_t>(AllocatedBytes());
  // With lazyfree-lazy-eviction a big value is freed on the lazy-free thread: what it will
  // give back is counted now (its MEMORY USAGE), or eviction would take more keys waiting for
  // memory that is on its way back.
  const bool lazy = config_.Bool("lazyfree-lazy-eviction");
  const ds::Entry* entry = lazy ? databases_[db]->Peek(key) : nullptr;
  const int64_t value_bytes = entry != nullptr ? static_cast<int64_t>(entry->MemoryUsage()) : 0;
  databases_[db]->Delete(key, lazy);
  const int64_t freed =
      std::max(before - static_cast<int64_t>(AllocatedBytes()), lazy ? value_bytes : 0);
  if (timed) {
    latency_.AddSampleIfNeeded("eviction-del", (MonotonicUs() - start_us) / 1000,
                               latency_threshold_ms_, NowMs() / 1000);
  }
  ++stats_.evicted_keys;
  KeyModified(db, key);
  NotifyKeyspaceEvent('e', "evicted", key, db);
  return freed;
}

void Engine::AddNotCountedForEvictSource(std::function<size_t()> source) {
  not_counted_sources_.push_back(std::move(source));
}

size_t Engine::MemoryNotCountedForEvict() const {
  size_t bytes = 0;
  for (const auto& source : not_counted_sources_) bytes += source();
  return bytes;
}

void Engine::ResetMemoryPeak() { used_memory_peak_ = AllocatedBytes(); }

void Engine::RecordStartupMemory() {
  used_memory_startup_ = AllocatedBytes();
  used_memory_peak_ = std::max(used_memory_peak_, used_memory_startup_);
}

bool Engine::RefusedWhenOutOfMemory(const Client& client, const Command& cmd, uint32_t flags) {
  if (flags & kCmdDenyOom) return true;
  if (&cmd == exec_command_) return (client.multi_queue.flags() & kCmdDenyOom) != 0;
  // Inside MULTI, queueing takes memory too: only the commands that end it still run.
  return client.in_multi && !(cmd.flags & kCmdEndsTransaction);
}

}  // namespace rill
