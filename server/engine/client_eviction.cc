#include "server/engine/client_eviction.h"

#include <algorithm>
#include <bit>
#include <string>
#include <vector>

#include "server/engine/client.h"
#include "server/engine/client_info.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"

namespace rill {

namespace {

// Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG / _MAX_LOG.
constexpr int kMinBucketLog = 15;
constexpr int kMaxBucketLog = 33;
constexpr uint64_t kMinLimit = 128 * 1024;

struct Candidate {
  Client* client;
  size_t memory;
  int bucket;
};

}  // namespace

uint64_t ClientEvictionLimit(int64_t maxmemory_clients, uint64_t maxmemory) {
  uint64_t limit;
  if (maxmemory_clients < 0 && maxmemory > 0) {
    limit = static_cast<uint64_t>(static_cast<double>(maxmemory) *
                                  -static_cast<double>(maxmemory_clients) / 100);
  } else if (maxmemory_clients > 0) {
    limit = static_cast<uint64_t>(maxmemory_clients);
  } else {
    return 0;
  }
  return std::max(limit, kMinLimit);
}

int ClientMemoryBucket(size_t memory) {
  // As Redis: the number of significant bits (bucket i holds [2^(i+14), 2^(i+15))).
  const int log = std::bit_width(memory);
  return std::clamp(log, kMinBucketLog, kMaxBucketLog) - kMinBucketLog;
}

size_t EvictClients(Engine& engine) {
  static const Config::IntParam kMaxmemoryClients("maxmemory-clients");
  static const Config::IntParam kMaxmemory("maxmemory");
  const int64_t setting = engine.config().Int(kMaxmemoryClients);
  if (setting == 0) return 0;
  const uint64_t limit =
      ClientEvictionLimit(setting, static_cast<uint64_t>(engine.config().Int(kMaxmemory)));
  if (limit == 0) return 0;

  // Every normal and pub/sub client counts in the total (NO-EVICT ones too, as in Redis's
  // stat_clients_type_memory); only the evictable ones are candidates.
  uint64_t total = 0;
  std::vector<Candidate> candidates;
  for (const auto& [id, client] : engine.clients()) {
    if (client->master || client->replica || !client->buffers) continue;
    const size_t memory = ClientMemory(*client, client->buffers());
    total += memory;
    if (!client->no_evict) candidates.push_back({client, memory, ClientMemoryBucket(memory)});
  }
  if (total < limit) return 0;
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.bucket != b.bucket) return a.bucket > b.bucket;
    return a.memory > b.memory;
  });
  size_t evicted = 0;
  std::string info;
  for (const Candidate& victim : candidates) {
    if (total < limit) break;
    info.clear();
    AppendClientInfoLine(*victim.client, NowMs(), &info);
    if (!info.empty()) info.pop_back();  // the line's "\n"
    Log(LogLevel::kNotice, "Evicting client: %s", info);
    total -= std::min<uint64_t>(total, victim.memory);
    ++engine.stats().evicted_clients;
    ++evicted;
    if (victim.client->kill) victim.client->kill();
  }
  // Redis logs this every time it finds nothing more to evict; here only after evicting, so
  // that NO-EVICT clients above the limit do not fill the log at every event-loop turn.
  if (evicted > 0 && total >= limit) {
    Log(LogLevel::kWarning, "Over client maxmemory after evicting all evictable clients");
  }
  return evicted;
}

}  // namespace rill
