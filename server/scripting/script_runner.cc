#include "server/scripting/script_runner.h"

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/acl/command_index.h"
#include "server/engine/client_info.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/aof.h"
#include "server/persist/persistence.h"
#include "server/persist/rdb_persistence.h"

namespace rill::scripting {

namespace {

constexpr std::string_view kBusyEval =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

// Redis's lookupCommand for a script: a container's subcommand, or null when unknown.
Command* LookupScriptCommand(CommandTable& table, std::span<const std::string_view> args) {
  Command* cmd = table.Find(args[0]);
  if (cmd == nullptr) return nullptr;
  if (!cmd->subcommands.empty() && args.size() >= 2) {
    std::string lower(args[1]);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = cmd->subcommands.find(lower);
    return it == cmd->subcommands.end() ? nullptr : &it->second;
  }
  if (cmd->handler == nullptr && cmd->subcommands.empty()) return nullptr;
  return cmd;
}

}  // namespace

uint32_t ScriptFlagsToCommandFlags(uint32_t command_flags, uint32_t script_flags) {
  if (script_flags & kScriptEvalCompat) return command_flags;
  command_flags &= ~(kCmdStale | kCmdDenyOom | kCmdWrite);
  if (!(script_flags & (kScriptAllowOom | kScriptNoWrites))) command_flags |= kCmdDenyOom;
  if (!(script_flags & kScriptNoWrites)) command_flags |= kCmdWrite;
  if (script_flags & kScriptAllowStale) command_flags |= kCmdStale;
  command_flags &= ~kCmdMayReplicate;
  return command_flags;
}

ScriptRunner::ScriptRunner(Engine& engine) : engine_(engine) {
  script_client_.addr = "lua";  // MONITOR shows the script's commands as [db lua]
  script_client_.authenticated = true;
  script_client_.no_block = true;  // blocking commands act as their non-blocking forms
  script_client_.user = "default";
}

bool ScriptRunner::Begin(const RunSpec& spec, std::string* error) {
  const uint32_t flags = spec.script_flags;
  if (!(flags & kScriptEvalCompat)) {
    // no-writes implies allow-oom (as in scriptFlagsToCmdFlags).
    if (!(flags & (kScriptAllowOom | kScriptNoWrites)) && engine_.script_oom() &&
        engine_.evictor().maxmemory() != 0) {
      *error =
          "OOM allow-oom flag is not set on the script, can not run it when used memory > "
          "'maxmemory'";
      return false;
    }
    if (!(flags & kScriptNoWrites)) {
      const std::string_view rdb_denied = engine_.rdb().WriteDeniedError();
      if (!rdb_denied.empty()) {
        *error =
            "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
            "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
            "scripts.";
        return false;
      }
      if (engine_.aof().write_error()) {
        *error = absl::StrCat(
            "MISCONF Redis is configured to persist data to AOF, but it's currently unable to "
            "persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only "
            "scripts. AOF error: ",
            std::strerror(engine_.aof().last_write_errno()));
        return false;
      }
      if (spec.read_only) {
        *error = "ERR Can not execute a script with write flag using *_ro command.";
        return false;
      }
    }
  }
  spec_ = spec;
  running_ = true;
  script_client_.db = spec.caller->db;
  script_client_.resp = 2;
  script_client_.in_exec = spec.caller->in_exec;
  read_only_ = spec.read_only || (!(flags & kScriptEvalCompat) && (flags & kScriptNoWrites));
  allow_oom_ = !(flags & kScriptEvalCompat) && (flags & kScriptAllowOom);
  write_dirty_ = false;
  timed_out_ = false;
  killed_ = false;
  repl_flags_ = 3;
  start_us_ = MonotonicUs();
  static const Config::IntParam kBusyThreshold("busy-reply-threshold");
  busy_threshold_ms_ = engine_.config().Int(kBusyThreshold);
  return true;
}

void ScriptRunner::End() {
  running_ = false;
  if (timed_out_) {
    timed_out_ = false;
    engine_.set_script_busy_error({});
  }
  script_client_.in_exec = false;
  reply_.clear();
  if (reply_.capacity() > 64 * 1024) reply_.shrink_to_fit();
}

int64_t ScriptRunner::DurationMs() const { return (MonotonicUs() - start_us_) / 1000; }

bool ScriptRunner::Call(std::span<const std::string_view> args, std::string* error) {
  Command* cmd = nullptr;
  if (Check(args, &cmd, error)) return Run(args, cmd);
  // Refused before running: counted as the refused command's error, as Redis does (the
  // script's own error reply then does not count it again).
  if (cmd != nullptr) ++cmd->rejected_calls;
  engine_.CountErrorReply(error->starts_with('-') ? *error : "ERR " + *error);
  return false;
}

bool ScriptRunner::Check(std::span<const std::string_view> args, Command** found,
                         std::string* error) {
  Command* cmd = LookupScriptCommand(engine_.commands(), args);
  const int argc = static_cast<int>(args.size());
  if (cmd == nullptr) {
    *error = "Unknown Redis command called from script";
    return false;
  }
  *found = cmd;
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity || cmd->handler == nullptr) {
    *error = "Wrong number of args calling Redis command from script";
    return false;
  }
  *found = cmd;
  if (cmd->flags & kCmdNoScript) {
    *error = "This Redis command is not allowed from script";
    return false;
  }
  // The caller's user decides, with the ACL LOG context "lua".
  Client& caller = *spec_.caller;
  if (caller.acl_user != nullptr && !caller.acl_user->unrestricted() && cmd->acl_id >= 0) {
    const acl::CommandEntry& entry = acl::CommandIndex::Get().at(cmd->acl_id);
    int pos = 0;
    const acl::Denial denial = caller.acl_user->Check(entry, args, &pos);
    if (denial != acl::Denial::kNone) {
      acl::LogEntry log;
      log.reason = denial;
      log.context = acl::LogContext::kLua;
      log.object = std::string(denial == acl::Denial::kCommand ? entry.fullname : args[pos]);
      log.username = caller.user;
      log.time_ms = NowMs();
      AppendClientInfoLine(caller, log.time_ms, &log.client_info);
      if (!log.client_info.empty() && log.client_info.back() == '\n') log.client_info.pop_back();
      engine_.acl().log().Add(std::move(log),
                              static_cast<size_t>(engine_.config().Int("acllog-max-len")));
      switch (denial) {
        case acl::Denial::kCommand:
          *error = "The user executing the script can't run this command or subcommand";
          break;
        case acl::Denial::kKey:
          *error =
              "The user executing the script can't access at least one of the keys mentioned "
              "in the command arguments";
          break;
        case acl::Denial::kChannel:
          *error =
              "The user executing the script can't publish to the channel mentioned in the "
              "command";
          break;
        default:
          *error = "The user executing the script is lacking the permissions for the command";
      }
      return false;
    }
  }
  if (cmd->flags & kCmdWrite) {
    if (read_only_) {
      *error = "Write commands are not allowed from read-only scripts.";
      return false;
    }
    std::string scratch;
    const std::string_view denied = engine_.persistence().WriteDeniedError(&scratch);
    if (!denied.empty()) {
      *error = "-" + std::string(denied);
      return false;
    }
  }
  // deny-oom commands only before the script's first write: past it, stopping would leave
  // the script half done.
  if (!allow_oom_ && engine_.evictor().maxmemory() != 0 && !write_dirty_ && engine_.script_oom() &&
      (cmd->flags & kCmdDenyOom)) {
    *error = "-OOM command not allowed when used memory > 'maxmemory'.";
    return false;
  }
  return true;
}

bool ScriptRunner::Run(std::span<const std::string_view> args, Command* cmd) {
  if (cmd->flags & kCmdWrite) write_dirty_ = true;
  Client& caller = *spec_.caller;
  script_client_.acl_user = nullptr;  // checked above with the caller's user
  script_client_.user = caller.user;
  reply_.clear();
  engine_.Execute(script_client_, args, &reply_, cmd);
  // Redis 7.0's call(): a read-only command in a script makes a tracking caller remember the
  // keys its own command declared (EVAL's and FCALL's KEYS), not the ones the script read.
  if ((cmd->flags & kCmdReadonly) && caller.tracking != nullptr) [[unlikely]] {
    RememberCallerKeys(caller);
  }
  return true;
}

void ScriptRunner::RememberCallerKeys(Client& caller) {
  const ClientTracking& state = *caller.tracking;
  if (!state.on || state.bcast || spec_.caller_args.empty()) return;
  const Command* caller_cmd = engine_.commands().Find(spec_.caller_args[0]);
  if (caller_cmd != nullptr)
    engine_.tracking().RememberKeys(caller, *caller_cmd, spec_.caller_args);
}

void ScriptRunner::ServeOthers() {
  engine_.ProcessEventsWhileBlocked(*spec_.caller);
  if (engine_.shutdown_requested()) {
    // SHUTDOWN NOSAVE from another client: the server ends here, as Redis exits from inside
    // the script (its shutdown was prepared: the AOF flushed, no save).
    Log(LogLevel::kWarning, "Rill is now ready to exit, bye bye...");
    std::fflush(nullptr);
    _exit(0);
  }
}

bool ScriptRunner::Interrupt() {
  if (timed_out_) {
    ServeOthers();
    return killed_;
  }
  const int64_t elapsed = DurationMs();
  if (busy_threshold_ms_ <= 0 || elapsed < busy_threshold_ms_) return false;
  Log(LogLevel::kWarning,
      "Slow script detected: still in execution after %d milliseconds. You can try killing the "
      "script using the %s command.",
      elapsed, spec_.eval ? "SCRIPT KILL" : "FUNCTION KILL");
  timed_out_ = true;
  engine_.set_script_busy_error(spec_.eval ? kBusyEval : kBusyFunction, &script_client_);
  ServeOthers();
  return killed_;
}

bool ScriptRunner::Kill(bool eval, std::string* error) {
  if (!running_) {
    *error = "NOTBUSY No scripts in execution right now.";
    return false;
  }
  if (write_dirty_) {
    *error =
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.";
    return false;
  }
  if (eval && !spec_.eval) {
    *error = std::string(kBusyFunction);
    return false;
  }
  if (!eval && spec_.eval) {
    *error = std::string(kBusyEval);
    return false;
  }
  killed_ = true;
  return true;
}

}  // namespace rill::scripting
