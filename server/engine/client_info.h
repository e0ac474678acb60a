// The CLIENT LIST / CLIENT INFO line of one client, with 7.0's fields in 7.0's order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/engine/client.h"

namespace rill {

// The line ends with "\n". Buffer and memory fields come from the client's connection
// (Client::buffers), read now; a client without a connection shows zeros there.
void AppendClientInfoLine(const Client& client, int64_t now_ms, std::string* out);

// What the client costs in memory: CLIENT LIST's tot-mem and what client eviction weighs (Redis
// 7.0's getClientMemoryUsage): the connection's buffers and object, the queued MULTI commands
// and the subscriptions' bookkeeping. `buffers` is client.buffers() (or zeros).
size_t ClientMemory(const Client& client, const ClientBuffers& buffers);

// The client classes of CLIENT LIST TYPE and CLIENT KILL TYPE: our master's link, a replica
// (after SYNC/PSYNC), a client with subscriptions (pubsub), or a normal one.
enum class ClientType { kAny, kNormal, kPubsub, kMaster, kReplica };
// "normal", "pubsub", "master", "replica" or "slave" (any case); false for anything else.
bool ParseClientType(std::string_view name, ClientType* type);
ClientType TypeOf(const Client& client);

}  // namespace rill
