// The live clients of one engine, by id (CLIENT LIST / KILL / INFO, the ACL's disconnections,
// INFO clients), and the clients that asked for MONITOR. Connections register and unregister
// themselves; the Engine's RemoveClient also drops the client from everything else that may
// point at it (blocking, WATCH, pub/sub, pause).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace rill {

struct Client;

class ClientRegistry {
 public:
  using Map = absl::flat_hash_map<uint64_t, Client*>;

  // Ids grow from 1 and are never reused, as Redis's.
  uint64_t NextId() { return ++last_id_; }
  void Add(Client* client);
  // Forgets the client (and its MONITOR subscription); nothing when unknown.
  void Remove(Client* client);
  Client* Find(uint64_t id) const;

  size_t size() const { return clients_.size(); }
  Map::const_iterator begin() const { return clients_.begin(); }
  Map::const_iterator end() const { return clients_.end(); }

  // MONITOR: clients that see every command, in the order they asked.
  void AddMonitor(Client* client);
  const std::vector<Client*>& monitors() const { return monitors_; }

 private:
  Map clients_;
  std::vector<Client*> monitors_;
  uint64_t last_id_ = 0;
};

}  // namespace rill
