#include "server/engine/client_registry.h"

#include <algorithm>

#include "server/engine/client.h"

namespace rill {

void ClientRegistry::Add(Client* client) { clients_[client->id] = client; }

void ClientRegistry::Remove(Client* client) {
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), client), monitors_.end());
  clients_.erase(client->id);
}

Client* ClientRegistry::Find(uint64_t id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

void ClientRegistry::AddMonitor(Client* client) {
  client->monitor = true;
  if (std::find(monitors_.begin(), monitors_.end(), client) == monitors_.end()) {
    monitors_.push_back(client);
  }
}

}  // namespace rill
