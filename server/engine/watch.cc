#include "server/engine/watch.h"

#include <algorithm>

#include "datastructs/keyspace.h"
#include "server/engine/client.h"

namespace rill {

void WatchRegistry::Watch(Client& client, int db, std::string_view key) {
  for (const auto& [d, k] : client.watched) {
    if (d == db && k == key) return;
  }
  if (by_db_.size() <= static_cast<size_t>(db)) by_db_.resize(db + 1);
  by_db_[db][key].push_back(&client);
  client.watched.emplace_back(db, std::string(key));
}

void WatchRegistry::UnwatchAll(Client& client) {
  for (const auto& [db, key] : client.watched) {
    auto& keys = by_db_[db];
    auto it = keys.find(key);
    if (it == keys.end()) continue;
    auto& clients = it->second;
    clients.erase(std::remove(clients.begin(), clients.end(), &client), clients.end());
    if (clients.empty()) keys.erase(it);
  }
  client.watched.clear();
  client.watch_dirty = false;
}

void WatchRegistry::Touch(int db, std::string_view key) {
  if (static_cast<size_t>(db) >= by_db_.size()) return;
  auto& keys = by_db_[db];
  if (keys.empty()) return;
  auto it = keys.find(key);
  if (it == keys.end()) return;
  for (Client* c : it->second) c->watch_dirty = true;
}

void WatchRegistry::TouchExisting(int db, const ds::Database& a, const ds::Database* b) {
  if (static_cast<size_t>(db) >= by_db_.size()) return;
  for (const auto& [key, clients] : by_db_[db]) {
    if (a.Peek(key) == nullptr && (b == nullptr || b->Peek(key) == nullptr)) continue;
    for (Client* c : clients) c->watch_dirty = true;
  }
}

}  // namespace rill
