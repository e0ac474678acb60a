// CommandContext: what a command handler gets — the engine, the calling client, the arguments,
// the reply builder and the command's clock — and the key kit every command family reaches keys
// through.
//
// The key kit, the one way a handler finds, creates, changes and signals keys:
//
//   auto list = ctx.FindTyped<ds::List>(key, kWrite);   // WRONGTYPE replied when it holds another
//   if (list.wrong_type) return;                         // type; list.value null when missing
//   ...mutate list.value...
//   ctx.Modified(key, 'l', "lpush");                     // WATCH, blocked clients, keyspace event,
//                                                        // dirty counter (and so propagation)
//   if (list.value->empty()) ctx.DeleteEmptied(list);    // "del" event, key removed
//
// A handler reads as Redis's do: parse → look up → check type → mutate → Modified → reply. The
// engine checks after every command that one which changed keys (the databases count every
// change) also signalled through the kit, unless it failed with an error reply: a write that
// skips it would escape WATCH, keyspace events and the AOF.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/keyspace.h"
#include "protocol/reply_builder.h"

namespace rill {

class Engine;
struct Client;

// How a command reaches a key, as Redis's lookupKey flags.
struct KeyAccess {
  bool write = false;       // lookupKeyWrite: no keyspace hit/miss statistics, no keymiss event
  bool touch = true;        // false: the key's LRU/LFU bits stay as they are (LOOKUP_NOTOUCH)
  bool notify_miss = true;  // false: a miss publishes no keymiss event (LOOKUP_NONOTIFY)
};
inline constexpr KeyAccess kRead{};
inline constexpr KeyAccess kWrite{.write = true};
// TYPE, EXISTS, TTL: the lookup does not count as an access.
inline constexpr KeyAccess kReadNoTouch{.touch = false};

// A typed lookup's result. `slot` locates the key for the write that follows (Database's
// KeySlot); `value` is the key's value when it holds a T, null when the key is missing or holds
// another type (then `wrong_type` is set and WRONGTYPE was replied).
template <typename T>
struct TypedKey {
  ds::KeySlot slot;
  T* value = nullptr;
  bool wrong_type = false;
  bool created = false;  // FindOrCreate made the key
  ds::Entry* entry() const { return slot.entry(); }
};

struct CommandContext {
  CommandContext(Engine& engine, Client& client, std::span<const std::string_view> args,
                 protocol::ReplyBuilder& reply, int64_t now_ms)
      : engine(engine), client(client), args(args), reply(reply), now_ms(now_ms) {}

  Engine& engine;
  Client& client;
  std::span<const std::string_view> args;  // args[0] is the command name as sent
  protocol::ReplyBuilder& reply;
  int64_t now_ms;  // the command's notion of "now", fixed for the whole command

  ds::Database& db();
  size_t argc() const { return args.size(); }

  // ---- The key kit ----
  // Redis's lookupKey with `access`: lazy expiry, access bits, and for reads keyspace hits and
  // misses and the "keymiss" event. The slot's entry is null when the key is missing.
  ds::KeySlot FindKey(std::string_view key, KeyAccess access = kRead);
  // The key when it holds a string; WRONGTYPE replied (wrong_type set) when another type.
  // (Inline, as FindTyped: GET's path is a lookup and this check, nothing else.)
  TypedKey<ds::Entry> FindString(std::string_view key, KeyAccess access) {
    TypedKey<ds::Entry> found{FindKey(key, access)};
    ds::Entry* entry = found.slot.entry();
    if (entry == nullptr) return found;
    if (entry->type() != ds::ValueType::kString) {
      ReplyWrongType(found.wrong_type);
      return found;
    }
    found.value = entry;
    return found;
  }
  // The key's T (a container: ds::List, ds::Stream ...) when it holds one.
  template <typename T>
  TypedKey<T> FindTyped(std::string_view key, KeyAccess access) {
    TypedKey<T> found{FindKey(key, access)};
    ds::Entry* entry = found.slot.entry();
    if (entry == nullptr) return found;
    if (entry->type() != T::kType) {
      ReplyWrongType(found.wrong_type);
      return found;
    }
    found.value = static_cast<T*>(entry->object());
    return found;
  }
  // A write's lookup that makes the key with `make()` (a std::unique_ptr<T>) when it is missing.
  template <typename T, typename Make>
  TypedKey<T> FindOrCreate(std::string_view key, Make&& make) {
    TypedKey<T> found = FindTyped<T>(key, kWrite);
    if (found.value != nullptr || found.wrong_type) return found;
    ds::Entry* entry = db().SetObject(found.slot, make());
    found.value = static_cast<T*>(entry->object());
    found.created = true;
    return found;
  }

  // After a write changed `key` of the client's database: signals WATCH and clients blocked on
  // it (Redis's signalModifiedKey), publishes the keyspace event `event` of class `type_class`
  // ('$' string, 'l' list, 't' stream, 'g' generic ...; none when `event` is empty), and adds
  // `changes` to the dirty counter, whose growth is what propagates the command to the AOF.
  void Modified(std::string_view key, char type_class, std::string_view event,
                uint64_t changes = 1);
  // The same for a key of another database (MOVE, COPY ... DB).
  void Modified(int db, std::string_view key, char type_class, std::string_view event,
                uint64_t changes = 1);
  // A change Redis signals to neither WATCH nor blocked clients (consumer-group bookkeeping:
  // XGROUP CREATE/SETID/DESTROY, a consumer created by XREADGROUP): the event and the dirty
  // counter only (no event when `event` is empty).
  void ChangedUnwatched(std::string_view key, char type_class, std::string_view event,
                        uint64_t changes = 1);
  // A keyspace event with no further change of its own (SET ... EX also publishes "expire").
  void Notify(char type_class, std::string_view event, std::string_view key);
  // Deletes a container key that a write emptied, with its "del" event (class 'g'), as Redis
  // does after removing the last element. The Modified call of the write is the caller's.
  template <typename T>
  void DeleteEmptied(TypedKey<T>& found) {
    Notify('g', "del", found.slot.key());
    db().Delete(found.slot);
    found.value = nullptr;
  }
  // Whole-database changes (FLUSHDB, SWAPDB, a load) signal through the engine's database
  // hooks, not per key: they say so here, with the changes for the dirty counter.
  void DatabaseChanged(uint64_t changes);

  // ---- Propagation to the AOF (server/engine/propagation.h) ----
  // A command that changed the dataset (the dirty counter grew) is propagated with its
  // arguments as sent, after its handler returned. A handler whose effect would differ on
  // replay says what to propagate instead (Redis's rewriteClientCommandVector): the whole
  // command, or one argument of it. Propagated only if the command still changed the dataset.
  void RewriteCommand(std::initializer_list<std::string_view> args);
  void RewriteCommand(std::vector<std::string> args);
  // A no-op when nothing listens to propagation (no AOF): see propagating().
  void RewriteArgument(size_t index, std::string_view value);
  // Whether the command's effect goes anywhere (the AOF): a handler can skip building a
  // rewritten argument otherwise.
  bool propagating() const;
  // The handler propagated its effect itself (Engine::Propagate): nothing more for it.
  void PreventPropagation() { propagation_ = Propagation::kPrevent; }
  // Propagate even if nothing changed (FLUSHALL on an empty server still reaches the AOF).
  void ForcePropagation() { propagation_ = Propagation::kForce; }

  enum class Propagation : uint8_t { kIfDirty, kPrevent, kForce };
  Propagation propagation() const { return propagation_; }
  // The rewritten form; empty when the command goes as sent.
  const std::vector<std::string>& rewritten() const { return rewritten_; }

  // ---- The slow log ----
  // Argument `index` holds a secret (a password): the slow log shows "(redacted)" in its place,
  // as Redis's redactClientCommandArgument.
  void Redact(size_t index) {
    if (index < 64) redacted_ |= uint64_t{1} << index;
  }
  bool redacted(size_t index) const { return index < 64 && (redacted_ >> index) & 1; }
  // Bit i set: argument i is redacted.
  uint64_t redacted_mask() const { return redacted_; }

 private:
  void ReplyWrongType(bool& wrong_type);

  Propagation propagation_ = Propagation::kIfDirty;
  uint64_t redacted_ = 0;
  std::vector<std::string> rewritten_;
};

}  // namespace rill
