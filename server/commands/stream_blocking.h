// The stream side of blocking reads (XREAD BLOCK, XREADGROUP BLOCK), for the blocking
// registry to call: what a parked client gets when one of its keys is signalled or its timeout
// expires.
#pragma once

#include <cstdint>
#include <string_view>

#include "protocol/reply_builder.h"
#include "server/commands/stream_read_internal.h"

namespace rill {
class Engine;
struct Client;
}  // namespace rill

namespace rill::stream_internal {

enum class StreamWaitResult {
  kKeepWaiting,  // nothing for this client yet
  kReplied,      // a reply (entries or an error) was written: unblock the client
};

// Called after the command that signalled `key` completed, for each client waiting on it in
// arrival order.
StreamWaitResult TryServeStreamWaiter(Engine& engine, Client& client, StreamReadRequest& req,
                                      std::string_view key, int64_t now_ms,
                                      protocol::ReplyBuilder& reply);

// The reply of a blocked read whose timeout expired.
void ReplyStreamWaitTimeout(protocol::ReplyBuilder& reply);

}  // namespace rill::stream_internal
