#include "server/scripting/lua_api.h"

#include <openssl/sha.h>
#include <strings.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "server/acl/command_index.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/scripting/lua_convert.h"
#include "server/scripting/script_runner.h"

namespace rill::scripting {

namespace {

constexpr int kReplNone = 0;
constexpr int kReplAof = 1;
constexpr int kReplReplica = 2;
constexpr int kReplAll = kReplAof | kReplReplica;
// Redis 7.0.15, as INFO's redis_version says.
constexpr char kRedisVersion[] = "7.0.15";
constexpr int kRedisVersionNum = (7 << 16) | (0 << 8) | 15;

LuaApiContext* Context(lua_State* L) {
  return static_cast<LuaApiContext*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// Raises the error table on top of the stack.
int RaiseTable(lua_State* L) { return lua_error(L); }

int RaiseError(lua_State* L, const char* msg) {
  PushErrorTable(L, msg);
  return lua_error(L);
}

// A number argument as Redis 7.0 writes it, "%.17g" (Lua's own conversion would lose precision),
// into `buf` (32 bytes); returns the length. Integral values below 1e17 in magnitude, which is
// what scripts pass (counters, timestamps, scores), are written as integers: "%.17g" prints them
// in full, without exponent or point, so the bytes are the same, for a tenth of snprintf's cost
// (it was a tenth of the server's instructions under BullMQ). -0 keeps its sign through printf.
int FormatNumberArg(double d, char* buf) {
  if (d > -1e17 && d < 1e17) {
    const auto i = static_cast<int64_t>(d);
    if (static_cast<double>(i) == d && (i != 0 || !std::signbit(d))) {
      return static_cast<int>(std::to_chars(buf, buf + 32, i).ptr - buf);
    }
  }
  return std::snprintf(buf, 32, "%.17g", d);
}

// The arguments of redis.call & co. as strings: numbers as FormatNumberArg writes them, strings
// as they are. Views stay valid while the values are on the stack. False (error table pushed)
// when an argument is neither.
struct CallArgs {
  static constexpr int kInline = 16;
  std::string_view inline_args[kInline];
  char inline_numbers[kInline][32];
  std::vector<std::string_view> heap_args;
  std::vector<std::array<char, 32>> heap_numbers;
  std::span<const std::string_view> span;
};

bool CollectArgs(lua_State* L, int argc, CallArgs& out) {
  std::string_view* args = out.inline_args;
  if (argc > CallArgs::kInline) {
    out.heap_args.resize(argc);
    out.heap_numbers.resize(argc);
    args = out.heap_args.data();
  }
  for (int j = 0; j < argc; ++j) {
    const int type = lua_type(L, j + 1);
    if (type == LUA_TNUMBER) {
      char* buf = argc > CallArgs::kInline ? out.heap_numbers[j].data() : out.inline_numbers[j];
      const int len = FormatNumberArg(static_cast<double>(lua_tonumber(L, j + 1)), buf);
      args[j] = std::string_view(buf, static_cast<size_t>(len));
    } else if (type == LUA_TSTRING) {
      size_t len;
      const char* s = lua_tolstring(L, j + 1, &len);
      args[j] = std::string_view(s, len);
    } else {
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return false;
    }
  }
  out.span = std::span<const std::string_view>(args, static_cast<size_t>(argc));
  return true;
}

int GenericCall(lua_State* L, bool raise) {
  LuaApiContext* ctx = Context(L);
  ScriptRunner* run = ctx->runner;
  if (run == nullptr || !run->running()) {
    return RaiseError(L, "redis.call/pcall can only be called inside a script invocation");
  }
  const int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return raise ? RaiseTable(L) : 1;
  }
  static bool in_use = false;  // a debug hook could re-enter; Redis refuses it too
  if (in_use) {
    constexpr char kRecursion[] =
        "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua "
        "debug hooks?";
    Log(LogLevel::kWarning, "%s", kRecursion);
    PushErrorTable(L, kRecursion);
    return 1;
  }
  CallArgs args;
  if (!CollectArgs(L, argc, args)) return raise ? RaiseTable(L) : 1;
  std::string error;
  in_use = true;
  const bool ran = run->Call(args.span, &error);
  in_use = false;
  if (!ran) {
    PushErrorTable(L, error.data(), error.size(), /*ignore_stats=*/true);
    return raise ? RaiseTable(L) : 1;
  }
  const std::string& reply = run->reply();
  if (!lua_checkstack(L, 4)) luaL_error(L, "lua stack limit reach when parsing redis.call reply");
  PushRespAsLua(L, reply);
  const bool failed = !reply.empty() && reply[0] == '-';
  run->ClearReply();
  if (raise && failed) return RaiseTable(L);
  return 1;
}

int Call(lua_State* L) { return GenericCall(L, true); }
int PCall(lua_State* L) { return GenericCall(L, false); }

int Sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = Sha1Hex(std::string_view(s == nullptr ? "" : s, s == nullptr ? 0 : len));
  lua_pushstring(L, hex.c_str());
  return 1;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  const char* err = lua_tostring(L, -1);
  std::string text = err[0] == '-' ? std::string(err) : std::string("-") + err;
  PushErrorTable(L, text.data(), text.size());
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "ok");
  return 1;
}

int SetRepl(lua_State* L) {
  ScriptRunner* run = Context(L)->runner;
  if (run == nullptr || !run->running()) {
    return RaiseError(L, "redis.set_repl can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~kReplAll) != 0) {
    return RaiseError(
        L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  run->set_repl(flags);
  return 0;
}

int AclCheckCmd(lua_State* L) {
  LuaApiContext* ctx = Context(L);
  ScriptRunner* run = ctx->runner;
  if (run == nullptr || !run->running()) {
    return RaiseError(L, "redis.acl_check_cmd can only be called inside a script invocation");
  }
  const int argc = lua_gettop(L);
  if (argc == 0) return RaiseError(L, "Please specify at least one argument for this redis lib call");
  CallArgs args;
  if (!CollectArgs(L, argc, args)) return RaiseTable(L);
  // Redis's lookupCommand: a container needs a known subcommand.
  Command* cmd = ctx->engine->commands().Find(args.span[0]);
  if (cmd != nullptr && !cmd->subcommands.empty() && args.span.size() >= 2) {
    std::string lower(args.span[1]);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = cmd->subcommands.find(lower);
    cmd = it == cmd->subcommands.end() ? nullptr : &it->second;
  }
  if (cmd == nullptr || (cmd->handler == nullptr && cmd->subcommands.empty())) {
    return RaiseError(L, "Invalid command passed to redis.acl_check_cmd()");
  }
  const Client& caller = run->caller();
  bool allowed = true;
  if (caller.acl_user != nullptr && !caller.acl_user->unrestricted() && cmd->acl_id >= 0) {
    int pos = 0;
    allowed = caller.acl_user->Check(acl::CommandIndex::Get().at(cmd->acl_id), args.span, &pos) ==
              acl::Denial::kNone;
  }
  lua_pushboolean(L, allowed);
  return 1;
}

int LogCommand(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, -argc)) return RaiseError(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, -argc));
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  std::string text;
  for (int j = 1; j < argc; ++j) {
    size_t len;
    const char* s = lua_tolstring(L, -argc + j, &len);
    if (s != nullptr) {
      if (j != 1) text.push_back(' ');
      text.append(s, len);
    }
  }
  LogRaw(static_cast<LogLevel>(level), text);
  return 0;
}

int SetResp(lua_State* L) {
  ScriptRunner* run = Context(L)->runner;
  if (run == nullptr || !run->running()) {
    return RaiseError(L, "redis.setresp can only be called inside a script invocation");
  }
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  run->set_resp(resp);
  return 0;
}

int ReturnTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int ReturnFalse(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int Nothing(lua_State*) { return 0; }

// ---- redis.register_function (FUNCTION LOAD only) ----

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

bool EqualsNoCase(const char* a, const char* b) { return strcasecmp(a, b) == 0; }

// The flags table at the top of the stack; false on an unknown flag or a non-string.
bool ReadFlags(lua_State* L, uint32_t* flags) {
  uint32_t f = 0;
  for (int j = 1;; ++j) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    const char* s = lua_tostring(L, -1);
    bool found = false;
    for (const ScriptFlagName& name : kScriptFlagNames) {
      if (strcasecmp(std::string(name.name).c_str(), s) == 0) {
        f |= name.flag;
        found = true;
        break;
      }
    }
    lua_pop(L, 1);
    if (!found) return false;
  }
  *flags = f;
  return true;
}

// Reads register_function's arguments into `fn` (the callback referenced in the registry).
// Returns null or the error message.
const char* ReadRegisterArgs(lua_State* L, RegisteredFunction* fn) {
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) {
      return "second argument to redis.register_function must be a function";
    }
    size_t len;
    const char* s = lua_tolstring(L, 1, &len);
    fn->name.assign(s, len);
    lua_pushvalue(L, 2);
    fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return nullptr;
  }
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  bool has_name = false;
  const char* error = nullptr;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    if (!lua_isstring(L, -2)) {
      error = "named argument key given to redis.register_function is not a string";
      lua_pop(L, 2);
      break;
    }
    // lua_tostring on a number key would change it in place and break lua_next: copy first.
    lua_pushvalue(L, -2);
    const std::string key = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (EqualsNoCase(key.c_str(), "function_name")) {
      if (!lua_isstring(L, -1)) {
        error = "function_name argument given to redis.register_function must be a string";
      } else {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        fn->name.assign(s, len);
        has_name = true;
      }
    } else if (EqualsNoCase(key.c_str(), "description")) {
      if (!lua_isstring(L, -1)) {
        error = "description argument given to redis.register_function must be a string";
      } else {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        fn->description.assign(s, len);
        fn->has_description = true;
      }
    } else if (EqualsNoCase(key.c_str(), "callback")) {
      if (!lua_isfunction(L, -1)) {
        error = "callback argument given to redis.register_function must be a function";
      } else {
        if (fn->ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, fn->ref);
        lua_pushvalue(L, -1);
        fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);
      }
    } else if (EqualsNoCase(key.c_str(), "flags")) {
      if (!lua_istable(L, -1)) {
        error = "flags argument to redis.register_function must be a table representing "
                "function flags";
      } else if (!ReadFlags(L, &fn->flags)) {
        error = "unknown flag given";
      }
    } else {
      error = "unknown argument given to redis.register_function";
    }
    lua_pop(L, 1);
    if (error != nullptr) {
      lua_pop(L, 1);  // the key
      break;
    }
  }
  if (error == nullptr && !has_name) error = "redis.register_function must get a function name argument";
  if (error == nullptr && fn->ref == LUA_NOREF) {
    error = "redis.register_function must get a callback argument";
  }
  if (error != nullptr && fn->ref != LUA_NOREF) {
    luaL_unref(L, LUA_REGISTRYINDEX, fn->ref);
    fn->ref = LUA_NOREF;
  }
  return error;
}

int RegisterFunction(lua_State* L) {
  LuaApiContext* ctx = Context(L);
  if (ctx->load == nullptr) {
    return RaiseError(L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  RegisteredFunction fn;
  if (const char* error = ReadRegisterArgs(L, &fn)) return RaiseError(L, error);
  const char* error = nullptr;
  if (!ValidName(fn.name)) {
    error =
        "Library names can only contain letters, numbers, or underscores(_) and must be at least "
        "one character long";
  } else {
    for (const RegisteredFunction& other : ctx->load->functions) {
      if (other.name == fn.name) error = "Function already exists in the library";
    }
  }
  if (error != nullptr) {
    luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
    return RaiseError(L, error);
  }
  ctx->load->functions.push_back(std::move(fn));
  return 0;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction fn, LuaApiContext* context) {
  lua_pushlightuserdata(L, context);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

void RegisterLogAndVersion(lua_State* L, LuaApiContext* context) {
  SetFunction(L, "log", LogCommand, context);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
}

}  // namespace

std::string Sha1Hex(std::string_view data) {
  unsigned char hash[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), hash);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(40, '0');
  for (int j = 0; j < SHA_DIGEST_LENGTH; ++j) {
    out[j * 2] = kHex[hash[j] >> 4];
    out[j * 2 + 1] = kHex[hash[j] & 0xF];
  }
  return out;
}

void RegisterRedisApi(LuaEnv& env, LuaApiContext* context) {
  lua_State* L = env.state();
  env.PushRedisTable();
  SetFunction(L, "call", Call, context);
  SetFunction(L, "pcall", PCall, context);
  RegisterLogAndVersion(L, context);
  SetFunction(L, "setresp", SetResp, context);
  SetFunction(L, "sha1hex", Sha1hex, context);
  SetFunction(L, "error_reply", ErrorReply, context);
  SetFunction(L, "status_reply", StatusReply, context);
  SetFunction(L, "set_repl", SetRepl, context);
  SetNumber(L, "REPL_NONE", kReplNone);
  SetNumber(L, "REPL_AOF", kReplAof);
  SetNumber(L, "REPL_SLAVE", kReplReplica);
  SetNumber(L, "REPL_REPLICA", kReplReplica);
  SetNumber(L, "REPL_ALL", kReplAll);
  SetFunction(L, "acl_check_cmd", AclCheckCmd, context);
  if (env.kind() == LuaEnv::Kind::kEval) {
    SetFunction(L, "breakpoint", ReturnFalse, context);
    SetFunction(L, "debug", Nothing, context);
    SetFunction(L, "replicate_commands", ReturnTrue, context);
  }
  lua_pop(L, 1);
  if (env.kind() == LuaEnv::Kind::kFunctions) {
    env.PushLoadRedisTable();
    SetFunction(L, "register_function", RegisterFunction, context);
    RegisterLogAndVersion(L, context);
    lua_pop(L, 1);
  }
}

}  // namespace rill::scripting
