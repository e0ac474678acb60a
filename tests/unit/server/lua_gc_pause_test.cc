// LuaEnv::CollectStep: the collector's pause follows the heap's size (a small heap waits for
// kGcHeadroomBytes of allocation, a big one keeps Lua's 200%), and garbage made between steps
// stays within those bounds.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "server/scripting/lua_env.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace rill::scripting {
namespace {

// The pause the next cycle will use (setting it returns the previous one).
int CurrentPause(lua_State* L) {
  const int pause = lua_gc(L, LUA_GCSETPAUSE, 0);
  lua_gc(L, LUA_GCSETPAUSE, pause);
  return pause;
}

// Keeps `bytes` of strings alive in the registry: the live heap of a test.
void HoldLiveBytes(lua_State* L, int64_t bytes) {
  lua_newtable(L);
  const std::string chunk(1024, 'x');
  for (int64_t i = 0; i * 1024 < bytes; ++i) {
    lua_pushlstring(L, (chunk + std::to_string(i)).data(), chunk.size() + 8);
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  luaL_ref(L, LUA_REGISTRYINDEX);
}

// Runs `scripts` chunks that each make about 20 KB of garbage, with a step every 50 as
// Scripting does; returns the biggest heap seen.
int64_t Churn(LuaEnv& env, int scripts) {
  lua_State* L = env.state();
  int64_t peak = 0;
  for (int i = 0; i < scripts; ++i) {
    EXPECT_EQ(luaL_dostring(L, "local t = {} for i = 1, 200 do t[i] = {i, tostring(i) .. 'x'} end"),
              0);
    if (i % 50 == 49) env.CollectStep(50);
    peak = std::max(peak, env.MemoryBytes());
  }
  return peak;
}

TEST(LuaGcPauseTest, ASmallHeapWaitsForTheHeadroom) {
  LuaEnv env(LuaEnv::Kind::kEval);
  ASSERT_LT(env.MemoryBytes(), LuaEnv::kGcHeadroomBytes / 10);
  env.CollectStep(50);
  EXPECT_EQ(CurrentPause(env.state()), LuaEnv::kMaxGcPause);
  // Garbage accumulates past twice the live heap (the default pause would have collected it)
  // but not past the headroom by much.
  const int64_t live = env.MemoryBytes();
  const int64_t peak = Churn(env, 2000);
  EXPECT_GT(peak, 2 * live);
  EXPECT_LT(peak, live * LuaEnv::kMaxGcPause / 100 + LuaEnv::kGcHeadroomBytes);
}

TEST(LuaGcPauseTest, AHeapOfOneHeadroomWaitsForItsOwnSize) {
  LuaEnv env(LuaEnv::Kind::kEval);
  HoldLiveBytes(env.state(), LuaEnv::kGcHeadroomBytes);
  lua_gc(env.state(), LUA_GCCOLLECT, 0);
  env.CollectStep(50);
  // (heap + headroom) / heap: a little under 200% since the heap is a bit over the headroom.
  const int pause = CurrentPause(env.state());
  EXPECT_GE(pause, LuaEnv::kDefaultGcPause);
  EXPECT_LE(pause, LuaEnv::kDefaultGcPause + 10);
}

TEST(LuaGcPauseTest, ABigHeapKeepsLuasDefaultAndStaysWithinTwiceItsLiveBytes) {
  LuaEnv env(LuaEnv::Kind::kEval);
  HoldLiveBytes(env.state(), 4 * LuaEnv::kGcHeadroomBytes);
  lua_gc(env.state(), LUA_GCCOLLECT, 0);
  const int64_t live = env.MemoryBytes();
  env.CollectStep(50);
  EXPECT_EQ(CurrentPause(env.state()), LuaEnv::kDefaultGcPause);
  const int64_t peak = Churn(env, 3000);
  EXPECT_LT(peak, live * 23 / 10);
}

}  // namespace
}  // namespace rill::scripting
