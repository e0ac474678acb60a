// Scripting, the engine's room for Lua (Redis 7.0's eval.c, functions.c, function_lua.c):
// the EVAL interpreter with its script cache, the FUNCTION interpreter with its libraries, and
// the runner every script goes through. The command handlers (server/commands/
// scripting_commands.cc, functions_commands.cc) parse arguments and call in here.
//
// Effects replication: a script's writes reach the AOF as the commands it ran (each through
// Engine::Execute, inside the script command's propagation unit, so several are wrapped in
// MULTI/EXEC); EVAL/FCALL themselves are never propagated.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "server/engine/command_context.h"
#include "server/scripting/lua_api.h"
#include "server/scripting/lua_env.h"
#include "server/scripting/script_runner.h"

namespace rill {
class Engine;
}

namespace rill::scripting {

// A loaded FUNCTION library.
struct Library;
struct FunctionEntry {
  std::string name;
  std::optional<std::string> description;
  int ref = LUA_NOREF;
  uint32_t flags = 0;
  Library* library = nullptr;
};
struct Library {
  std::string name;
  std::string code;  // the whole payload, shebang included
  std::vector<std::unique_ptr<FunctionEntry>> functions;
};

class Scripting {
 public:
  explicit Scripting(Engine& engine);
  ~Scripting();

  ScriptRunner& runner() { return runner_; }

  // ---- EVAL ----
  // EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: ctx.args as the client sent them.
  void Eval(CommandContext& ctx, bool evalsha, bool read_only);
  // The command flags EVAL/EVALSHA take for these arguments (the script's shebang flags when
  // it is known, Redis's evalGetCommandFlags).
  uint32_t EvalCommandFlags(std::span<const std::string_view> args, bool evalsha,
                            uint32_t command_flags);
  // SCRIPT LOAD: the SHA1, or false with the compile error in `*error`.
  bool LoadScript(std::string_view body, std::string* sha_or_error);
  bool ScriptExists(std::string_view sha) const;
  // SCRIPT FLUSH: a new interpreter, an empty cache.
  void FlushScripts();
  size_t script_count() const { return scripts_.size(); }

  // ---- FUNCTION ----
  // FUNCTION LOAD: the library name, or false with the error (code included).
  bool LoadLibrary(std::string_view code, bool replace, bool timeout, std::string* name_or_error);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  void Fcall(CommandContext& ctx, bool read_only);
  uint32_t FcallCommandFlags(std::span<const std::string_view> args, uint32_t command_flags);
  // Libraries in load order (FUNCTION LIST, DUMP, the RDB and the AOF rewrite).
  const std::vector<std::unique_ptr<Library>>& libraries() const { return libraries_; }
  size_t function_count() const { return functions_.size(); }
  // FUNCTION RESTORE with the libraries' codes (decoded from a payload): policy FLUSH, APPEND
  // or REPLACE. All or nothing; false with the error.
  enum class RestorePolicy { kFlush, kAppend, kReplace };
  bool RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                        std::string* error);

  // ---- INFO memory ----
  int64_t eval_memory() const { return eval_env_->MemoryBytes(); }
  int64_t functions_memory() const { return functions_env_->MemoryBytes(); }
  size_t scripts_overhead() const;
  size_t functions_overhead() const;

 private:
  struct EvalScript {
    int ref = LUA_NOREF;
    uint32_t flags = 0;
  };
  using Sha = std::array<uint8_t, 20>;
  static bool ParseSha(std::string_view hex, Sha* sha);
  // The script's SHA for EVAL (its body hashed) or EVALSHA (its hex name parsed; false when it
  // is not one). The command's flags are looked up before it runs (EvalCommandFlags), so each
  // call needs the SHA twice, and clients call the same script again and again: the last text
  // and its SHA are kept, and a call with the same text compares instead of hashing.
  bool ShaFor(std::string_view text, bool evalsha, Sha* sha);

  void CreateEvalEnv();
  void CreateFunctionsEnv();
  // Compiles `body` into the cache under `sha`; false with the error reply text.
  EvalScript* CreateScript(const Sha& sha, std::string_view body, std::string* error);
  // Calls the function on top of the stack (below it: the error handler) as the run `spec`,
  // writing the result or the error into ctx.reply. Pops both.
  void RunScript(CommandContext& ctx, LuaEnv& env, std::span<const std::string_view> keys,
                 std::span<const std::string_view> args, const ScriptRunner::RunSpec& spec);
  // Runs a library's code; on success the library (not yet linked).
  std::unique_ptr<Library> CompileLibrary(std::string_view code, bool timeout, std::string* error);
  void LinkLibrary(std::unique_ptr<Library> library);
  std::unique_ptr<Library> UnlinkLibrary(std::string_view name);
  void FreeLibrary(std::unique_ptr<Library> library);
  FunctionEntry* FindFunction(std::string_view name) const;

  Engine& engine_;
  ScriptRunner runner_;
  LuaApiContext eval_api_;
  LuaApiContext functions_api_;
  std::unique_ptr<LuaEnv> eval_env_;
  std::unique_ptr<LuaEnv> functions_env_;
  absl::flat_hash_map<Sha, EvalScript> scripts_;
  std::vector<std::unique_ptr<Library>> libraries_;
  absl::flat_hash_map<std::string, FunctionEntry*> functions_;  // by lower-case name
  uint64_t gc_count_ = 0;
  struct ShaMemo {
    std::string text;  // at most kMaxShaMemoText bytes: no big script copy is kept
    bool evalsha = false;
    bool valid = false;
    Sha sha{};
  } sha_memo_;
  static constexpr size_t kMaxShaMemoText = 16 * 1024;
};

}  // namespace rill::scripting
