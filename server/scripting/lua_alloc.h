// The memory allocator of Rill's Lua states (lua_newstate's lua_Alloc), with a cache of freed
// small blocks.
//
// Why: a script allocates and frees hundreds of small objects per run (strings, tables,
// closures of the helper functions a script defines on each run), and Lua's garbage collector
// frees them in batches. glibc's per-thread cache holds only 7 blocks per size, so most of those
// calls went through malloc's slow paths: callgrind of rill-server under BullMQ (whose job
// scripts dominate the server's work) put 16% of all its instructions in the Lua allocator.
// Lua passes every block's size back when freeing or resizing it, so the blocks need no header:
// sizes up to kMaxSmall bytes are rounded up to 16-byte classes, a freed block goes on its
// class's list, and the next allocation of that class takes it back. Bigger blocks go straight
// to malloc/realloc/free.
//
// Every block comes from malloc, so Rill's memory accounting (server/observe/alloc_counter.h)
// counts live and cached blocks alike; the cache is bounded (kMaxCachedBytes) and released with
// the allocator, which must outlive its lua_State (LuaEnv owns both).
//
//   LuaAllocator alloc;
//   lua_State* L = lua_newstate(&LuaAllocator::Alloc, &alloc);
#pragma once

#include <cstddef>

namespace rill::scripting {

class LuaAllocator {
 public:
  static constexpr size_t kGranule = 16;
  static constexpr size_t kMaxSmall = 256;
  static constexpr size_t kMaxCachedBytes = 1024 * 1024;

  LuaAllocator() = default;
  ~LuaAllocator();
  LuaAllocator(const LuaAllocator&) = delete;
  LuaAllocator& operator=(const LuaAllocator&) = delete;

  // lua_Alloc: `ud` is the LuaAllocator. Frees `ptr` (of `osize` bytes) when nsize is 0,
  // allocates when ptr is null, resizes otherwise; never fails when shrinking.
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);

  // Bytes of freed blocks held for reuse.
  size_t cached_bytes() const { return cached_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  static constexpr size_t kClasses = kMaxSmall / kGranule + 1;  // class 0: not small

  // The class of a block of `size` bytes: 1 .. kClasses - 1, or 0 when bigger than kMaxSmall.
  static size_t ClassOf(size_t size) {
    return size <= kMaxSmall ? (size + kGranule - 1) / kGranule : 0;
  }
  void* Get(size_t size);
  void Release(void* ptr, size_t size);

  FreeBlock* free_[kClasses] = {};
  size_t cached_ = 0;
};

}  // namespace rill::scripting
