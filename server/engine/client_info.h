// The CLIENT LIST / CLIENT INFO line of one client, with 7.0's fields in 7.0's order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/engine/client.h"

namespace rill {

void AppendClientInfoLine(const Client& client, int64_t now_ms, std::string* out);

// The client classes of CLIENT LIST TYPE and CLIENT KILL TYPE. Rill has no replication yet, so
// no client is a master or a replica; a client with subscriptions is a pubsub client.
enum class ClientType { kAny, kNormal, kPubsub, kMaster, kReplica };
// "normal", "pubsub", "master", "replica" or "slave" (any case); false for anything else.
bool ParseClientType(std::string_view name, ClientType* type);
ClientType TypeOf(const Client& client);

}  // namespace rill
