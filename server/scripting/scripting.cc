#include "server/scripting/scripting.h"

#include <openssl/sha.h>
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/number_parse.h"
#include "common/sds_syntax.h"
#include "protocol/errors.h"
#include "server/engine/engine.h"
#include "server/scripting/lua_convert.h"

namespace rill::scripting {

namespace {

constexpr std::string_view kNoScript = "NOSCRIPT No matching script. Please use EVAL.";
constexpr int64_t kLoadTimeoutMs = 500;
// Lua's garbage collector takes a step every this many scripts (Redis's LUA_GC_CYCLE_PERIOD).
constexpr uint64_t kGcCyclePeriod = 50;

char kRunnerKey;  // registry key of the runner, for the count hook

ScriptRunner* HookRunner(lua_State* L) {
  lua_pushlightuserdata(L, &kRunnerKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* runner = static_cast<ScriptRunner*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return runner;
}

// Every 100000 instructions of a script (while busy-reply-threshold is set): lets the server
// answer others once the script is slow, and stops it when killed. A killed script is then
// hooked on every line, so that a pcall cannot swallow the kill.
void MaskCountHook(lua_State* L, lua_Debug*) {
  ScriptRunner* runner = HookRunner(L);
  if (runner == nullptr || !runner->Interrupt()) return;
  lua_sethook(L, MaskCountHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

struct LoadHookState {
  int64_t start_us;
  int64_t timeout_ms;
};
char kLoadKey;

void LoadHook(lua_State* L, lua_Debug*) {
  lua_pushlightuserdata(L, &kLoadKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* load = static_cast<LoadHookState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (load == nullptr || load->timeout_ms <= 0) return;
  if ((MonotonicUs() - load->start_us) / 1000 <= load->timeout_ms) return;
  lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "FUNCTION LOAD timeout");
  lua_error(L);
}

void SetRegistryPointer(lua_State* L, char* key, void* value) {
  lua_pushlightuserdata(L, key);
  if (value != nullptr) {
    lua_pushlightuserdata(L, value);
  } else {
    lua_pushnil(L);
  }
  lua_rawset(L, LUA_REGISTRYINDEX);
}

void PushStringArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t j = 0; j < items.size(); ++j) {
    lua_pushlstring(L, items[j].data(), items[j].size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
}

// sdssplitlen(s, " "): every separator splits, so doubled spaces give empty parts.
std::vector<std::string_view> SplitEvery(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  if (s.empty()) return parts;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

// The shebang of an EVAL script: its flags, and the length to skip. False with the error.
bool ParseEvalShebang(std::string_view body, uint32_t* flags, size_t* skip, std::string* error) {
  *skip = 0;
  if (!body.starts_with("#!")) {
    *flags = kScriptEvalCompat;
    return true;
  }
  const size_t nl = body.find('\n');
  if (nl == std::string_view::npos) {
    *error = "ERR Invalid script shebang";
    return false;
  }
  // sdssplitargs: blanks separate, quotes group.
  const std::optional<std::vector<std::string>> split = SplitArgs(body.substr(0, nl));
  if (!split || split->empty()) {
    *error = "ERR Invalid engine in script shebang";
    return false;
  }
  const std::vector<std::string>& parts = *split;
  if (parts[0] != "#!lua") {
    *error = "ERR Unexpected engine in script shebang: " + std::string(parts[0]);
    return false;
  }
  uint32_t f = 0;
  for (size_t j = 1; j < parts.size(); ++j) {
    if (!parts[j].starts_with("flags=")) {
      *error = "ERR Unknown lua shebang option: " + std::string(parts[j]);
      return false;
    }
    for (std::string_view name : SplitEvery(std::string_view(parts[j]).substr(6), ',')) {
      bool found = false;
      for (const ScriptFlagName& known : kScriptFlagNames) {
        if (known.name == name) {
          f |= known.flag;
          found = true;
        }
      }
      if (!found) {
        *error = "ERR Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
    }
  }
  *flags = f;
  *skip = nl;
  return true;
}

bool ValidLibraryName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

}  // namespace

Scripting::Scripting(Engine& engine) : engine_(engine), runner_(engine) {
  eval_api_ = {&engine_, &runner_, nullptr};
  functions_api_ = {&engine_, &runner_, nullptr};
  CreateEvalEnv();
  CreateFunctionsEnv();
}

Scripting::~Scripting() = default;

void Scripting::CreateEvalEnv() {
  eval_env_ = std::make_unique<LuaEnv>(LuaEnv::Kind::kEval);
  RegisterRedisApi(*eval_env_, &eval_api_);
  eval_env_->Seal();
  SetRegistryPointer(eval_env_->state(), &kRunnerKey, &runner_);
}

void Scripting::CreateFunctionsEnv() {
  functions_env_ = std::make_unique<LuaEnv>(LuaEnv::Kind::kFunctions);
  RegisterRedisApi(*functions_env_, &functions_api_);
  functions_env_->Seal();
  SetRegistryPointer(functions_env_->state(), &kRunnerKey, &runner_);
}

bool Scripting::ParseSha(std::string_view hex, Sha* sha) {
  // A table, not a chain of range checks: EVALSHA parses its SHA twice per call (flags, run).
  static constexpr auto kDigit = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
    for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<int8_t>(c - 'A' + 10);
    return t;
  }();
  if (hex.size() != 40) return false;
  int bad = 0;
  for (size_t j = 0; j < 20; ++j) {
    const int hi = kDigit[static_cast<uint8_t>(hex[j * 2])];
    const int lo = kDigit[static_cast<uint8_t>(hex[j * 2 + 1])];
    bad |= hi | lo;
    (*sha)[j] = static_cast<uint8_t>((hi << 4) | (lo & 0xF));
  }
  return bad >= 0;
}

namespace {

void ShaOf(std::string_view body, std::array<uint8_t, 20>* sha) {
  SHA1(reinterpret_cast<const unsigned char*>(body.data()), body.size(), sha->data());
}

// The SHA1 in lower-case hex into `out` (40 bytes, no terminator).
std::string_view PutHex(const std::array<uint8_t, 20>& sha, char (&out)[40]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t j = 0; j < 20; ++j) {
    out[j * 2] = kHex[sha[j] >> 4];
    out[j * 2 + 1] = kHex[sha[j] & 0xF];
  }
  return {out, sizeof(out)};
}

}  // namespace

Scripting::EvalScript* Scripting::CreateScript(const Sha& sha, std::string_view body,
                                               std::string* error) {
  uint32_t flags = 0;
  size_t skip = 0;
  if (!ParseEvalShebang(body, &flags, &skip, error)) return nullptr;
  lua_State* L = eval_env_->state();
  if (luaL_loadbuffer(L, body.data() + skip, body.size() - skip, "@user_script") != 0) {
    *error = absl::StrCat("ERR Error compiling script (new function): ", lua_tostring(L, -1));
    lua_pop(L, 1);
    while (!error->empty() && (error->back() == '\n' || error->back() == '\r')) error->pop_back();
    return nullptr;
  }
  EvalScript& script = scripts_[sha];
  script.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  script.flags = flags;
  return &script;
}

bool Scripting::LoadScript(std::string_view body, std::string* sha_or_error) {
  Sha sha;
  ShaOf(body, &sha);
  if (!scripts_.contains(sha) && CreateScript(sha, body, sha_or_error) == nullptr) return false;
  char hex[40];
  *sha_or_error = PutHex(sha, hex);
  return true;
}

bool Scripting::ScriptExists(std::string_view hex) const {
  Sha sha;
  return ParseSha(hex, &sha) && scripts_.contains(sha);
}

void Scripting::FlushScripts() {
  scripts_.clear();
  CreateEvalEnv();
}

bool Scripting::ShaFor(std::string_view text, bool evalsha, Sha* sha) {
  ShaMemo& memo = sha_memo_;
  if (memo.valid && memo.evalsha == evalsha && memo.text == text) {
    *sha = memo.sha;
    return true;
  }
  if (evalsha) {
    if (!ParseSha(text, sha)) return false;
  } else {
    ShaOf(text, sha);
  }
  memo.valid = text.size() <= kMaxShaMemoText;
  if (memo.valid) {
    memo.text.assign(text);
    memo.evalsha = evalsha;
    memo.sha = *sha;
  }
  return true;
}

uint32_t Scripting::EvalCommandFlags(std::span<const std::string_view> args, bool evalsha,
                                     uint32_t command_flags) {
  if (args.size() < 2) return command_flags;
  Sha sha;
  if (!ShaFor(args[1], evalsha, &sha)) return command_flags;
  uint32_t script_flags;
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) {
    script_flags = it->second.flags;
  } else {
    // Not compiled yet: the shebang says (Redis's evalExtractShebangFlags).
    size_t skip;
    std::string error;
    if (evalsha || !ParseEvalShebang(args[1], &script_flags, &skip, &error)) return command_flags;
  }
  return ScriptFlagsToCommandFlags(command_flags, script_flags);
}

void Scripting::Eval(CommandContext& ctx, bool evalsha, bool read_only) {
  // MONITOR shows the script before the commands it runs.
  engine_.FeedMonitors(ctx.client, ctx);
  ctx.PreventPropagation();  // its effects propagate, not the script
  if (evalsha && ctx.args[1].size() != 40) {
    ctx.reply.Error(kNoScript);
    return;
  }
  int64_t numkeys;
  if (!ParseInt64(ctx.args[2], &numkeys)) {
    ctx.reply.Error(errors::kNotInteger);
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return;
  }
  Sha sha;
  if (!ShaFor(ctx.args[1], evalsha, &sha)) {
    ctx.reply.Error(kNoScript);
    return;
  }
  EvalScript* script = nullptr;
  if (auto it = scripts_.find(sha); it != scripts_.end()) script = &it->second;
  if (script == nullptr) {
    if (evalsha) {
      ctx.reply.Error(kNoScript);
      return;
    }
    std::string error;
    script = CreateScript(sha, ctx.args[1], &error);
    if (script == nullptr) {
      ctx.reply.Error(error);
      return;
    }
  }
  ScriptRunner::RunSpec spec;
  spec.caller = &ctx.client;
  spec.caller_args = ctx.args;
  char hex[40];  // on the stack: a cached script keeps no copy of its name (memory per script)
  spec.name = PutHex(sha, hex);
  spec.script_flags = script->flags;
  spec.eval = true;
  spec.read_only = read_only;
  std::string error;
  if (!runner_.Begin(spec, &error)) {
    ctx.reply.Error(error);
    return;
  }
  lua_State* L = eval_env_->state();
  eval_env_->PushErrorHandler();
  lua_rawgeti(L, LUA_REGISTRYINDEX, script->ref);
  const size_t n = static_cast<size_t>(numkeys);
  RunScript(ctx, *eval_env_, ctx.args.subspan(3, n), ctx.args.subspan(3 + n), spec);
}

void Scripting::RunScript(CommandContext& ctx, LuaEnv& env, std::span<const std::string_view> keys,
                          std::span<const std::string_view> args,
                          const ScriptRunner::RunSpec& spec) {
  lua_State* L = env.state();
  static const Config::IntParam kBusyThreshold("busy-reply-threshold");
  const bool hooked = engine_.config().Int(kBusyThreshold) > 0;
  if (hooked) lua_sethook(L, MaskCountHook, LUA_MASKCOUNT, 100000);
  int status;
  if (spec.eval) {
    PushStringArray(L, keys);
    env.SetGlobal("KEYS");
    PushStringArray(L, args);
    env.SetGlobal("ARGV");
    status = lua_pcall(L, 0, 1, -2);
  } else {
    PushStringArray(L, keys);
    PushStringArray(L, args);
    status = lua_pcall(L, 2, 1, -4);
  }
  if (++gc_count_ == kGcCyclePeriod) {
    env.CollectStep(static_cast<int>(kGcCyclePeriod));
    gc_count_ = 0;
  }
  if (status != 0) {
    if (!lua_istable(L, -1)) {
      const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      std::string text = "ERR Error running script " + std::string(spec.name) + ", " +
                         std::string(std::string_view(msg).substr(0, 100));
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      ctx.reply.Error(text);
    } else {
      std::string msg;
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "source");
      const bool has_source = lua_isstring(L, -1);
      const std::string source = has_source ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
      lua_getfield(L, -1, "line");
      const bool has_line = lua_isstring(L, -1);
      const std::string line = has_line ? lua_tostring(L, -1) : "";
      lua_pop(L, 1);
      lua_getfield(L, -1, "ignore_error_stats_update");
      const bool counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
      lua_pop(L, 1);
      std::string text = absl::StrCat("-", msg);
      if (has_source && has_line) {
        text += " script: " + std::string(spec.name) + ", on " + source + ":" + line + ".";
      }
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      if (counted) {
        ctx.reply.ErrorCountedElsewhere(text);
      } else {
        ctx.reply.Error(text);
      }
    }
    lua_pop(L, 1);
  } else {
    ReplyLuaValue(L, ctx.reply, runner_.resp());
  }
  if (hooked) lua_sethook(L, nullptr, 0, 0);
  lua_pop(L, 1);  // the error handler
  runner_.End();
}

// ---- FUNCTION ----

uint32_t Scripting::FcallCommandFlags(std::span<const std::string_view> args,
                                      uint32_t command_flags) {
  if (args.size() < 2) return command_flags;
  const FunctionEntry* fn = FindFunction(args[1]);
  return fn == nullptr ? command_flags : ScriptFlagsToCommandFlags(command_flags, fn->flags);
}

FunctionEntry* Scripting::FindFunction(std::string_view name) const {
  auto it = functions_.find(Lower(name));
  return it == functions_.end() ? nullptr : it->second;
}

void Scripting::Fcall(CommandContext& ctx, bool read_only) {
  engine_.FeedMonitors(ctx.client, ctx);
  ctx.PreventPropagation();
  FunctionEntry* fn = FindFunction(ctx.args[1]);
  if (fn == nullptr) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  int64_t numkeys;
  if (!ParseInt64(ctx.args[2], &numkeys)) {
    ctx.reply.Error("ERR Bad number of keys provided");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return;
  }
  ScriptRunner::RunSpec spec;
  spec.caller = &ctx.client;
  spec.caller_args = ctx.args;
  spec.name = fn->name;
  spec.script_flags = fn->flags;
  spec.eval = false;
  spec.read_only = read_only;
  std::string error;
  if (!runner_.Begin(spec, &error)) {
    ctx.reply.Error(error);
    return;
  }
  lua_State* L = functions_env_->state();
  functions_env_->PushErrorHandler();
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn->ref);
  const size_t n = static_cast<size_t>(numkeys);
  RunScript(ctx, *functions_env_, ctx.args.subspan(3, n), ctx.args.subspan(3 + n), spec);
}

std::unique_ptr<Library> Scripting::CompileLibrary(std::string_view code, bool timeout,
                                                   std::string* error) {
  lua_State* L = functions_env_->state();
  // Only the part after the shebang line is Lua (from its newline, so lines keep numbers).
  const size_t nl = code.find('\n');
  std::string_view lua_code = code.substr(nl);
  if (luaL_loadbuffer(L, lua_code.data(), lua_code.size(), "@user_function") != 0) {
    *error = absl::StrCat("ERR Error compiling function: ", lua_tostring(L, -1));
    lua_pop(L, 1);
    return nullptr;
  }
  LibraryLoad load;
  LoadHookState hook_state{MonotonicUs(), timeout ? kLoadTimeoutMs : 0};
  functions_api_.load = &load;
  SetRegistryPointer(L, &kLoadKey, &hook_state);
  functions_env_->SetLoadMode(true);
  lua_sethook(L, LoadHook, LUA_MASKCOUNT, 100000);
  const int status = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  functions_env_->SetLoadMode(false);
  SetRegistryPointer(L, &kLoadKey, nullptr);
  functions_api_.load = nullptr;
  if (status != 0) {
    std::string msg;
    if (lua_isstring(L, -1)) {
      msg = absl::StrCat("ERR ", lua_tostring(L, -1));
    } else if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    *error = absl::StrCat("ERR Error registering functions: ", msg);
    for (const RegisteredFunction& f : load.functions) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    return nullptr;
  }
  auto library = std::make_unique<Library>();
  library->code = std::string(code);
  for (RegisteredFunction& f : load.functions) {
    auto entry = std::make_unique<FunctionEntry>();
    entry->name = std::move(f.name);
    if (f.has_description) entry->description = std::move(f.description);
    entry->ref = f.ref;
    entry->flags = f.flags;
    entry->library = library.get();
    library->functions.push_back(std::move(entry));
  }
  return library;
}

void Scripting::FreeLibrary(std::unique_ptr<Library> library) {
  if (library == nullptr) return;
  lua_State* L = functions_env_->state();
  for (const auto& fn : library->functions) luaL_unref(L, LUA_REGISTRYINDEX, fn->ref);
}

void Scripting::LinkLibrary(std::unique_ptr<Library> library) {
  for (const auto& fn : library->functions) functions_[Lower(fn->name)] = fn.get();
  libraries_.push_back(std::move(library));
}

std::unique_ptr<Library> Scripting::UnlinkLibrary(std::string_view name) {
  auto it = std::find_if(libraries_.begin(), libraries_.end(),
                         [&](const auto& lib) { return lib->name == name; });
  if (it == libraries_.end()) return nullptr;
  std::unique_ptr<Library> library = std::move(*it);
  libraries_.erase(it);
  for (const auto& fn : library->functions) functions_.erase(Lower(fn->name));
  return library;
}

namespace {

// The shebang of a library: the engine and the name. False with the error.
bool ParseLibraryMetadata(std::string_view code, std::string* engine, std::string* name,
                          std::string* error) {
  if (!code.starts_with("#!")) {
    *error = "ERR Missing library metadata";
    return false;
  }
  const size_t nl = code.find('\n');
  if (nl == std::string_view::npos) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  std::optional<std::vector<std::string>> parts = SplitArgs(code.substr(0, nl));
  if (!parts || parts->empty()) {
    *error = "ERR Invalid library metadata";
    return false;
  }
  *engine = (*parts)[0].substr(std::min<size_t>(2, (*parts)[0].size()));
  bool has_name = false;
  for (size_t j = 1; j < parts->size(); ++j) {
    const std::string& part = (*parts)[j];
    if (part.size() >= 5 && strncasecmp(part.c_str(), "name=", 5) == 0) {
      if (has_name) {
        *error = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      *name = part.substr(5);
      has_name = true;
      continue;
    }
    *error = absl::StrCat("ERR Invalid metadata value given: ", part);
    return false;
  }
  if (!has_name) {
    *error = "ERR Library name was not given";
    return false;
  }
  return true;
}

}  // namespace

bool Scripting::LoadLibrary(std::string_view code, bool replace, bool timeout,
                            std::string* name_or_error) {
  std::string engine, name;
  if (!ParseLibraryMetadata(code, &engine, &name, name_or_error)) return false;
  if (!ValidLibraryName(name)) {
    *name_or_error =
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long";
    return false;
  }
  if (strcasecmp(engine.c_str(), "LUA") != 0) {
    *name_or_error = absl::StrCat("ERR Engine '", engine, "' not found");
    return false;
  }
  const bool exists = std::any_of(libraries_.begin(), libraries_.end(),
                                  [&](const auto& lib) { return lib->name == name; });
  if (exists && !replace) {
    *name_or_error = absl::StrCat("ERR Library '", name, "' already exists");
    return false;
  }
  std::unique_ptr<Library> old = exists ? UnlinkLibrary(name) : nullptr;
  std::unique_ptr<Library> library = CompileLibrary(code, timeout, name_or_error);
  const char* fail = nullptr;
  std::string collision;
  if (library != nullptr) {
    library->name = name;
    if (library->functions.empty()) fail = "ERR No functions registered";
    for (const auto& fn : library->functions) {
      if (fail == nullptr && functions_.contains(Lower(fn->name))) {
        collision = absl::StrCat("ERR Function ", fn->name, " already exists");
        fail = collision.c_str();
      }
    }
  }
  if (library == nullptr || fail != nullptr) {
    if (fail != nullptr) *name_or_error = fail;
    FreeLibrary(std::move(library));
    if (old != nullptr) LinkLibrary(std::move(old));
    return false;
  }
  LinkLibrary(std::move(library));
  FreeLibrary(std::move(old));
  *name_or_error = name;
  return true;
}

bool Scripting::DeleteLibrary(std::string_view name) {
  std::unique_ptr<Library> library = UnlinkLibrary(name);
  if (library == nullptr) return false;
  FreeLibrary(std::move(library));
  return true;
}

void Scripting::FlushLibraries() {
  libraries_.clear();
  functions_.clear();
  CreateFunctionsEnv();
}

bool Scripting::RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                                 std::string* error) {
  // Loaded aside first (Redis's separate library context): nothing changes on failure.
  std::vector<std::unique_ptr<Library>> saved_libraries;
  absl::flat_hash_map<std::string, FunctionEntry*> saved_functions;
  saved_libraries.swap(libraries_);
  saved_functions.swap(functions_);
  bool ok = true;
  for (const std::string& code : codes) {
    std::string result;
    if (!LoadLibrary(code, /*replace=*/false, /*timeout=*/false, &result)) {
      *error = result;
      ok = false;
      break;
    }
  }
  std::vector<std::unique_ptr<Library>> loaded;
  loaded.swap(libraries_);
  functions_.clear();
  libraries_.swap(saved_libraries);
  functions_.swap(saved_functions);
  if (ok && policy == RestorePolicy::kFlush) {
    for (auto& lib : libraries_) FreeLibrary(std::move(lib));
    libraries_.clear();
    functions_.clear();
  } else if (ok) {
    // Libraries of the same name: an error (APPEND) or replaced (REPLACE); then no function
    // name may collide.
    std::vector<std::unique_ptr<Library>> replaced;
    for (const auto& lib : loaded) {
      const bool exists = std::any_of(libraries_.begin(), libraries_.end(),
                                      [&](const auto& l) { return l->name == lib->name; });
      if (!exists) continue;
      if (policy == RestorePolicy::kAppend) {
        *error = absl::StrCat("ERR Library ", lib->name, " already exists");
        ok = false;
        break;
      }
      replaced.push_back(UnlinkLibrary(lib->name));
    }
    if (ok) {
      for (const auto& lib : loaded) {
        for (const auto& fn : lib->functions) {
          if (ok && functions_.contains(Lower(fn->name))) {
            *error = absl::StrCat("ERR Function ", fn->name, " already exists");
            ok = false;
          }
        }
      }
    }
    if (!ok) {
      for (auto& lib : replaced) LinkLibrary(std::move(lib));
    } else {
      for (auto& lib : replaced) FreeLibrary(std::move(lib));
    }
  }
  if (!ok) {
    for (auto& lib : loaded) FreeLibrary(std::move(lib));
    return false;
  }
  for (auto& lib : loaded) LinkLibrary(std::move(lib));
  return true;
}

size_t Scripting::scripts_overhead() const {
  return scripts_.size() * (sizeof(Sha) + sizeof(EvalScript)) + scripts_.capacity();
}

size_t Scripting::functions_overhead() const {
  size_t total = 0;
  for (const auto& lib : libraries_) {
    total += sizeof(Library) + lib->name.capacity() + lib->code.capacity();
    for (const auto& fn : lib->functions) {
      total += sizeof(FunctionEntry) + fn->name.capacity();
    }
  }
  return total;
}

}  // namespace rill::scripting
