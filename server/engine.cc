#include "server/engine.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/client.h"
#include "server/log.h"

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

static int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Engine::Engine(Config config) : config_(std::move(config)) {
  stats_.start_time_ms = NowMs();
  stats_.last_save_time = stats_.start_time_ms / 1000;
  int n = static_cast<int>(std::max<int64_t>(1, config_.Int("databases")));
  databases_.reserve(n);
  for (int i = 0; i < n; ++i) {
    databases_.push_back(std::make_unique<ds::Database>());
    databases_.back()->set_expired_hook([this, i](std::string_view key) {
      ++stats_.expired_keys;
      NotifyKeyspaceEvent('x', "expired", key, i);
      KeyModified(i, key);
    });
  }
  RegisterAllCommands(commands_);
  // Run-time CONFIG SET of parameters the process acts on directly. The config layer has
  // already validated the new value (dir must be an accessible directory).
  config_.OnChange("dir", [this] {
    std::string dir = config_.String("dir");
    if (chdir(dir.c_str()) != 0) {
      Log(LogLevel::kWarning, "Can't chdir to '%s': %s", dir, std::strerror(errno));
    }
  });
  config_.OnChange("loglevel", [this] { LogSetLevel(config_.String("loglevel")); });
}

Engine::~Engine() = default;

void Engine::KeyModified(int db, std::string_view key) {
  // A write may create a list or stream someone waits on (RPUSH, but also RENAME, COPY, MOVE
  // onto the key), or delete or replace one (Redis's signalDeletedKeyAsReady: XREADGROUP
  // waiters then fail with -UNBLOCKED): the waiter's serve function checks what is there.
  // Free when nobody waits.
  blocking_.SignalKeyReady(db, key);
  // WATCH invalidation hooks in here once transactions exist.
}

void Engine::NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                                 int db) {
  // Keyspace notifications publish from here once pub/sub exists.
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

void Engine::Execute(Client& client, std::span<const std::string_view> args, std::string* out) {
  protocol::ReplyBuilder reply(out);
  reply.set_resp3(client.resp == 3);
  ++stats_.total_commands_processed;
  ++client.total_commands;

  size_t out_before = out->size();
  Command* cmd = ResolveCommand(commands_, args, reply);
  if (cmd == nullptr) {
    ++stats_.total_error_replies;
    return;
  }
  client.last_command = cmd->name;
  if ((cmd->arity > 0 && static_cast<int>(args.size()) != cmd->arity) ||
      static_cast<int>(args.size()) < -cmd->arity) {
    ++cmd->rejected_calls;
    ++stats_.total_error_replies;
    reply.Error(errors::WrongArity(cmd->name));
    return;
  }
  if (!client.authenticated && !(cmd->flags & kCmdNoAuth)) {
    ++cmd->rejected_calls;
    ++stats_.total_error_replies;
    reply.Error(errors::kNoAuth);
    return;
  }
  if (cmd->handler == nullptr) {
    // A container whose subcommand was not given (arity already checked): Redis replies as
    // for an unknown subcommand.
    reply.Error(errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    return;
  }

  CommandContext ctx{*this, client, args, reply, NowMs()};
  int64_t start = MonotonicUs();
  ++execute_depth_;
  cmd->handler(ctx);
  --execute_depth_;
  cmd->usec += static_cast<uint64_t>(MonotonicUs() - start);
  ++cmd->calls;
  if (out->size() > out_before && (*out)[out_before] == '-') {
    ++cmd->failed_calls;
    ++stats_.total_error_replies;
  }
  // Waiters on keys this command fed are served after it completed, as Redis does.
  if (execute_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

void Engine::ActiveExpireCycle(int64_t budget_us) {
  // Redis's slow cycle: per database, sample 20 volatile keys; repeat while more than a quarter
  // of a sample was expired, within the time budget.
  constexpr size_t kSample = 20;
  int64_t deadline = MonotonicUs() + budget_us;
  for (auto& db : databases_) {
    if (db->volatile_size() == 0) continue;
    while (true) {
      size_t expired = db->ActiveExpire(NowMs(), kSample);
      if (expired <= kSample / 4 || db->volatile_size() == 0) break;
      if (MonotonicUs() >= deadline) break;
    }
  }
  // Keys expired here may have waiters (XREADGROUP gets -UNBLOCKED): serve them now, not at
  // the next command.
  if (execute_depth_ == 0 && blocking_.has_ready_keys()) blocking_.ServeReadyKeys();
}

}  // namespace rill
