// A stand-in for the key kit (server/engine/command_context.h on main, not yet on this branch):
// the same calls — FindTyped, FindOrCreate, FindKey, Modified, DeleteEmptied — as free
// functions over this branch's CommandContext, so the sorted set and geo handlers are written
// the way the kit's users are. When the kit is merged this file goes and the calls become the
// kit's members (`FindTyped<T>(ctx, key, a)` -> `ctx.FindTyped<T>(key, a)` and so on).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "protocol/errors.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill::zkit {

struct KeyAccess {
  bool write = false;
};
inline constexpr KeyAccess kRead{};
inline constexpr KeyAccess kWrite{.write = true};

template <typename T>
struct TypedKey {
  std::string key;
  T* value = nullptr;
  bool wrong_type = false;
  bool created = false;
};

// Redis's lookupKeyRead / lookupKeyWrite: the live entry or nullptr.
inline ds::Entry* FindKey(CommandContext& ctx, std::string_view key, KeyAccess access) {
  return access.write ? ctx.db().Find(key, ctx.now_ms) : ctx.LookupKeyRead(key);
}

template <typename T>
TypedKey<T> FindTyped(CommandContext& ctx, std::string_view key, KeyAccess access) {
  TypedKey<T> found;
  found.key.assign(key);
  ds::Entry* entry = FindKey(ctx, key, access);
  if (entry == nullptr) return found;
  if (entry->type() != T::kType) {
    found.wrong_type = true;
    ctx.reply.Error(errors::kWrongType);
    return found;
  }
  found.value = static_cast<T*>(entry->object());
  return found;
}

template <typename T, typename Make>
TypedKey<T> FindOrCreate(CommandContext& ctx, std::string_view key, Make&& make) {
  TypedKey<T> found = FindTyped<T>(ctx, key, kWrite);
  if (found.value != nullptr || found.wrong_type) return found;
  ds::Entry* entry = ctx.db().SetObject(key, make());
  found.value = static_cast<T*>(entry->object());
  found.created = true;
  return found;
}

// signalModifiedKey + the keyspace event (none when `event` is empty) + the dirty counter.
inline void Modified(CommandContext& ctx, std::string_view key, char type_class,
                     std::string_view event, uint64_t changes = 1) {
  ctx.engine.KeyModified(ctx.client.db, key);
  if (!event.empty()) ctx.engine.NotifyKeyspaceEvent(type_class, event, key, ctx.client.db);
  ctx.engine.stats().dirty += changes;
}

template <typename T>
void DeleteEmptied(CommandContext& ctx, TypedKey<T>& found) {
  ctx.engine.NotifyKeyspaceEvent('g', "del", found.key, ctx.client.db);
  ctx.db().Delete(found.key);
  found.value = nullptr;
}

}  // namespace rill::zkit
