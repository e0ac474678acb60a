// One script run at a time: the context redis.call works in (Redis's scriptRunCtx and
// script.c). A run borrows the caller's user, database and MULTI state, executes each
// redis.call through the engine's own dispatch on the script's client (statistics, slow log,
// MONITOR, keyspace events, WATCH and propagation all see the inner command), after the checks
// Redis makes for scripts: unknown command, arity, noscript, ACL of the caller's user (NOPERM
// texts and ACL LOG context "lua"), writes from read-only scripts, -MISCONF, and deny-oom
// commands before the first write when memory was over maxmemory at the start.
//
// Busy scripts: past busy-reply-threshold the Lua hook calls Interrupt() every 100000
// instructions, which lets the server answer other clients (-BUSY, SCRIPT KILL, FUNCTION
// KILL/STATS, SHUTDOWN NOSAVE) while the script keeps its atomicity.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/client.h"

namespace rill {
class Engine;
struct Command;
}  // namespace rill

namespace rill::scripting {

// Script flags (shebang `flags=` and register_function's flags), as Redis's SCRIPT_FLAG_*.
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  // No shebang (EVAL's compatibility mode): the flags are not checked at all.
  kScriptEvalCompat = 1u << 5,
};
// The flag names in Redis's order (FUNCTION LIST shows them in this order).
struct ScriptFlagName {
  uint32_t flag;
  std::string_view name;
};
inline constexpr ScriptFlagName kScriptFlagNames[] = {
    {kScriptNoWrites, "no-writes"},
    {kScriptAllowOom, "allow-oom"},
    {kScriptAllowStale, "allow-stale"},
    {kScriptNoCluster, "no-cluster"},
    {kScriptAllowCrossSlot, "allow-cross-slot-keys"},
};

// The command flags a script's flags give EVAL/FCALL (Redis's scriptFlagsToCmdFlags).
uint32_t ScriptFlagsToCommandFlags(uint32_t command_flags, uint32_t script_flags);

class ScriptRunner {
 public:
  explicit ScriptRunner(Engine& engine);

  struct RunSpec {
    Client* caller = nullptr;
    std::span<const std::string_view> caller_args;  // for FUNCTION STATS
    std::string_view name;  // the script's SHA1 (EVAL) or the function's name
    uint32_t script_flags = 0;
    bool eval = true;        // EVAL (SCRIPT KILL) or FCALL (FUNCTION KILL)
    bool read_only = false;  // EVAL_RO / EVALSHA_RO / FCALL_RO
  };
  // Redis's scriptPrepareForRun: refuses the run (error in `*error`, with its code) when the
  // flags do not allow it now, else starts it.
  bool Begin(const RunSpec& spec, std::string* error);
  void End();
  bool running() const { return running_; }

  // redis.call: runs `args` for the script. On a refusal before the command ran, false with
  // the message (Redis's err, without code) in `*error`; otherwise true with the command's
  // reply in reply().
  bool Call(std::span<const std::string_view> args, std::string* error);
  const std::string& reply() const { return reply_; }
  // Empties the reply buffer (after the reply was converted).
  void ClearReply() { reply_.clear(); }

  // The Lua hook's check: may answer other clients; true when the script must stop (killed).
  bool Interrupt();
  // SCRIPT KILL (`eval`) / FUNCTION KILL: replies into `*error` or returns true ("OK").
  bool Kill(bool eval, std::string* error);
  // Whether the script passed busy-reply-threshold (other clients get -BUSY).
  bool timed_out() const { return timed_out_; }
  bool killed() const { return killed_; }

  // redis.setresp / redis.set_repl.
  int resp() const { return script_client_.resp; }
  void set_resp(int resp) { script_client_.resp = resp; }
  void set_repl(int flags) { repl_flags_ = flags; }
  // The caller's client (redis.acl_check_cmd checks against its user).
  Client& caller() { return *spec_.caller; }
  const RunSpec& spec() const { return spec_; }
  int64_t start_us() const { return start_us_; }
  // Milliseconds the current run has taken.
  int64_t DurationMs() const;

  // The fake client the inner commands run on.
  Client& script_client() { return script_client_; }

 private:
  // Lets the server answer other clients; ends the process when one asked SHUTDOWN NOSAVE.
  void ServeOthers();
  // CLIENT TRACKING: a read-only command ran for a tracking caller.
  void RememberCallerKeys(Client& caller);
  // Redis's checks before a script's command (sets *cmd when the command is known); false with
  // the error.
  bool Check(std::span<const std::string_view> args, Command** cmd, std::string* error);
  bool Run(std::span<const std::string_view> args, Command* cmd);

  Engine& engine_;
  Client script_client_;
  RunSpec spec_;
  bool running_ = false;
  bool read_only_ = false;
  bool allow_oom_ = false;
  bool write_dirty_ = false;  // a write command ran: the script can no longer be killed
  bool timed_out_ = false;
  bool killed_ = false;
  int repl_flags_ = 3;  // REPL_ALL
  int64_t start_us_ = 0;
  int64_t busy_threshold_ms_ = 0;
  std::string reply_;
};

}  // namespace rill::scripting
