// The Lua 5.1 interpreter as Redis 7.0 sets it up for scripts: the libraries it loads (base,
// table, string, math, cjson, cmsgpack, bit, struct; no os, io, package, debug), math.random on
// Redis's own generator, and every table reachable from the globals read-only.
//
// Redis patches its bundled Lua to flag tables read-only; Rill runs Debian's stock Lua 5.1, so
// the same effect comes from proxies: each protected table is replaced by an empty table whose
// metatable reads from the real one (__index) and refuses writes (__newindex), with Redis's
// error texts. The base functions that would see through a proxy's emptiness (next, pairs,
// ipairs, rawget, rawset, getmetatable, setmetatable, unpack, the table library) look through
// it to the real table, and refuse to write into it. What cannot be reached from Lua is `#` on a
// library table (0 instead of its length; Lua 5.1 has no __len for tables).
//
// The globals themselves are a proxy too: the state's globals table (LUA_GLOBALSINDEX) is the
// proxy, so `x = 1` fails with "Attempt to modify a readonly table" and reading an unknown name
// with "Script attempted to access nonexistent global variable 'x'", as in Redis.
//
//   LuaEnv env(LuaEnv::Kind::kEval);
//   lua_State* L = env.state();
//   env.SetGlobal("KEYS");            // pops a value into the real globals (EVAL's KEYS/ARGV)
#pragma once

#include <cstdint>
#include <memory>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "server/scripting/lua_alloc.h"

namespace rill::scripting {

class LuaEnv {
 public:
  // EVAL's interpreter, or the FUNCTION libraries' one (which also has the load-time globals:
  // only `redis` with register_function, log and the version).
  enum class Kind { kEval, kFunctions };
  explicit LuaEnv(Kind kind);
  ~LuaEnv();
  LuaEnv(const LuaEnv&) = delete;
  LuaEnv& operator=(const LuaEnv&) = delete;

  lua_State* state() const { return L_; }
  Kind kind() const { return kind_; }

  // Sets the value on top of the stack as global `name`, bypassing the protection (KEYS and
  // ARGV for EVAL, as Redis does). Pops the value.
  void SetGlobal(const char* name);
  // The `redis` table (real, writable by C++): pushes it. Its functions are registered by
  // lua_api.cc after construction.
  void PushRedisTable();
  // FUNCTION LOAD: while on, the globals a library's top level sees are only `redis` (with
  // register_function, log, the log levels and the version); off again restores the normal
  // globals. kFunctions only.
  void SetLoadMode(bool on);
  // The `redis` table seen at load time (kFunctions only): pushes it.
  void PushLoadRedisTable();
  // Protects everything reachable from the globals. Called once the redis.* API is
  // registered; nothing may be added afterwards.
  void Seal();
  // Pushes the error handler every script runs under (adds source and line to the error).
  void PushErrorHandler() const { lua_rawgeti(L_, LUA_REGISTRYINDEX, error_handler_ref_); }
  // Bytes the interpreter holds (Redis's used_memory_lua).
  int64_t MemoryBytes() const;
  // One step of the garbage collector worth `kb` kilobytes of allocation (Redis's periodic
  // LUA_GCSTEP), and the pause of the next cycle set from the heap's size: a small heap waits
  // for kGcHeadroomBytes of new allocation instead of doubling. Why: queue libraries keep
  // interpreter heaps of a few hundred KB and allocate tens of KB per script, so Lua's default
  // (a cycle whenever the heap doubles) re-marked and re-swept the whole live heap every few
  // scripts: 11% of the server's CPU under BullMQ, 6% with the headroom. A heap past the
  // headroom keeps Lua's default pause (200%), so memory stays within twice the live heap.
  void CollectStep(int kb);
  static constexpr int64_t kGcHeadroomBytes = 2 << 20;
  static constexpr int kDefaultGcPause = 200;
  static constexpr int kMaxGcPause = 1000;

 private:
  void OpenLibraries();
  void InstallBaseOverrides();
  void CreateErrorHandler();

  // Declared before L_: constructed before the state and released after lua_close.
  std::unique_ptr<LuaAllocator> alloc_;
  lua_State* L_;
  Kind kind_;
  int real_globals_ref_ = LUA_NOREF;
  int globals_mt_ref_ = LUA_NOREF;  // the proxy globals' metatable (its __index switches)
  int redis_ref_ = LUA_NOREF;
  int load_globals_ref_ = LUA_NOREF;
  int load_redis_ref_ = LUA_NOREF;
  int error_handler_ref_ = LUA_NOREF;
};

// The Redis Lua error object: pushes {err = "<CODE> <message>"} as Redis's luaPushErrorBuff.
// `error` is "-CODE message" (a RESP error line, trailing CRLF allowed) or a bare message,
// which gets the code ERR. With `ignore_stats`, the table also says its error was counted
// already (ignore_error_stats_update), as errors coming from redis.call are.
void PushErrorTable(lua_State* L, const char* error, size_t len, bool ignore_stats = false);
inline void PushErrorTable(lua_State* L, const char* error) {
  PushErrorTable(L, error, __builtin_strlen(error));
}

// Redis's deterministic PRNG for math.random (rand.c's redisLrand48: the 48-bit lrand48
// recurrence, its state shared by all scripts from the server's start).
int32_t RedisLrand48();
void RedisSrand48(int32_t seed);
inline constexpr int32_t kRedisLrand48Max = 0x7fffffff;

// Library openers (lua_msgpack.cc, lua_struct.cc; cjson and bit come from Debian's packages).
int OpenCmsgpack(lua_State* L);
int OpenStruct(lua_State* L);

}  // namespace rill::scripting
