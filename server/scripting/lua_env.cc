#include "server/scripting/lua_env.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

extern "C" {
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lualib.h>
}

namespace rill::scripting {

namespace {

// Registry keys (addresses of these statics, as light userdata).
char kProxyToRealKey;
char kRealToProxyKey;

constexpr char kReadonlyError[] = "Attempt to modify a readonly table";

// ---- Redis's PRNG ----
uint64_t rand48_state = 0x1234ABCD330EULL;  // Redis's initial X2 X1 X0

// ---- Proxies ----

// Pushes the real table behind the value at `idx` when it is a read-only proxy, else the value.
void PushReal(lua_State* L, int idx) {
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_pushvalue(L, idx);
    lua_rawget(L, lua_upvalueindex(1));
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
  }
  lua_pushvalue(L, idx);
}

bool IsProxy(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  lua_pushvalue(L, idx);
  lua_rawget(L, lua_upvalueindex(1));
  const bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 1);
  return proxy;
}

// Raised from C functions that write into a protected table (rawset, table.insert ...): no
// position prefix, as Redis's patched lua_rawset raises it.
[[noreturn]] void ReadonlyErrorNoPosition(lua_State* L) {
  lua_pushstring(L, kReadonlyError);
  lua_error(L);
  __builtin_unreachable();
}

// __newindex of every proxy: an assignment in Lua code, reported with the code's position.
int ProxyNewIndex(lua_State* L) { return luaL_error(L, kReadonlyError); }

// __index of the real globals: unknown names are an error, as Redis's luaProtectedTableError.
int NonexistentGlobal(lua_State* L) {
  if (lua_gettop(L) != 2) luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1)) {
    luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  }
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, -1));
}

// Replaces the real table at the top of the stack by its proxy (made on first sight), after
// protecting every table it holds and its metatable. Stack: real -> proxy.
void Protect(lua_State* L) {
  const int real = lua_gettop(L);
  lua_pushlightuserdata(L, &kRealToProxyKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  const int r2p = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_rawget(L, r2p);
  if (!lua_isnil(L, -1)) {  // already protected (or in progress: _G._G)
    lua_replace(L, real);
    lua_settop(L, real);
    return;
  }
  lua_pop(L, 1);
  lua_checkstack(L, 8);
  // The proxy, registered both ways before recursing so that cycles end.
  lua_newtable(L);
  const int proxy = lua_gettop(L);
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ProxyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, proxy);
  lua_pushvalue(L, real);
  lua_pushvalue(L, proxy);
  lua_rawset(L, r2p);
  lua_pushlightuserdata(L, &kProxyToRealKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, proxy);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  // Table values become their proxies (changing existing fields while traversing is allowed).
  lua_pushnil(L);
  while (lua_next(L, real) != 0) {
    if (lua_type(L, -1) == LUA_TTABLE) {
      Protect(L);
      lua_pushvalue(L, -2);  // key
      lua_insert(L, -2);     // key, proxy
      lua_rawset(L, real);
    } else {
      lua_pop(L, 1);
    }
  }
  // The metatable stays attached as it is (the VM reads it raw) but is protected too:
  // getmetatable() hands out its proxy.
  if (lua_getmetatable(L, real)) {
    Protect(L);
    lua_pop(L, 1);
  }
  lua_replace(L, real);
  lua_settop(L, real);
}

// ---- Base functions that see through proxies (upvalue 1: the proxy -> real map) ----

int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  PushReal(L, 1);
  lua_pushvalue(L, 2);
  if (lua_next(L, -2)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(2));  // next
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int IpairsAux(lua_State* L) {
  const int i = luaL_checkint(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  PushReal(L, 1);
  lua_pushinteger(L, i + 1);
  lua_rawgeti(L, -2, i + 1);
  return lua_isnil(L, -1) ? 0 : 2;
}

int SafeIpairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(2));  // IpairsAux
  lua_pushvalue(L, 1);
  lua_pushinteger(L, 0);
  return 3;
}

int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  PushReal(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) ReadonlyErrorNoPosition(L);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// getmetatable: a protected metatable is handed out as its proxy.
int SafeGetmetatable(lua_State* L) {
  luaL_checkany(L, 1);
  PushReal(L, 1);
  if (!lua_getmetatable(L, -1)) {
    lua_pushnil(L);
    return 1;
  }
  luaL_getmetafield(L, -2, "__metatable");  // pushes the field when present
  if (lua_gettop(L) > 3) return 1;
  lua_pushlightuserdata(L, &kRealToProxyKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -2);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 2);
  return 1;
}

int SafeSetmetatable(lua_State* L) {
  const int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (IsProxy(L, 1)) ReadonlyErrorNoPosition(L);
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  PushReal(L, 2);
  lua_setmetatable(L, 1);
  lua_settop(L, 1);
  return 1;
}

// unpack, table.concat/foreach/foreachi/getn/maxn: the original (upvalue 2) on the real table.
int ReadThrough(lua_State* L) {
  if (lua_gettop(L) >= 1) {
    PushReal(L, 1);
    lua_replace(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// table.insert/remove/sort/setn: refused on a protected table, else the original.
int WriteGuard(lua_State* L) {
  if (lua_gettop(L) >= 1 && IsProxy(L, 1)) ReadonlyErrorNoPosition(L);
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Redis's pcall: an error that is a Redis error table comes back as its `err` string.
int RedisPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// math.random / math.randomseed on Redis's generator (the same sequence on every platform).
int MathRandom(lua_State* L) {
  const lua_Number r =
      static_cast<lua_Number>(RedisLrand48() % kRedisLrand48Max) / kRedisLrand48Max;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, __builtin_floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, __builtin_floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  RedisSrand48(luaL_checkint(L, 1));
  return 0;
}

// Opens a library through its luaopen function and makes it global `name`.
void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != '\0' && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

// Replaces global `table_name`.`field` (or the global `field` when table_name is null) with a
// closure of `fn` over (proxy map, original).
void Wrap(lua_State* L, const char* table_name, const char* field, lua_CFunction fn) {
  if (table_name != nullptr) {
    lua_getglobal(L, table_name);
  } else {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
  }
  lua_pushlightuserdata(L, &kProxyToRealKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_getfield(L, -2, field);
  lua_pushcclosure(L, fn, 2);
  lua_setfield(L, -2, field);
  lua_pop(L, 1);
}

// The handler every script runs under: the error as a table {err=..., source=..., line=...}
// (strings get the code ERR), located at the Lua code that raised it, as Redis's.
constexpr char kErrorHandler[] =
    "local dbg = debug\n"
    "local error_handler = function (err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}\n"
    "  end\n"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end\n"
    "  return err\n"
    "end\n"
    "return error_handler\n";

}  // namespace

int32_t RedisLrand48() {
  rand48_state = (0x5DEECE66DULL * rand48_state + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(rand48_state >> 17);
}

void RedisSrand48(int32_t seed) {
  rand48_state = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E;
}

void PushErrorTable(lua_State* L, const char* error, size_t len, bool ignore_stats) {
  std::string_view e(error, len);
  std::string_view code = "ERR";
  std::string_view msg = e;
  if (!e.empty() && e[0] == '-') {
    const size_t space = e.find(' ');
    if (space == std::string_view::npos) {
      msg = e.substr(1);
    } else {
      code = e.substr(1, space - 1);
      msg = e.substr(space + 1);
    }
  }
  // sdstrim(msg, "\r\n"): both ends.
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  std::string text;
  text.reserve(code.size() + 1 + msg.size());
  text.append(code).append(" ").append(msg);
  lua_createtable(L, 0, ignore_stats ? 2 : 1);
  // lua_pushstring in Redis: the text ends at a NUL byte.
  lua_pushstring(L, text.c_str());
  lua_setfield(L, -2, "err");
  if (ignore_stats) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "ignore_error_stats_update");
  }
}

namespace {

// As luaL_newstate's: an error outside any protected call ends up here (and Lua then aborts).
int Panic(lua_State* L) {
  std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n", lua_tostring(L, -1));
  return 0;
}

}  // namespace

LuaEnv::LuaEnv(Kind kind)
    : alloc_(std::make_unique<LuaAllocator>()),
      L_(lua_newstate(&LuaAllocator::Alloc, alloc_.get())),
      kind_(kind) {
  lua_atpanic(L_, Panic);
  lua_pushlightuserdata(L_, &kProxyToRealKey);
  lua_newtable(L_);
  lua_rawset(L_, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L_, &kRealToProxyKey);
  lua_newtable(L_);
  lua_rawset(L_, LUA_REGISTRYINDEX);
  OpenLibraries();
  CreateErrorHandler();
  InstallBaseOverrides();
  lua_newtable(L_);
  redis_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  if (kind_ == Kind::kFunctions) {
    // What a library's top level sees: `redis` with register_function, log and the version.
    lua_newtable(L_);  // load-time globals
    lua_newtable(L_);  // load-time redis
    lua_pushvalue(L_, -1);
    load_redis_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
    lua_createtable(L_, 0, 1);
    lua_pushcfunction(L_, NonexistentGlobal);
    lua_setfield(L_, -2, "__index");
    lua_setmetatable(L_, -2);
    lua_setfield(L_, -2, "redis");
    lua_createtable(L_, 0, 1);
    lua_pushcfunction(L_, NonexistentGlobal);
    lua_setfield(L_, -2, "__index");
    lua_setmetatable(L_, -2);
    load_globals_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  }
}

LuaEnv::~LuaEnv() { lua_close(L_); }

void LuaEnv::OpenLibraries() {
  OpenLibrary(L_, "", luaopen_base);
  OpenLibrary(L_, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L_, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L_, LUA_MATHLIBNAME, luaopen_math);
  OpenLibrary(L_, LUA_DBLIBNAME, luaopen_debug);
  OpenLibrary(L_, "cjson", luaopen_cjson);
  OpenLibrary(L_, "struct", OpenStruct);
  OpenLibrary(L_, "cmsgpack", OpenCmsgpack);
  OpenLibrary(L_, "bit", luaopen_bit);
  // Not in Redis 7.0's allow list (or removed by its security fixes).
  for (const char* name : {"dofile", "loadfile", "print", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L_);
    lua_setglobal(L_, name);
  }
  lua_getglobal(L_, "math");
  lua_pushcfunction(L_, MathRandom);
  lua_setfield(L_, -2, "random");
  lua_pushcfunction(L_, MathRandomseed);
  lua_setfield(L_, -2, "randomseed");
  lua_pop(L_, 1);
  lua_pushcfunction(L_, RedisPcall);
  lua_setglobal(L_, "pcall");
}

void LuaEnv::CreateErrorHandler() {
  luaL_loadbuffer(L_, kErrorHandler, sizeof(kErrorHandler) - 1, "@err_handler_def");
  lua_call(L_, 0, 1);
  if (kind_ == Kind::kEval) {
    lua_pushvalue(L_, -1);
    lua_setglobal(L_, "__redis__err__handler");
  }
  error_handler_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  // The handler keeps `debug` as an upvalue; scripts do not get it.
  lua_pushnil(L_);
  lua_setglobal(L_, "debug");
}

void LuaEnv::InstallBaseOverrides() {
  lua_pushlightuserdata(L_, &kProxyToRealKey);
  lua_rawget(L_, LUA_REGISTRYINDEX);
  const int map = lua_gettop(L_);
  lua_pushvalue(L_, map);
  lua_pushcclosure(L_, SafeNext, 1);
  lua_pushvalue(L_, -1);
  lua_setglobal(L_, "next");
  lua_pushvalue(L_, map);
  lua_insert(L_, -2);
  lua_pushcclosure(L_, SafePairs, 2);
  lua_setglobal(L_, "pairs");
  lua_pushvalue(L_, map);
  lua_pushvalue(L_, map);
  lua_pushcclosure(L_, IpairsAux, 1);
  lua_pushcclosure(L_, SafeIpairs, 2);
  lua_setglobal(L_, "ipairs");
  const std::pair<const char*, lua_CFunction> simple[] = {{"rawget", SafeRawget},
                                                          {"rawset", SafeRawset},
                                                          {"getmetatable", SafeGetmetatable},
                                                          {"setmetatable", SafeSetmetatable}};
  for (const auto& [name, fn] : simple) {
    lua_pushvalue(L_, map);
    lua_pushcclosure(L_, fn, 1);
    lua_setglobal(L_, name);
  }
  lua_pop(L_, 1);
  Wrap(L_, nullptr, "unpack", ReadThrough);
  for (const char* name : {"concat", "foreach", "foreachi", "getn", "maxn"}) {
    Wrap(L_, "table", name, ReadThrough);
  }
  for (const char* name : {"insert", "remove", "sort", "setn"}) Wrap(L_, "table", name, WriteGuard);
}

void LuaEnv::Seal() {
  // Publish the redis table(s).
  lua_rawgeti(L_, LUA_REGISTRYINDEX, redis_ref_);
  lua_setglobal(L_, "redis");
  // The real globals: unknown names raise Redis's error.
  lua_pushvalue(L_, LUA_GLOBALSINDEX);
  lua_pushvalue(L_, -1);
  real_globals_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_createtable(L_, 0, 1);
  lua_pushcfunction(L_, NonexistentGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  // The string metatable is reachable from every string.
  lua_pushliteral(L_, "");
  lua_getmetatable(L_, -1);
  Protect(L_);
  lua_pop(L_, 2);
  if (kind_ == Kind::kFunctions) {
    lua_rawgeti(L_, LUA_REGISTRYINDEX, load_globals_ref_);
    Protect(L_);
    lua_pop(L_, 1);
  }
  Protect(L_);  // the globals -> their proxy
  // _G names the proxy; the proxy becomes the state's globals (and every function's env).
  lua_rawgeti(L_, LUA_REGISTRYINDEX, real_globals_ref_);
  lua_pushvalue(L_, -2);
  lua_setfield(L_, -2, "_G");
  lua_pop(L_, 1);
  lua_getmetatable(L_, -1);
  globals_mt_ref_ = luaL_ref(L_, LUA_REGISTRYINDEX);
  lua_replace(L_, LUA_GLOBALSINDEX);
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

void LuaEnv::SetGlobal(const char* name) {
  lua_rawgeti(L_, LUA_REGISTRYINDEX, real_globals_ref_);
  lua_insert(L_, -2);
  lua_setfield(L_, -2, name);  // the real globals have no __newindex
  lua_pop(L_, 1);
}

void LuaEnv::PushRedisTable() { lua_rawgeti(L_, LUA_REGISTRYINDEX, redis_ref_); }

void LuaEnv::PushLoadRedisTable() { lua_rawgeti(L_, LUA_REGISTRYINDEX, load_redis_ref_); }

void LuaEnv::SetLoadMode(bool on) {
  lua_rawgeti(L_, LUA_REGISTRYINDEX, globals_mt_ref_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, on ? load_globals_ref_ : real_globals_ref_);
  lua_setfield(L_, -2, "__index");
  lua_pop(L_, 1);
}

void LuaEnv::CollectStep(int kb) {
  lua_gc(L_, LUA_GCSTEP, kb);
  // The pause is read when a cycle ends: the threshold of the next is heap * pause / 100.
  // (Skipping the step for small heaps was tried: GC went from 11% to 14% of the CPU. The
  // step runs between scripts, when their temporaries are garbage, and starts a cycle when
  // the collector is paused, so the pause mostly spaces the cycles allocation starts.)
  const int64_t heap = std::max<int64_t>(MemoryBytes(), 1);
  const int64_t pause =
      std::clamp<int64_t>((heap + kGcHeadroomBytes) * 100 / heap, kDefaultGcPause, kMaxGcPause);
  lua_gc(L_, LUA_GCSETPAUSE, static_cast<int>(pause));
}

int64_t LuaEnv::MemoryBytes() const {
  return static_cast<int64_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 + lua_gc(L_, LUA_GCCOUNTB, 0);
}

}  // namespace rill::scripting
