// Pub/Sub channels, patterns and shard channels of one engine: who is subscribed, and
// delivering a published message to each subscriber in its protocol (RESP2 arrays or RESP3
// push frames) through Client::send.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/string_util.h"

namespace rill {

struct Client;

class PubSub {
 public:
  enum class Kind { kChannel, kPattern, kShard };

  // Adds or removes one subscription; false if nothing changed.
  bool Subscribe(Client& client, Kind kind, std::string_view name);
  bool Unsubscribe(Client& client, Kind kind, std::string_view name);
  // Drops every subscription of a client (disconnect, RESET).
  void RemoveClient(Client& client);

  // Delivers to channel subscribers and matching pattern subscribers ("message"/"pmessage"),
  // or to shard channel subscribers ("smessage"). Returns how many received it.
  size_t Publish(std::string_view channel, std::string_view message, bool shard = false);

  // PUBSUB introspection.
  std::vector<std::string> ChannelNames(std::string_view pattern, bool shard) const;
  size_t SubscriberCount(std::string_view channel, bool shard) const;
  size_t pattern_count() const { return patterns_.size(); }
  size_t channel_count() const { return channels_.size(); }
  size_t shard_channel_count() const { return shard_channels_.size(); }

 private:
  StringMap<std::vector<Client*>>& MapOf(Kind kind);

  StringMap<std::vector<Client*>> channels_;
  StringMap<std::vector<Client*>> patterns_;
  StringMap<std::vector<Client*>> shard_channels_;
};

// The subscription confirmation frame: [kind, name-or-null, count] as an array (RESP2) or a
// push (RESP3), appended to `out`.
void AppendSubscriptionReply(std::string* out, bool resp3, std::string_view kind,
                             const std::string* name, size_t count);

}  // namespace rill
