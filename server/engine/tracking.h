// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c: which clients may hold which
// keys in a local cache, and the invalidation messages sent when those keys change.
//
// Two modes, per client:
//  * default: the keys a tracking client reads (read-only commands, through their key specs)
//    are remembered in a table key -> client ids; the first write to a key sends one
//    "invalidate [key]" to each of them and forgets the key. The table is global (key names,
//    not databases), and a client that disconnects or turns tracking off leaves its ids behind
//    until the key changes, as Redis (the counts of INFO show them).
//  * BCAST: the client names prefixes; every write to a key under one of them is collected, and
//    at the end of the event-loop turn (SendBroadcasts, Redis's beforeSleep) each prefix's keys
//    go out as one "invalidate [k1, k2 ...]" to its clients.
//
// Messages are RESP3 pushes (>2 invalidate ...) on the client's own connection, or, with
// REDIRECT, go to another client: as pushes if it speaks RESP3, or as a Pub/Sub message of
// __redis__:invalidate if it speaks RESP2 and has subscriptions. A client in RESP2 without
// redirection gets nothing. FLUSHDB/FLUSHALL send "invalidate" with a null to every tracking
// client and empty the table. Messages for the client running the current command wait until
// its reply is written (FlushPending), so they never split a reply.
//
// Cost when nobody tracks: the write path asks watching_writes() (two sizes), the command path
// clients() (one counter); nothing else runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/string_util.h"

namespace rill {

struct Client;
struct Command;
class ClientRegistry;

// The tracking settings of one client (Client::tracking). Allocated on the first CLIENT
// TRACKING ON and kept until the client goes, so that `redirect` survives OFF as in Redis.
struct ClientTracking {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  // CLIENT CACHING YES (OPTIN) / NO (OPTOUT) for the next command or transaction.
  bool caching = false;
  bool broken_redirect = false;  // the redirect client was gone when a message was due
  uint64_t redirect = 0;         // 0: none
  std::set<std::string, std::less<>> prefixes;  // BCAST prefixes, in TRACKINGINFO's order
};

// The options of CLIENT TRACKING ON, checked by the command.
struct TrackingOptions {
  uint64_t redirect = 0;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  std::vector<std::string_view> prefixes;
};

class Tracking {
 public:
  explicit Tracking(const ClientRegistry& clients) : clients_(clients) {}
  ~Tracking();
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // ---- Per-client state (CLIENT TRACKING ON/OFF, RESET, disconnect) ----
  // Redis's enableTracking: the options replace the previous ones (BCAST prefixes add up).
  void Enable(Client& client, const TrackingOptions& options);
  // Redis's disableTracking: leaves BCAST prefixes; the client's ids stay in the key table.
  void Disable(Client& client);
  // Disable and free the client's state (disconnect).
  void ClientGone(Client& client);
  // Error text (without "-ERR ") when a prefix overlaps another given one or one the client
  // has; `bug_ok` is set when Redis 7.0 replies the error and still enables tracking (its
  // collision check returns the index of the colliding prefix, nonzero past the first).
  static std::optional<std::string> PrefixCollision(const ClientTracking* current,
                                                    std::span<const std::string_view> prefixes,
                                                    bool* bug_ok);

  // ---- The command path ----
  // Number of clients with tracking on (INFO tracking_clients). Zero: nothing to do anywhere.
  size_t clients() const { return tracking_clients_; }
  // The client whose top-level command runs (nullptr outside commands): invalidations meant for
  // it wait in FlushPending, and NOLOOP clients skip the keys it changes.
  void set_current_client(Client* client) { current_ = client; }
  // Redis's trackingRememberKeys: after read-only `cmd` ran with `args` for `client` (or for a
  // script `client` called), remembers its keys unless OPTIN/OPTOUT and CACHING say not to.
  void RememberKeys(Client& client, const Command& cmd, std::span<const std::string_view> args);
  // Sends the current client the invalidations that waited for its reply.
  void FlushPending();
  bool has_pending() const { return !pending_.empty(); }
  // Keeps the table at `max_keys` keys (tracking-table-max-keys; 0: no limit) by forgetting
  // keys as if they changed, with more effort each call that could not get under the limit
  // (Redis's trackingLimitUsedSlots).
  void LimitKeys(uint64_t max_keys);

  // ---- The write path ----
  bool watching_writes() const { return (table_.size() | prefixes_.size()) != 0; }
  // Redis's trackingInvalidateKey: `key` changed (by the client with id `by`, 0 for the
  // server itself); `bcast` also collects it for the BCAST prefixes that match.
  void InvalidateKey(std::string_view key, uint64_t by, bool bcast = true);
  // FLUSHDB / FLUSHALL / a load replacing the data: a null invalidation to every tracking
  // client, and the table emptied.
  void InvalidateAllOnFlush();
  // Sends the keys collected for BCAST prefixes (the end of an event-loop turn).
  bool has_broadcasts() const { return broadcast_pending_; }
  void SendBroadcasts();

  // ---- INFO ----
  size_t total_keys() const { return table_.size(); }
  uint64_t total_items() const { return total_items_; }
  size_t total_prefixes() const { return prefixes_.size(); }

 private:
  struct PrefixState {
    std::vector<Client*> clients;
    // Keys changed this turn -> id of the client that changed each last (for NOLOOP).
    std::map<std::string, uint64_t, std::less<>> keys;
  };

  // Redis's sendTrackingMessage: `payload` is a key, or with `proto` a RESP value already
  // encoded (the BCAST array, the flush null).
  void Send(Client& client, std::string_view payload, bool proto);
  // The BCAST array of `keys`, without those last changed by `skip_id` (0: none); empty when
  // nothing is left.
  static std::string BroadcastArray(const std::map<std::string, uint64_t, std::less<>>& keys,
                                    uint64_t skip_id);

  const ClientRegistry& clients_;
  Client* current_ = nullptr;
  size_t tracking_clients_ = 0;
  StringMap<absl::flat_hash_set<uint64_t>> table_;
  uint64_t total_items_ = 0;
  std::map<std::string, PrefixState, std::less<>> prefixes_;
  bool broadcast_pending_ = false;
  // Invalidations for the current client: a key, or nullopt for the flush null.
  std::vector<std::optional<std::string>> pending_;
  unsigned limit_rounds_ = 0;  // LimitKeys calls in a row that stayed over the limit
  absl::flat_hash_map<Client*, ClientTracking*> owned_;
};

// CLIENT LIST / INFO: the flag letters of tracking ("t", "R" broken redirect, "B" BCAST) and
// the redir= value (-1 when not tracking).
void AppendTrackingFlags(const Client& client, std::string* flags);
int64_t TrackingRedirectOf(const Client& client);

}  // namespace rill
