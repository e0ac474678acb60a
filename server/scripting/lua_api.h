// The `redis` table scripts see, as Redis 7.0 has it: call, pcall, log, setresp, sha1hex,
// error_reply, status_reply, set_repl, acl_check_cmd, the REDIS_VERSION / LOG_* / REPL_*
// constants, and for EVAL also replicate_commands, breakpoint and debug (no debugger: they do
// nothing, as outside a SCRIPT DEBUG session). The FUNCTION interpreter also gets the load-time
// table with register_function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/scripting/lua_env.h"

namespace rill {
class Engine;
}

namespace rill::scripting {

class ScriptRunner;

// A function registered while a library loads (redis.register_function).
struct RegisteredFunction {
  std::string name;
  std::string description;
  bool has_description = false;
  int ref = LUA_NOREF;  // the callback, in the registry
  uint32_t flags = 0;
};

// What FUNCTION LOAD collects while a library's code runs. Null outside a load.
struct LibraryLoad {
  std::vector<RegisteredFunction> functions;
  int64_t start_us = 0;
  int64_t timeout_ms = 0;  // 0: none (loading from a file)
};

struct LuaApiContext {
  Engine* engine = nullptr;
  ScriptRunner* runner = nullptr;
  LibraryLoad* load = nullptr;  // set during FUNCTION LOAD
};

// Registers the API into `env`'s redis table(s). `context` must outlive the environment.
void RegisterRedisApi(LuaEnv& env, LuaApiContext* context);

// SHA1 of `data` as 40 lower-case hex digits (script ids, redis.sha1hex).
std::string Sha1Hex(std::string_view data);

}  // namespace rill::scripting
