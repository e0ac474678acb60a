#include "server/engine/pubsub.h"

#include <algorithm>

#include "datastructs/glob.h"
#include "protocol/reply_builder.h"
#include "server/engine/client.h"

namespace rill {
namespace {

StringSet& SetOf(Client& client, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::Kind::kChannel:
      return client.channels;
    case PubSub::Kind::kPattern:
      return client.patterns;
    case PubSub::Kind::kShard:
      return client.shard_channels;
  }
  return client.channels;
}

// A message frame: [kind, (pattern,) channel, message], as an array or a RESP3 push.
std::string MessageFrame(bool resp3, std::string_view kind, const std::string* pattern,
                         std::string_view channel, std::string_view message) {
  std::string out;
  protocol::ReplyBuilder reply(&out);
  reply.set_resp3(resp3);
  const size_t n = pattern != nullptr ? 4 : 3;
  if (resp3) {
    reply.PushHeader(n);
  } else {
    reply.ArrayHeader(n);
  }
  reply.Bulk(kind);
  if (pattern != nullptr) reply.Bulk(*pattern);
  reply.Bulk(channel);
  reply.Bulk(message);
  return out;
}

}  // namespace

void AppendSubscriptionReply(std::string* out, bool resp3, std::string_view kind,
                             const std::string* name, size_t count) {
  protocol::ReplyBuilder reply(out);
  reply.set_resp3(resp3);
  if (resp3) {
    reply.PushHeader(3);
  } else {
    reply.ArrayHeader(3);
  }
  reply.Bulk(kind);
  if (name != nullptr) {
    reply.Bulk(*name);
  } else {
    reply.Null();
  }
  reply.Integer(static_cast<int64_t>(count));
}

StringMap<std::vector<Client*>>& PubSub::MapOf(Kind kind) {
  switch (kind) {
    case Kind::kChannel:
      return channels_;
    case Kind::kPattern:
      return patterns_;
    case Kind::kShard:
      return shard_channels_;
  }
  return channels_;
}

bool PubSub::Subscribe(Client& client, Kind kind, std::string_view name) {
  if (!SetOf(client, kind).insert(std::string(name)).second) return false;
  MapOf(kind)[name].push_back(&client);
  return true;
}

bool PubSub::Unsubscribe(Client& client, Kind kind, std::string_view name) {
  StringSet& mine = SetOf(client, kind);
  auto it = mine.find(name);
  if (it == mine.end()) return false;
  mine.erase(it);
  auto& map = MapOf(kind);
  auto entry = map.find(name);
  if (entry != map.end()) {
    auto& clients = entry->second;
    clients.erase(std::remove(clients.begin(), clients.end(), &client), clients.end());
    if (clients.empty()) map.erase(entry);
  }
  return true;
}

void PubSub::RemoveClient(Client& client) {
  for (Kind kind : {Kind::kChannel, Kind::kPattern, Kind::kShard}) {
    std::vector<std::string> names(SetOf(client, kind).begin(), SetOf(client, kind).end());
    for (const std::string& name : names) Unsubscribe(client, kind, name);
  }
}

size_t PubSub::Publish(std::string_view channel, std::string_view message, bool shard) {
  size_t receivers = 0;
  // Frames are built once per protocol, not once per subscriber.
  std::string frames[2];
  auto deliver = [&](Client* c, std::string_view kind, const std::string* pattern) {
    const int v = c->resp == 3 ? 1 : 0;
    if (pattern != nullptr) {
      if (c->push) c->push(MessageFrame(v == 1, kind, pattern, channel, message));
    } else {
      if (frames[v].empty()) frames[v] = MessageFrame(v == 1, kind, nullptr, channel, message);
      if (c->push) c->push(frames[v]);
    }
    ++receivers;
  };
  if (shard) {
    auto it = shard_channels_.find(channel);
    if (it != shard_channels_.end()) {
      for (Client* c : std::vector<Client*>(it->second)) deliver(c, "smessage", nullptr);
    }
    return receivers;
  }
  auto it = channels_.find(channel);
  if (it != channels_.end()) {
    for (Client* c : std::vector<Client*>(it->second)) deliver(c, "message", nullptr);
  }
  for (const auto& [pattern, clients] : patterns_) {
    if (!ds::GlobMatch(pattern, channel)) continue;
    for (Client* c : std::vector<Client*>(clients)) deliver(c, "pmessage", &pattern);
  }
  return receivers;
}

std::vector<std::string> PubSub::ChannelNames(std::string_view pattern, bool shard) const {
  std::vector<std::string> out;
  for (const auto& [name, clients] : shard ? shard_channels_ : channels_) {
    if (pattern.empty() || ds::GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSub::SubscriberCount(std::string_view channel, bool shard) const {
  const auto& map = shard ? shard_channels_ : channels_;
  auto it = map.find(channel);
  return it == map.end() ? 0 : it->second.size();
}

}  // namespace rill
