#include "server/scripting/lua_alloc.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace rill::scripting {

LuaAllocator::~LuaAllocator() {
  for (FreeBlock*& head : free_) {
    while (head != nullptr) {
      FreeBlock* next = head->next;
      std::free(head);
      head = next;
    }
  }
  cached_ = 0;
}

void* LuaAllocator::Get(size_t size) {
  const size_t c = ClassOf(size);
  if (c == 0) return std::malloc(size);
  if (FreeBlock* block = free_[c]; block != nullptr) {
    free_[c] = block->next;
    // Blocks freed by a garbage-collector sweep are cold: reading one's link was the
    // allocator's main cost in perf's time profile. The next one of the class is fetched now,
    // while the caller fills this one (a prefetch of null is harmless).
    __builtin_prefetch(block->next);
    cached_ -= c * kGranule;
    return block;
  }
  return std::malloc(c * kGranule);
}

void LuaAllocator::Release(void* ptr, size_t size) {
  const size_t c = ClassOf(size);
  // A block always has at least its class's bytes (a failed shrink may leave a bigger one
  // under a smaller size, which is still big enough for the class it joins).
  if (c == 0 || cached_ + c * kGranule > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  auto* block = static_cast<FreeBlock*>(ptr);
  block->next = free_[c];
  free_[c] = block;
  cached_ += c * kGranule;
}

void* LuaAllocator::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* self = static_cast<LuaAllocator*>(ud);
  if (nsize == 0) {
    if (ptr != nullptr) self->Release(ptr, osize);
    return nullptr;
  }
  if (ptr == nullptr) return self->Get(nsize);
  const size_t old_class = ClassOf(osize);
  const size_t new_class = ClassOf(nsize);
  if (old_class != 0 && old_class == new_class) return ptr;  // the block has the room
  if (old_class == 0 && new_class == 0) {
    void* moved = std::realloc(ptr, nsize);
    // Lua assumes a shrink never fails: the old block still holds the bytes.
    return moved != nullptr || nsize > osize ? moved : ptr;
  }
  void* moved = self->Get(nsize);
  if (moved == nullptr) return nsize <= osize ? ptr : nullptr;
  std::memcpy(moved, ptr, std::min(osize, nsize));
  self->Release(ptr, osize);
  return moved;
}

}  // namespace rill::scripting
