// Client eviction (maxmemory-clients), as Redis 7.0's evictClients: while the memory of all
// normal and pub/sub clients together (ClientMemory, CLIENT LIST's tot-mem) is at or above the
// limit, the evictable clients are disconnected, the biggest first, and each one counts in INFO
// stats' evicted_clients. Evictable: not CLIENT NO-EVICT, not our master's link nor a replica,
// and with a connection of its own. Redis keeps the clients in buckets by powers of two of
// their memory and evicts from the biggest bucket down, in the bucket's order; here they are
// sorted by the same buckets and, inside one, by memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill {

class Engine;

// The limit in bytes: maxmemory-clients itself, or (a negative value, "N%" in the config) that
// percentage of maxmemory; 0 when client eviction is off (0, or a percentage without
// maxmemory). As Redis, never below 128 KB, so that a bad setting cannot cut every client off.
uint64_t ClientEvictionLimit(int64_t maxmemory_clients, uint64_t maxmemory);

// Redis's bucket of a client using `memory` bytes: 0 below 32 KB, then one per power of two,
// the last one (18) for 4 GB and more.
int ClientMemoryBucket(size_t memory);

// Disconnects clients as described above; returns how many. Runs between commands (the event
// loop's turn end), never inside one, so the client that is running a command is not cut off
// under its feet.
size_t EvictClients(Engine& engine);

}  // namespace rill
