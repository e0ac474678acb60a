// The Engine owns all data and shared state of one event loop: databases, command table,
// configuration, client registry and statistics. Commands reach everything through it (never
// through globals), so that one engine per core stays a later step, not a rewrite.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "datastructs/access_clock.h"
#include "datastructs/keyspace.h"
#include "server/acl/acl.h"
#include "server/config/config.h"
#include "server/engine/blocking.h"
#include "server/engine/client.h"
#include "server/engine/client_registry.h"
#include "server/engine/command.h"
#include "server/engine/eviction.h"
#include "server/engine/lazy_free.h"
#include "server/engine/propagation.h"
#include "server/engine/pubsub.h"
#include "server/engine/tracking.h"
#include "server/engine/watch.h"
#include "server/observe/latency.h"
#include "server/observe/slowlog.h"
#include "server/observe/wall_clock.h"

namespace rill {

class AppendOnlyFile;
class ChildProcessManager;
class Persistence;
class RdbPersistence;
class Replication;
namespace scripting {
class Scripting;
}  // namespace scripting

struct Stats {
  int64_t start_time_ms = 0;
  // INFO server's multiplexing_api: "epoll", or "io_uring" when the loop runs on it.
  const char* multiplexing_api = "epoll";
  uint64_t total_connections_received = 0;
  uint64_t total_commands_processed = 0;
  uint64_t rejected_connections = 0;
  uint64_t expired_keys = 0;
  uint64_t evicted_keys = 0;
  uint64_t evicted_clients = 0;  // client eviction (maxmemory-clients)
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t total_reads_processed = 0;   // socket reads that delivered bytes or EOF
  uint64_t total_writes_processed = 0;  // socket writes of replies
  int64_t last_save_time = 0;           // unix seconds
  uint64_t dirty = 0;                   // changes since last save
  // Error replies by code ("ERR", "WRONGTYPE" ...), for INFO errorstats.
  std::map<std::string, uint64_t, std::less<>> error_counts;
};

// One class of client-output-buffer-limit: bytes of pending output beyond `hard`, or beyond
// `soft` for `soft_seconds` in a row, close the client (0 = no limit).
struct OutputBufferLimit {
  uint64_t hard = 0;
  uint64_t soft = 0;
  int64_t soft_seconds = 0;
};

class Engine : private protocol::ErrorSink {
 public:
  explicit Engine(Config config);
  ~Engine();

  Config& config() { return config_; }
  acl::Acl& acl() { return acl_; }
  CommandTable& commands() { return commands_; }
  Stats& stats() { return stats_; }

  int num_databases() const { return static_cast<int>(databases_.size()); }
  ds::Database& db(int index) { return *databases_[index]; }
  const ds::Database& db(int index) const { return *databases_[index]; }
  // Starts fetching what the lookups of a pipeline's next `keys` in database `index` will read,
  // so that their cache misses overlap (the connection peeks them in its read buffer). No effect
  // on the data, the stats or the access bits.
  void PrefetchKeys(int index, std::span<const std::string_view> keys) const {
    databases_[index]->PrefetchKeys(keys);
  }
  // Swaps in whole databases (a load at start, DEBUG RELOAD): fresh[i] becomes database i and
  // gets the old contents. WATCHed keys of both are touched.
  void ReplaceDatabases(std::vector<std::unique_ptr<ds::Database>>& fresh);
  // Frees databases taken out of service (the old data after ReplaceDatabases): now, or with
  // `async` on the lazy-free thread, counted as their keys in lazyfreed_objects (Redis's
  // emptyDbAsync: a replica's old data under replica-lazy-flush, or discarded after a swapdb
  // load). The vector is left empty.
  void DiscardDatabases(std::vector<std::unique_ptr<ds::Database>>& old, bool async);
  // Empties database `index` (FLUSHDB, FLUSHALL): now, or with `async` by handing its contents
  // to the lazy-free thread (the server answers at once however big it was; INFO's
  // lazyfreed_objects counts its keys once freed). The caller reports the change.
  void EmptyDatabase(int index, bool async);

  // Background children (BGSAVE, BGREWRITEAOF), RDB snapshots and the append-only file
  // (server/persist/persistence.h; the shortcuts below reach its parts).
  Persistence& persistence() { return *persistence_; }
  ChildProcessManager& children();
  const ChildProcessManager& children() const;
  RdbPersistence& rdb();
  AppendOnlyFile& aof();
  const AppendOnlyFile& aof() const;
  // Writes what the AOF buffer holds: called before any reply leaves (Connection::Flush).
  void WritePendingAof();

  // Master–replica replication (server/repl/replication.h).
  Replication& replication() { return *replication_; }
  const Replication& replication() const { return *replication_; }
  // The server became a replica or a master: a replica's keys do not expire on their own (they
  // read as absent once expired and wait for the master's DEL).
  void ReplicaModeChanged();

  // The live clients (server/engine/client_registry.h). A connection registers its client;
  // RemoveClient also drops it from blocking, WATCH, pub/sub and the pause.
  ClientRegistry& clients() { return clients_; }
  const ClientRegistry& clients() const { return clients_; }
  void RemoveClient(uint64_t id);

  // Clients parked by blocking commands (server/engine/blocking.h).
  BlockingRegistry& blocking() { return blocking_; }
  PubSub& pubsub() { return pubsub_; }
  // client-output-buffer-limit for a client's connection (its pub/sub or normal class). A
  // replica's connection has none: Replication applies the replica class to its stream, which
  // it holds partly outside the connection and which leaves out the RDB of a full sync.
  const OutputBufferLimit& output_limit(const Client& client) const {
    static const OutputBufferLimit kNone;
    if (client.replica) return kNone;
    return client.subscribed() ? output_limits_[1] : output_limits_[0];
  }
  const OutputBufferLimit& replica_output_limit() const { return output_limits_[2]; }
  WatchRegistry& watches() { return watches_; }
  // Client-side caching: tracked keys and invalidation messages (server/engine/tracking.h).
  Tracking& tracking() { return tracking_; }
  const Tracking& tracking() const { return tracking_; }
  Slowlog& slowlog() { return slowlog_; }
  LatencyMonitor& latency() { return latency_; }
  int64_t latency_threshold_ms() const { return latency_threshold_ms_; }
  // Called before FLUSHDB/FLUSHALL empties `db`, or SWAPDB exchanges it with `other`: WATCH
  // invalidation for keys that exist there.
  void DatabaseWillChange(int db, int other = -1);

  // ACL: the user a client runs as (name and rules change together).
  void SetClientUser(Client& client, const acl::User& user, bool authenticated);
  // Appends to ACL LOG, with the client's CLIENT INFO line and the context it ran in.
  void AddAclLogEntry(const Client& client, acl::Denial reason, std::string_view object,
                      std::string_view username);
  // Disconnects the clients authenticated as `user` (deleted or replaced), as Redis's
  // ACLFreeUserAndKillClients: they fall back to the default user, unauthenticated, and close;
  // `current` (the client running the command) closes after its reply.
  void DisconnectUserClients(const acl::User* user, Client* current);
  // Before `user` takes the rules of `updated`: closes its subscribed clients that hold a
  // channel or pattern the new rules no longer allow (Redis's ACLKillPubsubClientsIfNeeded).
  void DisconnectRevokedSubscribers(const acl::User& user, const acl::User& updated,
                                    Client* current);

  // Runs one command for `client`: lookup, arity/auth/ACL checks, handler, statistics. The reply
  // is appended to `out` in the client's protocol. `resolved` is the command `args` resolved to
  // already (EXEC's queued commands), skipping the lookup.
  void Execute(Client& client, std::span<const std::string_view> args, std::string* out,
               Command* resolved = nullptr);

  // Hooks every write calls after changing a key, so that WATCH, keyspace notifications and
  // the dirty counter follow all writes. `event` is Redis's event name ("set", "del", "expire"
  // ...), `type_class` the notification class letter ('g' generic, '$' string, 'l' list,
  // 'x' expired, 'e' evicted, 't' stream). `by` is the id of the client whose command changed
  // the key (0: the server itself), for CLIENT TRACKING's NOLOOP.
  void KeyModified(int db, std::string_view key, uint64_t by = 0);
  // Counts a signal of the key kit (CommandContext::Modified and its kin).
  void CountKeySignal() { ++key_signals_; }
  void NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key, int db);

  // Replies `error` for a command refused before running (arity, auth), with Redis's effect
  // on an open transaction: it is flagged to abort, or ended when the refused command is EXEC.
  // Counts one error reply (total_error_replies and its code for INFO errorstats); `reply` is
  // the error text with or without the leading '-'.
  void CountErrorReply(std::string_view reply);
  static constexpr size_t kMaxErrorCodes = 128;
  void RejectCommand(Client& client, Command& cmd, std::string_view error,
                     protocol::ReplyBuilder& reply);
  // The ACL check of Execute for a restricted user: false (after replying NOPERM and logging)
  // when the call is not allowed.
  bool AclAllows(Client& client, Command& cmd, std::span<const std::string_view> args,
                 protocol::ReplyBuilder& reply);

  // ---- Memory accounting and maxmemory (server/engine/eviction.h, engine_memory.cc) ----
  // The LRU/LFU clock of every key (refreshed before each command).
  ds::AccessClock& access_clock() { return access_clock_; }
  // The event loop's wall clock: what every command takes as its `now`.
  WallClock& wall_clock() { return wall_clock_; }
  // Frees big values off the event loop (UNLINK; DEL, expiry and eviction per lazyfree-lazy-*).
  LazyFree& lazy_free() { return lazy_free_; }
  Evictor& evictor() { return evictor_; }
  // Deletes `key` of database `db` to bring memory under maxmemory. Every eviction goes
  // through here, and only evictions: it counts evicted_keys, signals WATCH and blocked clients
  // (KeyModified) and publishes the "evicted" keyspace event. Returns the bytes the deletion
  // released (what the eviction loop counts against the excess). Propagating the deletion to
  // the AOF and replicas ("key deleted by the server") belongs here too.
  int64_t EvictKey(int db, std::string_view key);
  // Memory that maxmemory does not count (Redis's mem_not_counted_for_evict: the AOF buffer and
  // replica output buffers). Each source reports its current size through a function.
  void AddNotCountedForEvictSource(std::function<size_t()> source);
  size_t MemoryNotCountedForEvict() const;
  // Peak of AllocatedBytes() seen after commands (CONFIG RESETSTAT restarts it), and the bytes
  // allocated once start-up was done (INFO used_memory_startup).
  size_t used_memory_peak() const { return used_memory_peak_; }
  void ResetMemoryPeak();
  void RecordStartupMemory();
  size_t used_memory_startup() const { return used_memory_startup_; }
  // Eviction stands still while clients are paused (their view of the dataset is frozen).
  bool MayEvict() const { return pause_type_ == PauseType::kNone; }

  // Work the engine defers to the event loop (eviction past its time budget, the end of a
  // client pause); the server installs the timer. Without one, nothing runs.
  void set_run_after(std::function<void(int64_t delay_ms, std::function<void()>)> run_after) {
    run_after_ = std::move(run_after);
  }
  void RunAfter(int64_t delay_ms, std::function<void()> fn) {
    if (run_after_) run_after_(delay_ms, std::move(fn));
  }

  // ---- CLIENT PAUSE (engine_pause.cc) ----
  // WRITE postpones commands that may change the dataset (write and may-replicate commands, EXEC
  // of such), ALL postpones every command of normal clients, until `end_ms` or UnpauseClients.
  // Each purpose (CLIENT PAUSE, a FAILOVER) keeps a pause of its own, as Redis 7.0's pause
  // purposes: a later pause of the same purpose extends its end and may widen WRITE to ALL,
  // never the reverse; the strictest live one applies, and ending one (CLIENT UNPAUSE, the
  // FAILOVER's end) leaves the other. While paused, keys neither expire nor get evicted.
  enum class PauseType { kNone, kWrite, kAll };
  enum class PausePurpose { kClientCommand, kFailover };
  void PauseClients(PausePurpose purpose, PauseType type, int64_t end_ms);
  void UnpauseClients(PausePurpose purpose);
  PauseType pause_type() const { return pause_type_; }
  // Clients whose command waits for the pause to end (INFO's blocked_clients counts them, as
  // Redis's BLOCKED_POSTPONE).
  size_t postponed_count() const { return postponed_.size(); }
  // Ends the pause if its time has come (timer and cron).
  void CheckPauseTimeout(int64_t now_ms);

  // ---- Propagation to the AOF and replicas (server/engine/propagation.h) ----
  Propagator& propagation() { return propagation_; }
  // Redis's alsoPropagate: adds a command for database `db` to the current execution unit
  // (a command propagating its effect in another form: XREADGROUP as XCLAIMs ...).
  void Propagate(int db, std::initializer_list<std::string_view> args) {
    propagation_.Add(db, args);
  }
  void Propagate(int db, std::span<const std::string_view> args) { propagation_.Add(db, args); }

  // THE entry point for a key the server deletes on its own initiative, not on a client's
  // command: expiry (lazy on access or by the active cycle; Database's expired hook calls it)
  // and eviction under maxmemory. Call it just before or after deleting `key` from `db`. It
  // propagates the deletion as "DEL key" ("UNLINK key" when lazyfree-lazy-expire /
  // lazyfree-lazy-eviction is yes), so that the AOF and replicas drop the key too instead of
  // re-deciding on their own clocks and memory. Inside a command it joins that command's
  // execution unit (SET on an expired key becomes MULTI, DEL, SET, EXEC); outside any command
  // (active expiry, eviction before a command runs) it is propagated on its own right away.
  // Statistics and keyspace events stay the caller's job.
  enum class ServerDeletion { kExpired, kEvicted };
  void PropagateServerDeletion(int db, std::string_view key, ServerDeletion why);

  // Propagates a command whose handler has returned, as `ctx` says (server/engine/propagation.h):
  // its rewritten form or its arguments when the dirty counter grew past `dirty_before`.
  // `cmd` is null for a blocked client served later (its serve function ran in `ctx`).
  void PropagateCommand(CommandContext& ctx, const Command* cmd, uint64_t dirty_before);

  // True while EXEC runs its queued commands. For code without the client at hand (CONFIG SET
  // appliers, BGREWRITEAOF scheduling); command handlers use Client::in_exec.
  bool in_exec() const { return execute_depth_ > 1; }

  // While loading an AOF: commands run for the loader's client without statistics, replies go
  // nowhere, nothing is propagated and no key expires (Redis's server.loading).
  bool loading() const { return loading_; }
  void set_loading(bool loading);

  // Active expiry over all databases, bounded by `budget_us`. Called by a timer.
  void ActiveExpireCycle(int64_t budget_us);
  // DEBUG SET-ACTIVE-EXPIRE: tests turn the active cycle off to watch lazy expiry alone.
  void set_active_expire_enabled(bool on) { active_expire_enabled_ = on; }

  // Shutdown request from SHUTDOWN; the server loop checks it after each batch.
  bool shutdown_requested() const { return shutdown_requested_; }
  void RequestShutdown() { shutdown_requested_ = true; }
  // Redis's prepareForShutdown with SHUTDOWN's flags (kShutdown*, also the values of
  // shutdown-on-sigterm): stops a background child, makes the final save, removes the pid
  // file. False (logged) when the save failed without FORCE: the server keeps running.
  static constexpr int kShutdownSave = 1;
  static constexpr int kShutdownNoSave = 2;
  static constexpr int kShutdownNow = 4;
  static constexpr int kShutdownForce = 8;
  bool PrepareForShutdown(int flags);

  // ---- Scripting: EVAL and FUNCTION (server/scripting/scripting.h) ----
  scripting::Scripting& scripting() { return *scripting_; }
  // Whether memory was over maxmemory when the current top-level command started (a script's
  // deny-oom commands are refused before its first write, as Redis's server.script_oom).
  bool script_oom() const { return script_oom_; }
  // While a script runs past busy-reply-threshold: the -BUSY error every command of other
  // clients without the allow-busy flag gets (empty: no busy script). `script_client` runs the
  // script's own commands, which are not refused.
  const std::string& script_busy_error() const { return script_busy_error_; }
  void set_script_busy_error(std::string_view error, const Client* script_client = nullptr) {
    script_busy_error_ = error;
    busy_script_client_ = script_client;
  }
  // Serves other clients' ready events from inside a busy script (Redis's
  // processEventsWhileBlocked); `caller`'s connection is left alone meanwhile. The server
  // installs the function; without one nothing runs.
  void set_process_events_while_blocked(std::function<void(Client& caller)> fn) {
    process_events_while_blocked_ = std::move(fn);
  }
  void ProcessEventsWhileBlocked(Client& caller) {
    if (process_events_while_blocked_) process_events_while_blocked_(caller);
  }
  // Feeds `ctx`'s command to MONITOR clients now (scripts show themselves before the commands
  // they run).
  void FeedMonitors(const Client& client, const CommandContext& ctx);

 private:
  Config config_;
  acl::Acl acl_;
  CommandTable commands_;
  Stats stats_;
  // Before the databases: their lazy deletions hand values to it.
  LazyFree lazy_free_;
  std::vector<std::unique_ptr<ds::Database>> databases_;
  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<Replication> replication_;
  ClientRegistry clients_;
  Tracking tracking_{clients_};
  BlockingRegistry blocking_{*this};
  PubSub pubsub_;
  WatchRegistry watches_;
  Slowlog slowlog_;
  LatencyMonitor latency_;
  // slowlog-log-slower-than, slowlog-max-len, latency-monitor-threshold, cached off the
  // per-command path.
  int64_t slowlog_slower_than_ = 0;
  int64_t slowlog_max_len_ = 0;
  int64_t latency_threshold_ms_ = 0;
  bool latency_tracking_ = true;
  bool active_expire_enabled_ = true;
  Propagator propagation_;
  const Command* exec_command_ = nullptr;  // never propagated itself
  const Command* ping_command_ = nullptr;  // refused with writes on -MISCONF, as Redis
  bool loading_ = false;
  // Engine::Execute while loading: the handler alone (MULTI queueing included).
  void ExecuteLoaded(Client& client, std::span<const std::string_view> args, std::string* out);
  void ReadMonitorSettings();
  // Whether a command counts as a write for -MISCONF (write commands, PING, EXEC of writes).
  bool WritesData(const Command& cmd, const Client& client, uint32_t flags) const;
  // Slowlog and latency monitor samples of one command that ran for `duration_us`.
  void RecordCommandLatency(const Client& client, const Command& cmd, const CommandContext& ctx,
                            int64_t duration_us);
  uint32_t notify_flags_ = 0;           // parsed notify-keyspace-events
  OutputBufferLimit output_limits_[3];  // normal, pubsub, replica
  void ParseOutputLimits();
  // lazyfree-lazy-expire and lazyfree-lazy-server-del onto every database.
  void ApplyLazyFreeOptions();
  // Default-user password from requirepass, acl-pubsub-default (server/engine/engine_acl.cc).
  void ConfigureAcl();
  // Every error reply of a command counts (protocol::ErrorSink).
  void OnErrorReply(std::string_view msg) override { CountErrorReply(msg); }

  // The key kit's check (command_context.h): the databases count every change to keys, the
  // kit every signal; a command that changed keys and signalled nothing is reported.
  uint64_t key_changes_ = 0;
  uint64_t key_signals_ = 0;
  void ReportUnsignalledChange(const Command& cmd);

  ds::AccessClock access_clock_;
  WallClock wall_clock_;
  Evictor evictor_{*this};
  std::vector<std::function<size_t()>> not_counted_sources_;
  size_t used_memory_peak_ = 0;
  size_t used_memory_startup_ = 0;
  std::function<void(int64_t, std::function<void()>)> run_after_;
  void ReadEvictionSettings();
  // Whether `cmd` must be refused while memory is over maxmemory and nothing can be evicted.
  bool RefusedWhenOutOfMemory(const Client& client, const Command& cmd, uint32_t flags);

  // The pause in force (the strictest of pauses_, the latest end of that type) and each
  // purpose's own.
  PauseType pause_type_ = PauseType::kNone;
  int64_t pause_end_ms_ = 0;
  struct PauseEvent {
    PauseType type = PauseType::kNone;
    int64_t end_ms = 0;
  };
  PauseEvent pauses_[2];
  // Redis's updateClientPauseTypeAndEndTime: drops the purposes whose end is before
  // `expire_before`, recomputes the pause in force, and lets the postponed clients run again
  // when it became less strict (those still held are postponed anew).
  void UpdatePause(int64_t expire_before);
  std::vector<Client*> postponed_;  // in the order they were paused
  bool ShouldPostpone(const Client& client, const Command& cmd, uint32_t flags);
  // Client-side caching around each command (engine.cc): while any client tracks, the
  // top-level command's client is the tracking's current client, the keys of read-only
  // commands are remembered, and afterwards its pending invalidations are sent and CLIENT
  // CACHING expires. Costs one test per command when nobody tracks.
  class TrackingScope;
  void TrackingBegin(Client& client);
  void TrackingEnd(Client& client, const Command* cmd, bool ran,
                   std::span<const std::string_view> args);
  void ArmPauseTimer();
  // Nesting of Execute (EXEC runs commands inside one): waiters are served when it is back
  // to zero, after the outermost command completed.
  int execute_depth_ = 0;
  bool shutdown_requested_ = false;
  std::unique_ptr<scripting::Scripting> scripting_;
  bool script_oom_ = false;
  std::string script_busy_error_;
  const Client* busy_script_client_ = nullptr;
  std::function<void(Client&)> process_events_while_blocked_;
};

// notify-keyspace-events: the bit of one class letter, and a whole spec parsed ("KEA", "Ex"...).
uint32_t NotifyFlagOf(char c);
uint32_t ParseNotifyFlags(std::string_view spec);

// Wall clock in milliseconds / microseconds since the epoch; a monotonic clock in microseconds.
int64_t NowMs();
int64_t NowUs();
int64_t MonotonicUs();

}  // namespace rill
