#include "server/engine/blocking.h"

#include <algorithm>

#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {

void BlockingRegistry::Block(Client& client, int db, std::vector<std::string> keys,
                             int64_t deadline_ms, ServeFn serve, TimeoutFn timeout) {
  if (queues_.size() <= static_cast<size_t>(db)) {
    queues_.resize(db + 1);
    ready_set_.resize(db + 1);
  }
  auto waiter = std::make_unique<Waiter>(
      Waiter{&client, db, std::move(keys), deadline_ms, std::move(serve), std::move(timeout)});
  // A key named twice (BLPOP k k 0) waits once.
  std::sort(waiter->keys.begin(), waiter->keys.end());
  waiter->keys.erase(std::unique(waiter->keys.begin(), waiter->keys.end()), waiter->keys.end());
  for (const std::string& key : waiter->keys) queues_[db][key].push_back(client.id);
  if (deadline_ms > 0) {
    deadlines_.emplace(deadline_ms, client.id);
    if (arm_timer_ && deadlines_.begin()->first == deadline_ms) arm_timer_(deadline_ms);
  }
  client.blocked = true;
  waiters_[client.id] = std::move(waiter);
}

void BlockingRegistry::SignalKeyReady(int db, std::string_view key) {
  if (static_cast<size_t>(db) >= queues_.size()) return;
  if (!queues_[db].contains(key)) return;
  if (!ready_set_[db].insert(std::string(key)).second) return;
  ready_.push_back(ReadyKey{db, std::string(key)});
}

void BlockingRegistry::SignalAllWaitedKeys(int db) {
  if (static_cast<size_t>(db) >= queues_.size()) return;
  std::vector<std::string> keys;
  for (const auto& [key, ids] : queues_[db]) keys.push_back(key);
  for (const std::string& key : keys) SignalKeyReady(db, key);
}

size_t BlockingRegistry::blocking_key_count() const {
  size_t n = 0;
  for (const auto& q : queues_) n += q.size();
  return n;
}

std::unique_ptr<BlockingRegistry::Waiter> BlockingRegistry::Unpark(uint64_t client_id) {
  auto it = waiters_.find(client_id);
  if (it == waiters_.end()) return nullptr;
  std::unique_ptr<Waiter> waiter = std::move(it->second);
  waiters_.erase(it);
  auto& queues = queues_[waiter->db];
  for (const std::string& key : waiter->keys) {
    auto q = queues.find(key);
    if (q == queues.end()) continue;
    auto& ids = q->second;
    ids.erase(std::remove(ids.begin(), ids.end(), client_id), ids.end());
    if (ids.empty()) queues.erase(q);
  }
  if (waiter->deadline_ms > 0) {
    auto [lo, hi] = deadlines_.equal_range(waiter->deadline_ms);
    for (auto d = lo; d != hi; ++d) {
      if (d->second == client_id) {
        deadlines_.erase(d);
        break;
      }
    }
  }
  waiter->client->blocked = false;
  return waiter;
}

void BlockingRegistry::Deliver(Client& client, const std::string& bytes) {
  if (client.send) client.send(bytes);
  if (client.resume) client.resume();
}

void BlockingRegistry::ServeReadyKeys() {
  if (serving_) return;  // a serve that signals keys is handled by the running loop
  serving_ = true;
  while (!ready_.empty()) {
    std::vector<ReadyKey> batch;
    batch.swap(ready_);
    for (const ReadyKey& rk : batch) ready_set_[rk.db].erase(rk.key);
    for (const ReadyKey& rk : batch) {
      auto& queues = queues_[rk.db];
      auto q = queues.find(rk.key);
      if (q == queues.end()) continue;
      // Snapshot: serving unparks clients and so edits the queue.
      std::vector<uint64_t> ids(q->second.begin(), q->second.end());
      for (uint64_t id : ids) {
        auto w = waiters_.find(id);
        if (w == waiters_.end()) continue;
        Waiter& waiter = *w->second;
        std::string out;
        protocol::ReplyBuilder reply(&out);
        reply.set_resp3(waiter.client->resp == 3);
        // Each serve is an execution unit of its own for propagation (Redis propagates a
        // served BLPOP as its own LPOP, after the write that fed it).
        engine_.propagation().BeginUnit();
        WaitResult result = waiter.serve(rk.key, reply);
        engine_.propagation().EndUnit();
        if (result != WaitResult::kServed) continue;
        std::unique_ptr<Waiter> done = Unpark(id);
        Deliver(*done->client, out);
      }
    }
  }
  serving_ = false;
}

void BlockingRegistry::ExpireTimeouts(int64_t now_ms) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    Unblock(deadlines_.begin()->second, UnblockMode::kTimeout);
  }
  ArmEarliest();
}

void BlockingRegistry::ArmEarliest() {
  if (arm_timer_ && !deadlines_.empty()) arm_timer_(deadlines_.begin()->first);
}

bool BlockingRegistry::Unblock(uint64_t client_id, UnblockMode mode) {
  std::unique_ptr<Waiter> waiter = Unpark(client_id);
  if (waiter == nullptr) return false;
  if (mode == UnblockMode::kDisconnect) return true;
  std::string out;
  protocol::ReplyBuilder reply(&out);
  reply.set_resp3(waiter->client->resp == 3);
  if (mode == UnblockMode::kTimeout) {
    waiter->timeout(reply);
  } else {
    reply.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  }
  Deliver(*waiter->client, out);
  return true;
}

}  // namespace rill
