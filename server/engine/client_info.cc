#include "server/engine/client_info.h"

#include "absl/strings/str_format.h"
#include "common/string_util.h"
#include "server/engine/tracking.h"

namespace rill {

namespace {

// Redis's client flag letters (in 7.0's order) for the states Rill has; "N" when none applies.
std::string FlagsOf(const Client& client) {
  std::string flags;
  if (client.replica) flags += 'S';
  if (client.monitor) flags += 'O';  // Redis makes a MONITOR client a replica of sorts
  if (client.master) flags += 'M';
  if (client.subscribed()) flags += 'P';
  if (client.in_multi || client.in_exec) flags += 'x';
  if (client.blocked) flags += 'b';
  AppendTrackingFlags(client, &flags);  // t R B
  if (client.watch_dirty) flags += 'd';
  if (client.close_after_reply) flags += 'c';
  if (client.no_evict) flags += 'e';
  return flags.empty() ? "N" : flags;
}

// Bookkeeping per subscription: a set slot and the channel's string object.
size_t SubscriptionMemory(const StringSet& set) {
  return set.capacity() * (sizeof(std::string) + 1) + set.size() * sizeof(void*);
}

}  // namespace

size_t ClientMemory(const Client& client, const ClientBuffers& buffers) {
  size_t memory = buffers.memory + client.multi_queue.MemoryUsage();
  if (client.subscribed()) {
    memory += SubscriptionMemory(client.channels) + SubscriptionMemory(client.patterns) +
              SubscriptionMemory(client.shard_channels);
  }
  return memory;
}

void AppendClientInfoLine(const Client& client, int64_t now_ms, std::string* out) {
  const ClientBuffers b = client.buffers ? client.buffers() : ClientBuffers{};
  const char* events = b.read_event ? (b.write_event ? "rw" : "r") : (b.write_event ? "w" : "");
  absl::StrAppendFormat(
      out,
      "id=%u addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d "
      "ssub=%d multi=%d qbuf=%u qbuf-free=%u argv-mem=%u multi-mem=%u rbs=%u rbp=%u obl=%u "
      "oll=%u omem=%u tot-mem=%u events=%s cmd=%s user=%s redir=%d resp=%d\n",
      client.id, client.addr, client.laddr, client.fd, client.name,
      (now_ms - client.created_ms) / 1000, (now_ms - client.last_interaction_ms) / 1000,
      FlagsOf(client), client.db, client.channels.size(), client.patterns.size(),
      client.shard_channels.size(),
      client.in_multi  ? static_cast<int64_t>(client.multi_queue.size())
      : client.in_exec ? static_cast<int64_t>(client.exec_count)
                       : int64_t{-1},
      b.qbuf, b.qbuf_free, b.argv_mem, client.multi_queue.argv_len_sums(), b.rbs, b.rbp, b.obl,
      b.oll, b.omem, ClientMemory(client, b), events, client.last_command, client.user,
      TrackingRedirectOf(client), client.resp);
}

bool ParseClientType(std::string_view name, ClientType* type) {
  if (EqualsIgnoreCase(name, "normal")) {
    *type = ClientType::kNormal;
  } else if (EqualsIgnoreCase(name, "pubsub")) {
    *type = ClientType::kPubsub;
  } else if (EqualsIgnoreCase(name, "master")) {
    *type = ClientType::kMaster;
  } else if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) {
    *type = ClientType::kReplica;
  } else {
    return false;
  }
  return true;
}

ClientType TypeOf(const Client& client) {
  if (client.master) return ClientType::kMaster;
  if (client.replica) return ClientType::kReplica;
  return client.subscribed() ? ClientType::kPubsub : ClientType::kNormal;
}

}  // namespace rill
