#include "server/engine/engine.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/engine/client.h"
#include "server/observe/alloc_counter.h"
#include "server/observe/cycle_clock.h"
#include "server/observe/latency_histogram.h"
#include "server/observe/log.h"
#include "server/persist/persistence.h"
#include "server/repl/replication.h"
#include "server/scripting/scripting.h"

namespace rill {

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Engine::Engine(Config config) : config_(std::move(config)) {
  static const bool clock_ready = (CycleClock::Init(), true);
  (void)clock_ready;
  stats_.start_time_ms = NowMs();
  stats_.last_save_time = stats_.start_time_ms / 1000;
  int n = static_cast<int>(std::max<int64_t>(1, config_.Int("databases")));
  databases_.reserve(n);
  access_clock_.Update(stats_.start_time_ms);
  for (int i = 0; i < n; ++i) {
    databases_.push_back(std::make_unique<ds::Database>());
    databases_.back()->set_access_clock(&access_clock_);
    databases_.back()->set_change_counter(&key_changes_);
    databases_.back()->set_lazy_free(
        [this](std::unique_ptr<ds::ObjectValue> value) { lazy_free_.Free(std::move(value)); });
    databases_.back()->set_expired_hook([this, i](std::string_view key) {
      ++stats_.expired_keys;
      NotifyKeyspaceEvent('x', "expired", key, i);
      KeyModified(i, key);
      PropagateServerDeletion(i, key, ServerDeletion::kExpired);
    });
  }
  RegisterAllCommands(commands_);
  exec_command_ = commands_.Find("exec");
  ping_command_ = commands_.Find("ping");
  persistence_ = std::make_unique<Persistence>(*this);
  replication_ = std::make_unique<Replication>(*this);
  persistence_->rdb().set_background_done_hook(
      [this](bool ok, const std::string& path) { replication_->SnapshotDone(ok, path); });
  config_.OnApply("appendonly", [this](std::string* error) {
    if (!config_.Bool("appendonly")) {
      aof().StopAtRuntime();
      return true;
    }
    if (aof().StartAtRuntime()) return true;
    *error = "Unable to turn on AOF. Check server logs.";
    return false;
  });
  // Run-time CONFIG SET of parameters the process acts on directly. The config layer has
  // already validated the new value (dir must be an accessible directory).
  config_.OnChange("dir", [this] {
    std::string dir = config_.String("dir");
    if (chdir(dir.c_str()) != 0) {
      Log(LogLevel::kWarning, "Can't chdir to '%s': %s", dir, std::strerror(errno));
    }
  });
  config_.OnChange("loglevel", [this] { LogSetLevel(config_.String("loglevel")); });
  ApplyLazyFreeOptions();
  config_.OnChange("lazyfree-lazy-expire", [this] { ApplyLazyFreeOptions(); });
  config_.OnChange("lazyfree-lazy-server-del", [this] { ApplyLazyFreeOptions(); });
  ParseOutputLimits();
  config_.OnChange("client-output-buffer-limit", [this] { ParseOutputLimits(); });
  ReadMonitorSettings();
  for (std::string_view name : {"slowlog-log-slower-than", "slowlog-max-len",
                                "latency-monitor-threshold", "latency-tracking"}) {
    config_.OnChange(name, [this] { ReadMonitorSettings(); });
  }
  ReadEvictionSettings();
  for (std::string_view name :
       {"maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity", "lfu-log-factor",
        "lfu-decay-time"}) {
    config_.OnChange(name, [this] { ReadEvictionSettings(); });
  }
  config_.OnChange("maxmemory", [this] {
    ReadEvictionSettings();
    const uint64_t maxmemory = evictor_.maxmemory();
    const size_t counted = evictor_.CountedMemory();
    if (maxmemory != 0 && maxmemory < counted) {
      Log(LogLevel::kWarning,
          "WARNING: the new maxmemory value set via CONFIG SET (%u) is smaller than the current "
          "memory usage (%u). This will result in key eviction and/or the inability to accept "
          "new write commands depending on the maxmemory-policy.",
          maxmemory, counted);
    }
    // As Redis, the excess is evicted from the event loop, not inside CONFIG SET.
    if (maxmemory != 0) RunAfter(0, [this] { evictor_.Perform(); });
  });
  notify_flags_ = ParseNotifyFlags(config_.String("notify-keyspace-events"));
  config_.OnChange("notify-keyspace-events", [this] {
    notify_flags_ = ParseNotifyFlags(config_.String("notify-keyspace-events"));
  });
  ConfigureAcl();
  scripting_ = std::make_unique<scripting::Scripting>(*this);
}

Engine::~Engine() = default;

ChildProcessManager& Engine::children() { return persistence_->children(); }
const ChildProcessManager& Engine::children() const { return persistence_->children(); }
RdbPersistence& Engine::rdb() { return persistence_->rdb(); }
AppendOnlyFile& Engine::aof() { return persistence_->aof(); }
const AppendOnlyFile& Engine::aof() const { return persistence_->aof(); }

void Engine::WritePendingAof() {
  AppendOnlyFile& file = persistence_->aof();
  if (file.has_unwritten()) file.WriteBuffer(false);
  // The replicas' stream leaves with the replies, after the AOF has it.
  replication_->FlushStream();
}

void Engine::KeyModified(int db, std::string_view key, uint64_t by) {
  // A write may create a list or stream someone waits on (RPUSH, but also RENAME, COPY, MOVE
  // onto the key), or delete or replace one (Redis's signalDeletedKeyAsReady: XREADGROUP
  // waiters then fail with -UNBLOCKED): the waiter's serve function checks what is there.
  // Free when nobody waits.
  blocking_.SignalKeyReady(db, key);
  watches_.Touch(db, key);
  // Redis's trackingInvalidateKey: the table is global, whatever the database.
  if (tracking_.watching_writes()) [[unlikely]]
    tracking_.InvalidateKey(key, by);
}

void Engine::NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                                 int db) {
  if (notify_flags_ == 0) return;
  const uint32_t type_bit = NotifyFlagOf(type_class);
  if ((notify_flags_ & type_bit) == 0) return;
  if (notify_flags_ & NotifyFlagOf('K')) {
    pubsub_.Publish(absl::StrCat("__keyspace@", db, "__:", ToAbsl(key)), event);
  }
  if (notify_flags_ & NotifyFlagOf('E')) {
    pubsub_.Publish(absl::StrCat("__keyevent@", db, "__:", ToAbsl(event)), key);
  }
}

uint32_t NotifyFlagOf(char c) {
  // Bit per letter of notify-keyspace-events (Redis's NOTIFY_* classes).
  static constexpr std::string_view kLetters = "KEg$lshzxetmdn";
  size_t pos = kLetters.find(c);
  return pos == std::string_view::npos ? 0 : (1u << pos);
}

uint32_t ParseNotifyFlags(std::string_view spec) {
  uint32_t flags = 0;
  for (char c : spec) {
    if (c == 'A') {
      for (char a : std::string_view("g$lshzxetd")) flags |= NotifyFlagOf(a);
    } else {
      flags |= NotifyFlagOf(c);
    }
  }
  // Without K or E nothing is published, whatever classes are selected.
  if ((flags & (NotifyFlagOf('K') | NotifyFlagOf('E'))) == 0) return 0;
  return flags;
}

// Resolves the command (and subcommand) for `args`, or replies with Redis's error.
static Command* ResolveCommand(CommandTable& table, std::span<const std::string_view> args,
                               protocol::ReplyBuilder& reply) {
  Command* cmd = table.Find(args[0]);
  if (cmd == nullptr || (cmd->handler == nullptr && cmd->subcommands.empty())) {
    reply.Error(errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    return nullptr;
  }
  if (!cmd->subcommands.empty() && args.size() >= 2) {
    char lower[64];
    std::string_view sub = args[1];
    if (sub.size() < sizeof(lower)) {
      for (size_t i = 0; i < sub.size(); ++i) lower[i] = absl::ascii_tolower(sub[i]);
      auto it = cmd->subcommands.find(std::string_view(lower, sub.size()));
      if (it != cmd->subcommands.end()) return &it->second;
    }
    reply.Error(errors::UnknownSubcommand(args[1], ToUpperAscii(cmd->name)));
    return nullptr;
  }
  return cmd;
}

void Engine::PropagateServerDeletion(int db, std::string_view key, ServerDeletion why) {
  if (!propagation_.active()) return;
  const bool lazy = config_.Bool(why == ServerDeletion::kExpired ? "lazyfree-lazy-expire"
                                                                 : "lazyfree-lazy-eviction");
  propagation_.Add(db, {lazy ? "UNLINK" : "DEL", key});
}

void Engine::PropagateCommand(CommandContext& ctx, const Command* cmd, uint64_t dirty_before) {
  if (!propagation_.active()) return;
  const CommandContext::Propagation mode = ctx.propagation();
  if (mode == CommandContext::Propagation::kPrevent || cmd == exec_command_) return;
  if (mode != CommandContext::Propagation::kForce && stats_.dirty <= dirty_before) return;
  if (!ctx.rewritten().empty()) {
    propagation_.Add(ctx.client.db, ctx.rewritten());
  } else {
    propagation_.Add(ctx.client.db, ctx.args);
  }
}

void Engine::set_loading(bool loading) {
  loading_ = loading;
  propagation_.set_paused(loading);
  for (auto& db : databases_) db->set_expiry_paused(loading);
}

void Engine::ExecuteLoaded(Client& client, std::span<const std::string_view> args,
                           std::string* out) {
  protocol::ReplyBuilder reply(out);
  Command* cmd = ResolveCommand(commands_, args, reply);
  if (cmd == nullptr || cmd->handler == nullptr) return;
  if ((cmd->arity > 0 && static_cast<int>(args.size()) != cmd->arity) ||
      static_cast<int>(args.size()) < -cmd->arity) {
    reply.Error(errors::WrongArity(cmd->name));
    return;
  }
  if (client.in_multi && !(cmd->flags & kCmdRunsInMulti)) {
    client.multi_queue.Add(cmd, cmd->flags, args);
    return;
  }
  CommandContext ctx{*this, client, args, reply, wall_clock_.NowMs()};
  cmd->handler(ctx);
}

bool Engine::WritesData(const Command& cmd, const Client& client, uint32_t flags) const {
  if ((flags & kCmdWrite) || &cmd == ping_command_) return true;
  // EXEC counts as a write when a queued command is one (Redis's mstate.cmd_flags).
  return &cmd == exec_command_ && (client.multi_queue.flags() & kCmdWrite);
}

void Engine::ReplaceDatabases(std::vector<std::unique_ptr<ds::Database>>& fresh) {
  // As Redis's emptyData: tracking clients drop their whole cache.
  tracking_.InvalidateAllOnFlush();
  for (int i = 0; i < num_databases() && i < static_cast<int>(fresh.size()); ++i) {
    DatabaseWillChange(i);
    databases_[i]->Swap(*fresh[i]);
    if (!watches_.empty()) watches_.TouchExisting(i, *databases_[i], nullptr);
  }
}

void Engine::ApplyLazyFreeOptions() {
  const bool expire = config_.Bool("lazyfree-lazy-expire");
  const bool server_del = config_.Bool("lazyfree-lazy-server-del");
  for (auto& db : databases_) {
    db->set_lazy_expire(expire);
    db->set_lazy_server_del(server_del);
  }
}

void Engine::DiscardDatabases(std::vector<std::unique_ptr<ds::Database>>& old, bool async) {
  for (auto& db : old) {
    if (async && db != nullptr) lazy_free_.FreeDatabase(std::move(db));
  }
  old.clear();
}

void Engine::EmptyDatabase(int index, bool async) {
  ds::Database& db = *databases_[index];
  if (!async || db.size() == 0) {  // an empty one costs nothing to clear here
    db.Clear();
    return;
  }
  // Swap leaves the hooks (lazy free, expiry, the access clock) with the database that stays.
  auto old = std::make_unique<ds::Database>();
  db.Swap(*old);
  lazy_free_.FreeDatabase(std::move(old));
}

bool Engine::PrepareForShutdown(int flags) {
  Log(LogLevel::kWarning, "User requested shutdown...");
  if (!persistence_->PrepareShutdown((flags & kShutdownNoSave) != 0, (flags & kShutdownSave) != 0,
                                     (flags & kShutdownForce) != 0)) {
    return false;
  }
  const std::string pidfile = config_.String("pidfile");
  if (config_.Bool("daemonize") || !pidfile.empty()) {
    Log(LogLevel::kNotice, "Removing the pid file.");
    unlink((pidfile.empty() ? "/var/run/redis_" + std::to_string(config_.Int("port")) + ".pid"
                            : pidfile)
               .c_str());
  }
  return true;
}

// Brackets Execute for client-side caching (Engine::TrackingBegin/End). While nobody tracks it
// costs a test on the way in and one on the way out, whatever path the command leaves by.
class Engine::TrackingScope {
 public:
  TrackingScope(Engine& engine, Client& client, std::span<const std::string_view> args)
      : engine_(engine), client_(client), args_(args) {
    if (engine.tracking_.clients() != 0) [[unlikely]] {
      engaged_ = true;
      engine.TrackingBegin(client);
    }
  }
  ~TrackingScope() {
    if (engaged_ || engine_.tracking_.clients() != 0) [[unlikely]] {
      engine_.TrackingEnd(client_, cmd, ran, args_);
    }
  }
  TrackingScope(const TrackingScope&) = delete;
  TrackingScope& operator=(const TrackingScope&) = delete;

  const Command* cmd = nullptr;  // once resolved
  bool ran = false;              // the handler ran (not refused, not queued)

 private:
  Engine& engine_;
  Client& client_;
  std::span<const std::string_view> args_;
  bool engaged_ = false;
};

void Engine::TrackingBegin(Client& client) {
  if (execute_depth_ != 0) return;
  tracking_.set_current_client(&client);
  // Redis's processCommand keeps the table within tracking-table-max-keys before each command.
  static const Config::IntParam kMaxKeys("tracking-table-max-keys");
  tracking_.LimitKeys(static_cast<uint64_t>(config_.Int(kMaxKeys)));
}

void Engine::TrackingEnd(Client& client, const Command* cmd, bool ran,
                         std::span<const std::string_view> args) {
  ClientTracking* state = client.tracking;
  // Redis's call(): a read-only command's keys are remembered for its client (a script's are
  // handled by the script runner: the caller remembers its declared keys). The *_RO script
  // commands are read-only but remember nothing themselves.
  if (ran && state != nullptr && state->on && !state->bcast && (cmd->flags & kCmdReadonly) &&
      cmd->name != "eval_ro" && cmd->name != "evalsha_ro" && cmd->name != "fcall_ro") {
    tracking_.RememberKeys(client, *cmd, args);
  }
  if (execute_depth_ != 0) return;
  // Redis's afterCommand: invalidations for this client follow its reply (a whole EXEC's).
  tracking_.FlushPending();
  tracking_.set_current_client(nullptr);
  // Redis's resetClient: CLIENT CACHING lasts for the next command, or the next transaction;
  // any CLIENT subcommand leaves it alone.
  if (state != nullptr && state->caching && !client.in_multi &&
      (cmd == nullptr || !cmd->name.starts_with("client|"))) {
    state->caching = false;
  }
}

void Engine::Execute(Client& client, std::span<const std::string_view> args, std::string* out,
                     Command* resolved) {
  if (loading_) {
    ExecuteLoaded(client, args, out);
    return;
  }
  TrackingScope tracking_scope(*this, client, args);
  protocol::ReplyBuilder reply(out, this);
  reply.set_resp3(client.resp == 3);
  const int64_t now_ms = wall_clock_.NowMs();
  access_clock_.Update(now_ms);
  // While a forked child shares our pages, reads leave the keys' access bits alone: a GET that
  // wrote them would copy a page per key touched (Redis skips the update then too).
  access_clock_.set_touch_enabled(!persistence_->children().active());

  Command* cmd = resolved != nullptr ? resolved : ResolveCommand(commands_, args, reply);
  if (cmd == nullptr) {
    if (client.in_multi) client.multi_aborted = true;
    return;
  }
  tracking_scope.cmd = cmd;
  // Inside EXEC the client's last command stays EXEC, as Redis shows it.
  if (!client.in_exec) client.last_command = cmd->name;
  if ((cmd->arity > 0 && static_cast<int>(args.size()) != cmd->arity) ||
      static_cast<int>(args.size()) < -cmd->arity) {
    RejectCommand(client, *cmd, errors::WrongArity(cmd->name), reply);
    return;
  }
  if (!client.authenticated && !(cmd->flags & kCmdNoAuth) && acl_.AuthRequired()) {
    RejectCommand(client, *cmd, errors::kNoAuth, reply);
    return;
  }
  if (cmd->handler == nullptr) {
    // A container whose subcommand was not given (arity already checked): Redis replies as
    // for an unknown subcommand.
    reply.Error(errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    if (client.in_multi) client.multi_aborted = true;
    return;
  }
  // A script command's flags depend on its script (EVAL's shebang, FCALL's function).
  const uint32_t flags = cmd->flags_for ? cmd->flags_for(*this, args, cmd->flags) : cmd->flags;
  const bool queues = client.in_multi && !(cmd->flags & kCmdRunsInMulti);
  if (queues && (cmd->flags & kCmdNoMulti)) {
    RejectCommand(client, *cmd, "ERR Command not allowed inside a transaction", reply);
    return;
  }
  // Users allowed everything pay only this test.
  if (client.acl_user != nullptr && !client.acl_user->unrestricted() &&
      !AclAllows(client, *cmd, args, reply)) {
    return;
  }
  // maxmemory: evict before the command, as Redis's processCommand does before every command
  // (not for the commands of a running EXEC, which was checked as a whole).
  if (execute_depth_ == 0 && evictor_.maxmemory() != 0) {
    const bool out_of_memory = evictor_.Perform() == Evictor::Result::kFail;
    script_oom_ = out_of_memory;
    if (out_of_memory && !client.master && RefusedWhenOutOfMemory(client, *cmd, flags)) {
      RejectCommand(client, *cmd, errors::kOom, reply);
      return;
    }
  }
  if (WritesData(*cmd, client, flags)) {
    // Redis refuses writes (and PING) while it cannot persist: -MISCONF. Asked only for those
    // (a read would pay the persistence state's look for nothing).
    std::string denied_scratch;
    const std::string_view denied = persistence_->WriteDeniedError(&denied_scratch);
    if (!denied.empty()) {
      RejectCommand(client, *cmd, denied, reply);
      return;
    }
  }
  if (WritesData(*cmd, client, flags) && cmd != ping_command_ &&
      !replication_->EnoughGoodReplicas()) {
    RejectCommand(client, *cmd, "NOREPLICAS Not enough good replicas to write.", reply);
    return;
  }
  if (replication_->is_replica() && !client.master) {
    // Redis's processCommand: a read-only replica refuses writes of anyone but its master, and
    // with replica-serve-stale-data no only "stale" commands run while the link is down.
    if (config_.Bool("replica-read-only") && WritesData(*cmd, client, flags) &&
        cmd != ping_command_) {
      RejectCommand(client, *cmd, "READONLY You can't write against a read only replica.", reply);
      return;
    }
    if (replication_->link_state() != Replication::LinkState::kConnected &&
        !config_.Bool("replica-serve-stale-data") && !(cmd->flags & kCmdStale)) {
      RejectCommand(client, *cmd,
                    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to "
                    "'no'.",
                    reply);
      return;
    }
    // Loading a full sync from the socket (server/repl/sync_receiver.h), as Redis refuses
    // what may not run while loading, or while async loading.
    if (const Replication::SyncLoad load = replication_->sync_load();
        load != Replication::SyncLoad::kNone &&
        (load == Replication::SyncLoad::kLoading ? !(cmd->flags & kCmdLoading)
                                                 : (cmd->flags & kCmdNoAsyncLoading) != 0)) {
      RejectCommand(client, *cmd, "LOADING Redis is loading the dataset in memory", reply);
      return;
    }
  }
  if (client.resp == 2 && client.subscribed() && !(cmd->flags & kCmdAllowedWhileSubscribed)) {
    RejectCommand(client, *cmd,
                  absl::StrFormat("ERR Can't execute '%s': only (P|S)SUBSCRIBE / "
                                  "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
                                  "context",
                                  cmd->name),
                  reply);
    return;
  }
  if (!script_busy_error_.empty() && !(flags & kCmdAllowBusy) && &client != busy_script_client_) {
    RejectCommand(client, *cmd, script_busy_error_, reply);
    return;
  }
  if (execute_depth_ == 0 && pause_type_ != PauseType::kNone) CheckPauseTimeout(now_ms);
  // Replicas are never paused (their ACKs are what a FAILOVER's pause waits for).
  if (execute_depth_ == 0 && pause_type_ != PauseType::kNone && !client.replica &&
      ShouldPostpone(client, *cmd, flags)) {
    // The connection keeps the command and runs it again when the pause ends.
    client.blocked = true;
    client.postponed = true;
    postponed_.push_back(&client);
    return;
  }
  if (queues) {
    // A transaction already doomed (a watched key changed, a command failed to queue) keeps
    // no commands, as Redis: EXEC will discard them anyway.
    if (!client.watch_dirty && !client.multi_aborted) {
      client.multi_queue.Add(cmd, flags, args);
    }
    reply.Simple("QUEUED");
    return;
  }

  CommandContext ctx{*this, client, args, reply, now_ms};
  const uint64_t start = CycleClock::Now();
  const uint64_t dirty_before = stats_.dirty;
  const uint64_t key_changes_before = key_changes_;
  const uint64_t key_signals_before = key_signals_;
  const size_t errors_before = reply.errors();
  propagation_.BeginUnit();
  ++execute_depth_;
  if (!client.master) {
    cmd->handler(ctx);
  } else {
    // The master's commands see its keys as it does: an expired key is still there until the
    // master's own DEL for it arrives.
    for (auto& db : databases_) db->set_expiry_paused(true);
    cmd->handler(ctx);
    for (auto& db : databases_) db->set_expiry_paused(false);
  }
  --execute_depth_;
  tracking_scope.ran = true;
  // Counted as Redis's call() counts: once a command ran (so INFO does not count itself; EXEC
  // and each command it runs count), not when rejected before running nor when only queued.
  ++stats_.total_commands_processed;
  ++client.total_commands;
  PropagateCommand(ctx, cmd, dirty_before);
  propagation_.EndUnit();
  if (execute_depth_ == 0) client.repl_offset = replication_->master_repl_offset();
  const int64_t duration_us = CycleClock::ToUs(CycleClock::Now() - start);
  cmd->usec += static_cast<uint64_t>(duration_us);
  const bool failed = reply.errors() > errors_before;
  if (key_changes_ != key_changes_before && key_signals_ == key_signals_before && !failed) {
    ReportUnsignalledChange(*cmd);
  }
  RecordCommandLatency(client, *cmd, ctx, duration_us);
  if (latency_tracking_ && !client.blocked) {
    if (!cmd->latency_histogram) cmd->latency_histogram = std::make_shared<LatencyHistogram>();
    cmd->latency_histogram->Record(duration_us * 1000);
  }
  ++cmd->calls;
  // The peak is taken after each command, before the eviction of the next one (as Redis).
  used_memory_peak_ = std::max(used_memory_peak_, AllocatedBytes());
  // Monitors see a command once it ran (so EXEC's commands come before EXEC, as in Redis);
  // admin commands are too sensitive to show.
  if (!clients_.monitors().empty() && !(cmd->flags & (kCmdSkipMonitor | kCmdAdmin))) {
    FeedMonitors(client, ctx);
  }
  if (failed) ++cmd->failed_calls;
  // Waiters on keys this command (or the whole EXEC) fed are served after it completed.
  if (execute_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

void Engine::ReadMonitorSettings() {
  slowlog_slower_than_ = config_.Int("slowlog-log-slower-than");
  slowlog_max_len_ = config_.Int("slowlog-max-len");
  latency_threshold_ms_ = config_.Int("latency-monitor-threshold");
  latency_tracking_ = config_.Int("latency-tracking") != 0;
  slowlog_.Trim(slowlog_max_len_);
}

void Engine::ReportUnsignalledChange(const Command& cmd) {
  // A write that changed keys without the key kit's Modified escaped WATCH, keyspace events and
  // (through the dirty counter) the AOF: a bug in its handler.
#ifndef NDEBUG
  std::fprintf(stderr, "BUG: command '%s' changed keys without signalling them (Modified)\n",
               cmd.name.c_str());
  std::abort();
#else
  static bool logged = false;
  if (!logged) {
    logged = true;
    Log(LogLevel::kWarning, "BUG: command '%s' changed keys without signalling them", cmd.name);
  }
#endif
}

void Engine::RecordCommandLatency(const Client& client, const Command& cmd,
                                  const CommandContext& ctx, int64_t duration_us) {
  // A command that parked its client is measured by Redis when it is served, not here.
  if (client.blocked) return;
  const bool slow = slowlog_slower_than_ >= 0 && duration_us >= slowlog_slower_than_ &&
                    !(cmd.flags & kCmdSkipSlowlog);
  const bool late = latency_threshold_ms_ > 0 && duration_us / 1000 >= latency_threshold_ms_;
  if (!slow && !late) return;  // the common case: no clock read
  int64_t now_s = NowMs() / 1000;
  if (late) {
    latency_.AddSample((cmd.flags & kCmdFast) ? "fast-command" : "command", duration_us / 1000,
                       now_s);
  }
  if (slow) {
    slowlog_.MaybePush(ctx.args, ctx.redacted_mask(), duration_us, slowlog_slower_than_,
                       slowlog_max_len_, client.addr, client.name, now_s);
  }
}

void Engine::CountErrorReply(std::string_view reply) {
  ++stats_.total_error_replies;
  // Redis's afterErrorReply: the code is the first word (searched within 32 bytes), "ERR" when
  // there is none. The table is bounded so that odd error texts cannot grow it without end.
  if (!reply.empty() && reply[0] == '-') reply.remove_prefix(1);
  size_t space = reply.substr(0, 31).find(' ');
  std::string_view code = space == std::string_view::npos ? "ERR" : reply.substr(0, space);
  auto it = stats_.error_counts.find(code);
  if (it != stats_.error_counts.end()) {
    ++it->second;
  } else if (stats_.error_counts.size() < kMaxErrorCodes) {
    stats_.error_counts.emplace(std::string(code), 1);
  }
}

void Engine::RejectCommand(Client& client, Command& cmd, std::string_view error,
                           protocol::ReplyBuilder& reply) {
  ++cmd.rejected_calls;
  if (&cmd != exec_command_) {
    // An open transaction can no longer run as queued.
    if (client.in_multi) client.multi_aborted = true;
    reply.Error(error);
    return;
  }
  // A refused EXEC ends any transaction and says why, even outside MULTI (Redis's
  // execCommandAbort).
  std::string_view why = error.starts_with("ERR ") ? error.substr(4) : error;
  client.in_multi = false;
  client.multi_aborted = false;
  client.multi_queue.clear();
  watches_.UnwatchAll(client);
  reply.Error(absl::StrCat("EXECABORT Transaction discarded because of: ", ToAbsl(why)));
}

void Engine::ParseOutputLimits() {
  // The config layer keeps the normalized form: "normal H S T slave H S T pubsub H S T".
  std::vector<std::string> words =
      absl::StrSplit(config_.String("client-output-buffer-limit"), ' ', absl::SkipEmpty());
  for (size_t i = 0; i + 3 < words.size(); i += 4) {
    OutputBufferLimit limit;
    if (!absl::SimpleAtoi(words[i + 1], &limit.hard) ||
        !absl::SimpleAtoi(words[i + 2], &limit.soft) ||
        !absl::SimpleAtoi(words[i + 3], &limit.soft_seconds)) {
      continue;
    }
    if (words[i] == "normal") output_limits_[0] = limit;
    if (words[i] == "pubsub") output_limits_[1] = limit;
    if (words[i] == "slave" || words[i] == "replica") output_limits_[2] = limit;
  }
}

void Engine::FeedMonitors(const Client& client, const CommandContext& ctx) {
  // Scripts call this for every EVAL/FCALL: with no monitor there is nothing to format.
  if (clients_.monitors().empty()) return;
  // "+<unix time with microseconds> [<db> <addr>] "arg" "arg"...", arguments quoted and
  // escaped as Redis's sdscatrepr does; secrets the command redacted show as "(redacted)".
  int64_t us = NowUs();
  std::string line =
      absl::StrFormat("+%d.%06d [%d %s]", us / 1000000, us % 1000000, client.db, client.addr);
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string_view arg = ctx.redacted(i) ? std::string_view("(redacted)") : ctx.args[i];
    line += " \"";
    for (unsigned char c : arg) {
      switch (c) {
        case '\\':
          line += "\\\\";
          break;
        case '"':
          line += "\\\"";
          break;
        case '\n':
          line += "\\n";
          break;
        case '\r':
          line += "\\r";
          break;
        case '\t':
          line += "\\t";
          break;
        case '\a':
          line += "\\a";
          break;
        case '\b':
          line += "\\b";
          break;
        default:
          if (c >= 32 && c < 127) {
            line += static_cast<char>(c);
          } else {
            line += absl::StrFormat("\\x%02x", c);
          }
      }
    }
    line += "\"";
  }
  line += "\r\n";
  for (Client* m : clients_.monitors()) {
    if (m->send) m->send(line);
  }
}

void Engine::RemoveClient(uint64_t id) {
  Client* found = clients_.Find(id);
  if (found == nullptr) return;
  Client& client = *found;
  postponed_.erase(std::remove(postponed_.begin(), postponed_.end(), &client), postponed_.end());
  blocking_.Unblock(id, BlockingRegistry::UnblockMode::kDisconnect);
  watches_.UnwatchAll(client);
  pubsub_.RemoveClient(client);
  tracking_.ClientGone(client);
  replication_->ClientGone(client);
  clients_.Remove(&client);
}

void Engine::ReplicaModeChanged() {
  const bool replica = replication_->is_replica();
  for (auto& db : databases_) db->set_expire_deletes(!replica && pause_type_ == PauseType::kNone);
}

void Engine::DatabaseWillChange(int db, int other) {
  if (watches_.empty()) return;
  const ds::Database* b = other >= 0 ? databases_[other].get() : nullptr;
  watches_.TouchExisting(db, *databases_[db], b);
  if (other >= 0) watches_.TouchExisting(other, *databases_[other], databases_[db].get());
}

void Engine::ActiveExpireCycle(int64_t budget_us) {
  // Redis's slow cycle: per database, sample 20 volatile keys; repeat while more than a quarter
  // of a sample was expired, within the time budget.
  constexpr size_t kSample = 20;
  // Paused clients see a dataset that stands still: nothing expires meanwhile.
  // Neither does a replica's: its master's DELs remove expired keys.
  if (!active_expire_enabled_ || pause_type_ != PauseType::kNone || replication_->is_replica()) {
    return;
  }
  int64_t cycle_start = MonotonicUs();
  int64_t deadline = cycle_start + budget_us;
  for (auto& db : databases_) {
    if (db->volatile_size() == 0) {
      db->set_avg_ttl_ms(0);
      continue;
    }
    int64_t ttl_sum = 0, ttl_samples = 0;
    while (true) {
      size_t expired = db->ActiveExpire(NowMs(), kSample, &ttl_sum, &ttl_samples);
      if (expired <= kSample / 4 || db->volatile_size() == 0) break;
      if (MonotonicUs() >= deadline) break;
    }
    // INFO keyspace's avg_ttl, estimated as Redis does: a running average over the cycles of
    // the remaining TTL of the sampled keys that did not expire.
    if (ttl_samples > 0) {
      const int64_t avg = ttl_sum / ttl_samples;
      int64_t estimate = db->avg_ttl_ms() == 0 ? avg : db->avg_ttl_ms();
      db->set_avg_ttl_ms(estimate / 50 * 49 + avg / 50);
    }
  }
  latency_.AddSampleIfNeeded("expire-cycle", (MonotonicUs() - cycle_start) / 1000,
                             latency_threshold_ms_, NowMs() / 1000);
  // Keys expired here may have waiters (XREADGROUP gets -UNBLOCKED): serve them now, not at
  // the next command.
  if (execute_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

}  // namespace rill
