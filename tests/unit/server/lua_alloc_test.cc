// LuaAllocator: blocks keep their bytes across resizes within and across size classes, freed
// small blocks are reused, the cache stays under its bound, and a real Lua state runs on it.
#include "server/scripting/lua_alloc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace rill::scripting {
namespace {

void* Alloc(LuaAllocator& a, void* p, size_t osize, size_t nsize) {
  return LuaAllocator::Alloc(&a, p, osize, nsize);
}

TEST(LuaAllocatorTest, FreedSmallBlocksAreReusedByTheirClass) {
  LuaAllocator a;
  void* p = Alloc(a, nullptr, 0, 40);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(Alloc(a, p, 40, 0), nullptr);
  EXPECT_EQ(a.cached_bytes(), 48u);
  // 33..48 bytes share the class: the same block comes back.
  EXPECT_EQ(Alloc(a, nullptr, 0, 33), p);
  EXPECT_EQ(a.cached_bytes(), 0u);
  // Another class does not take it.
  Alloc(a, p, 33, 0);
  void* q = Alloc(a, nullptr, 0, 100);
  EXPECT_NE(q, p);
  EXPECT_EQ(a.cached_bytes(), 48u);
  Alloc(a, q, 100, 0);
  EXPECT_EQ(a.cached_bytes(), 48u + 112u);
}

TEST(LuaAllocatorTest, ResizesKeepTheBytes) {
  LuaAllocator a;
  std::string pattern;
  for (int i = 0; i < 1000; ++i) pattern.push_back(static_cast<char>('a' + i % 26));
  // Through every kind of step: within a class, small to small, small to big, big to big, big
  // to small, shrinking and growing.
  const size_t sizes[] = {1, 10, 16, 17, 48, 200, 256, 257, 600, 1000, 300, 250, 20, 5, 700, 3};
  size_t size = 0;
  void* p = nullptr;
  for (size_t next : sizes) {
    p = Alloc(a, p, size, next);
    ASSERT_NE(p, nullptr);
    const size_t kept = std::min(size, next);
    EXPECT_EQ(std::memcmp(p, pattern.data(), kept), 0) << size << " -> " << next;
    std::memcpy(p, pattern.data(), next);
    size = next;
  }
  Alloc(a, p, size, 0);
}

TEST(LuaAllocatorTest, TheCacheIsBounded) {
  LuaAllocator a;
  std::vector<void*> blocks;
  const size_t count = 2 * LuaAllocator::kMaxCachedBytes / 64;
  for (size_t i = 0; i < count; ++i) blocks.push_back(Alloc(a, nullptr, 0, 64));
  for (void* p : blocks) Alloc(a, p, 64, 0);
  EXPECT_LE(a.cached_bytes(), LuaAllocator::kMaxCachedBytes);
  EXPECT_GE(a.cached_bytes(), LuaAllocator::kMaxCachedBytes - 64);
  // Big blocks are never cached.
  void* big = Alloc(a, nullptr, 0, 4096);
  const size_t before = a.cached_bytes();
  Alloc(a, big, 4096, 0);
  EXPECT_EQ(a.cached_bytes(), before);
}

TEST(LuaAllocatorTest, ALuaStateRunsOnIt) {
  LuaAllocator a;
  lua_State* L = lua_newstate(&LuaAllocator::Alloc, &a);
  ASSERT_NE(L, nullptr);
  luaL_openlibs(L);
  const char* script =
      "local t = {} "
      "for i = 1, 20000 do t[#t + 1] = string.rep('x', i % 300) .. i end "
      "local n = 0 for _, s in ipairs(t) do n = n + #s end "
      "t = nil collectgarbage() "
      "local u = {} for i = 1, 5000 do u['k' .. i] = {i, tostring(i)} end "
      "return n + #u['k4999'][2]";
  ASSERT_EQ(luaL_dostring(L, script), 0) << lua_tostring(L, -1);
  double expected = 0;
  for (int i = 1; i <= 20000; ++i) expected += i % 300 + std::to_string(i).size();
  EXPECT_EQ(lua_tonumber(L, -1), expected + 4);
  lua_close(L);
  EXPECT_LE(a.cached_bytes(), LuaAllocator::kMaxCachedBytes);
}

}  // namespace
}  // namespace rill::scripting
