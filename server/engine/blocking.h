// Clients parked by blocking commands (BLPOP, BLMOVE, BLMPOP, XREAD BLOCK, XREADGROUP BLOCK),
// as Redis 7.0 orders them.
//
// How a command family uses it:
//   1. The command finds nothing to return and may block (not inside MULTI/EXEC: see
//      Client::no_block). It calls Engine::blocking().Block(client, db, keys, deadline_ms,
//      serve, timeout): the client is parked in a FIFO per (db, key) and `client.blocked` is
//      set, so its connection runs no further pipelined commands; the command writes no reply.
//   2. Every write that can feed a waiter calls Engine::blocking().SignalKeyReady(db, key)
//      (cheap when nobody waits on the key).
//   3. After the current command (or the whole EXEC) completes, Engine::Execute calls
//      ServeReadyKeys(): for each ready key in signal order, its waiters in arrival order get
//      `serve(key, reply)`. A waiter that returns kServed has written its reply; it is
//      unparked from all its keys, the bytes go out with client.send, and the connection
//      resumes its pipeline. Serving may signal more keys (BLMOVE's destination); those are
//      served in the same pass.
//   4. When the deadline passes, `timeout(reply)` writes the timeout reply (null array, ...).
//      CLIENT UNBLOCK uses the same path, or an -UNBLOCKED error; a disconnect just unparks.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/string_util.h"
#include "protocol/reply_builder.h"

namespace rill {

class Engine;
struct Client;

enum class WaitResult {
  kKeepWaiting,  // nothing for this client on that key yet
  kServed,       // a reply (data or an error) was written: unpark the client
};

class BlockingRegistry {
 public:
  // Called for a ready key the client waits on; may write the reply.
  using ServeFn = std::function<WaitResult(std::string_view key, protocol::ReplyBuilder& reply)>;
  // Writes the reply of a wait that timed out.
  using TimeoutFn = std::function<void(protocol::ReplyBuilder& reply)>;
  // Arms the owner's timer for the earliest deadline (unix ms); the owner then calls
  // ExpireTimeouts. Installed by the server; without it deadlines are checked by the cron only.
  using ArmTimerFn = std::function<void(int64_t deadline_ms)>;

  explicit BlockingRegistry(Engine& engine) : engine_(engine) {}

  // Parks `client` on `keys` of database `db` until served, the deadline (unix ms; 0 = none)
  // passes, or it is unblocked.
  void Block(Client& client, int db, std::vector<std::string> keys, int64_t deadline_ms,
             ServeFn serve, TimeoutFn timeout);

  void SignalKeyReady(int db, std::string_view key);
  // Signals every key of `db` somebody waits on (SWAPDB replaced the whole database).
  void SignalAllWaitedKeys(int db);
  bool has_ready_keys() const { return !ready_.empty(); }
  // Serves waiters of every ready key (see the header comment). Safe to call any time.
  void ServeReadyKeys();

  // Times out every waiter whose deadline is <= now_ms.
  void ExpireTimeouts(int64_t now_ms);
  void set_arm_timer(ArmTimerFn arm) { arm_timer_ = std::move(arm); }

  bool IsBlocked(uint64_t client_id) const { return waiters_.contains(client_id); }
  size_t blocked_count() const { return waiters_.size(); }
  size_t timeout_count() const { return deadlines_.size(); }  // waiters with a deadline
  // Number of keys with at least one waiter (INFO's blocking_keys).
  size_t blocking_key_count() const;

  enum class UnblockMode { kDisconnect, kTimeout, kError };
  // Ends a wait. kTimeout replies as if the deadline passed, kError with -UNBLOCKED, and
  // kDisconnect silently. Returns false if the client was not blocked.
  bool Unblock(uint64_t client_id, UnblockMode mode);

 private:
  struct Waiter {
    Client* client;
    int db;
    std::vector<std::string> keys;
    int64_t deadline_ms;
    ServeFn serve;
    TimeoutFn timeout;
  };
  struct ReadyKey {
    int db;
    std::string key;
  };

  // Removes the waiter from its key queues and deadline index, clears client.blocked.
  std::unique_ptr<Waiter> Unpark(uint64_t client_id);
  // Sends `bytes` to the client and lets its connection continue.
  static void Deliver(Client& client, const std::string& bytes);
  void ArmEarliest();

  Engine& engine_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<Waiter>> waiters_;
  // Per database: key -> client ids in arrival order.
  std::vector<StringMap<std::deque<uint64_t>>> queues_;
  std::multimap<int64_t, uint64_t> deadlines_;
  std::vector<ReadyKey> ready_;
  // Keys already in ready_, per database, so a key is queued once per pass.
  std::vector<StringSet> ready_set_;
  ArmTimerFn arm_timer_;
  bool serving_ = false;
};

}  // namespace rill
