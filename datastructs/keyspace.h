// One logical database: keys mapped to values, with millisecond expiry.
//
// Layout (see DESIGN.md "Data structures worth their bytes"): every key is one compact heap
// block holding flags, optional expiry, the key bytes and, for strings, the value bytes (or an
// int64, or an ObjectValue pointer for containers). The index is a directory of bounded hash
// segments (extendible hashing on the key hash's low bits): a full segment splits in two, so
// growth never rehashes the whole table, and SCAN walks directory indices in reverse-binary
// order so that a key present for the whole scan is returned at least once even across splits.
//
// Entry pointers returned by Find/Set are valid until the next mutating call on the database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "datastructs/access_clock.h"
#include "datastructs/value.h"

namespace rill::ds {

inline constexpr int64_t kNoExpire = -1;

// A key's entry. Opaque storage; read through these accessors.
class Entry {
 public:
  std::string_view key() const;
  ValueType type() const;

  // Strings: stored either as an integer (when the bytes are the canonical decimal form of an
  // int64, e.g. "12" but not "012" or "+1") or as raw bytes.
  bool is_int() const;
  int64_t int_value() const;           // REQUIRES: is_int()
  std::string_view raw_bytes() const;  // REQUIRES: type()==kString && !is_int()
  bool is_buffer() const;              // bytes stored with StringForm::kBuffer
  // The string value's bytes whatever the encoding; `scratch` backs the integer case.
  std::string_view StringView(char (&scratch)[24]) const;
  size_t StringLength() const;

  ObjectValue* object() const;  // REQUIRES: type() != kString

  int64_t expire_ms() const;  // absolute unix ms, or kNoExpire
  bool has_expire() const { return expire_ms() != kNoExpire; }

  // The 24 LRU/LFU bits (access_clock.h says how to read them).
  uint32_t access_bits() const;
  // Overwrites them (the low 24 bits of `bits`): a loaded key gets the idle time or counter its
  // file recorded, without a second lookup.
  void set_access_bits(uint32_t bits);

  // Bytes used by this entry (block + object), for MEMORY USAGE.
  size_t MemoryUsage() const;

  Entry() = delete;
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;
};

// A key located once for the write that follows: the write reuses its hash and block instead of
// hashing and probing for the key again. `entry()` is the live entry, or nullptr when the key is
// absent (a Set* through the slot then inserts it). Valid until the next call that mutates the
// database other than through this slot; the key bytes are the caller's and must outlive it.
class KeySlot {
 public:
  KeySlot() = default;
  Entry* entry() const { return reinterpret_cast<Entry*>(block_); }
  std::string_view key() const { return key_; }

 private:
  friend class Database;
  KeySlot(std::string_view key, uint64_t hash, uint8_t* block)
      : key_(key), hash_(hash), block_(block) {}
  std::string_view key_;
  uint64_t hash_ = 0;
  uint8_t* block_ = nullptr;
};

// How SetString keeps a string, which decides what OBJECT ENCODING reports, as in Redis.
enum class StringForm {
  kAuto,    // an int64 when the bytes are its canonical decimal form, else bytes
  kBytes,   // always bytes, even when they look like an integer (INCRBYFLOAT's result)
  kBuffer,  // bytes changed in place (APPEND, SETRANGE): Redis reports "raw" at any length
};

// What Set* does with an existing expiry.
enum class TtlMode { kClear, kKeep, kSet };

class Database {
 public:
  Database();
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Looks up a live key. An expired key is deleted here (lazy expiry, reported through the
  // expired hook) and nullptr returned. A found key counts as accessed (its LRU/LFU bits are
  // updated) unless `touch` is false, as for Redis's LOOKUP_NOTOUCH (TYPE, EXISTS, TTL, OBJECT).
  Entry* Find(std::string_view key, int64_t now_ms, bool touch = true) {
    return Locate(key, now_ms, touch).entry();
  }
  // Find's lookup (lazy expiry, access bits), as a slot the write that follows goes through.
  KeySlot Locate(std::string_view key, int64_t now_ms, bool touch = true);
  // Lookup without expiring or any side effect (expired keys are still returned).
  Entry* Peek(std::string_view key) const;
  // Starts fetching what lookups of `keys` will read (a pipeline's next keys), so that their
  // cache misses overlap instead of each stalling its command. No effect on the data.
  void PrefetchKeys(std::span<const std::string_view> keys) const;
  // Only the index slots a lookup or insert of `key` will probe (for keys about to be added,
  // which have no block to fetch yet: the RDB loader's lookahead).
  void PrefetchSlotsFor(std::string_view key) const;

  // Insert or overwrite `key` with a string value. A value that is the canonical decimal form
  // of an int64 is stored as an integer. `ttl` decides the expiry: kClear drops any, kKeep keeps
  // the old one (none for a new key), kSet sets `expire_ms`. When `value` is exactly a buffer
  // lent for the command being run (common/shared_bytes.h: a big argument, 32 KB and more), the
  // key keeps a reference to that buffer instead of a copy of its bytes.
  Entry* SetString(std::string_view key, std::string_view value, TtlMode ttl = TtlMode::kClear,
                   int64_t expire_ms = kNoExpire, StringForm form = StringForm::kAuto);
  Entry* SetInt(std::string_view key, int64_t value, TtlMode ttl = TtlMode::kClear,
                int64_t expire_ms = kNoExpire);
  Entry* SetObject(std::string_view key, std::unique_ptr<ObjectValue> value,
                   TtlMode ttl = TtlMode::kClear, int64_t expire_ms = kNoExpire);
  // The same through a slot from Locate (no second lookup); the slot then holds the new entry.
  Entry* SetString(KeySlot& slot, std::string_view value, TtlMode ttl = TtlMode::kClear,
                   int64_t expire_ms = kNoExpire, StringForm form = StringForm::kAuto);
  Entry* SetInt(KeySlot& slot, int64_t value, TtlMode ttl = TtlMode::kClear,
                int64_t expire_ms = kNoExpire);
  Entry* SetObject(KeySlot& slot, std::unique_ptr<ObjectValue> value, TtlMode ttl = TtlMode::kClear,
                   int64_t expire_ms = kNoExpire);

  // Changes a string value in place, as APPEND (offset = its length) and SETRANGE do: writes
  // `bytes` at `offset`, zero-padding any gap, and keeps the value as bytes changed in place
  // (StringForm::kBuffer) with room to grow — doubled below 1 MB, 1 MB more above, as Redis's
  // sdsMakeRoomFor — so that a value built by many appends costs linear time in all. The slot
  // must hold a string; its expiry and access bits stay. Returns the new length.
  size_t WriteString(KeySlot& slot, size_t offset, std::string_view bytes);
  // The string value's bytes, writable in place, for commands that change bits of a value
  // (SETBIT, BITFIELD, PFADD): the value is made bytes changed in place (StringForm::kBuffer) at
  // least `min_length` long, zero-padded, growing as WriteString grows it. An empty slot gets a
  // new key of `min_length` zero bytes (no expiry). Expiry and access bits stay. The span is
  // valid until the next change to the database; counts as a change whether or not the caller
  // then writes.
  std::span<uint8_t> MutableString(KeySlot& slot, size_t min_length);
  // Keeps the slot's string value as bytes changed in place (StringForm::kBuffer) with the same
  // bytes: what Redis's dbUnshareStringValue leaves behind for the commands that unshare a value
  // and then find nothing to change (SETBIT of a bit already so, PFADD of known elements), so
  // that OBJECT ENCODING says "raw" after them as it does in Redis. Not a change of the data.
  void MakeStringBuffer(KeySlot& slot);

  // Returns true if the key existed (expired or not) and was removed. With `lazy`, a container
  // value goes to the lazy-free hook (set_lazy_free) instead of being freed here. Without it,
  // a deletion the server makes on its own (the destination of a *STORE with an empty result,
  // RESTORE ... REPLACE, MIGRATE's source) is lazy while lazy_server_del is set (Redis's
  // dbDelete); a user's DEL passes its own choice.
  bool Delete(std::string_view key);
  bool Delete(std::string_view key, bool lazy);
  // Removes the slot's key (which must be present); the slot is then empty.
  void Delete(KeySlot& slot);
  void Delete(KeySlot& slot, bool lazy);
  // Returns true if the key exists and has an expiry (expired or not).
  bool HasVolatile(std::string_view key) const;
  // Sets an absolute expiry on an existing key; false if the key is absent.
  bool SetExpire(std::string_view key, int64_t expire_ms);
  // Removes the expiry; false if the key is absent or had none.
  bool Persist(std::string_view key);
  // Moves the value and expiry of `from` to `to`, replacing `to` (a server deletion, as
  // Delete(key)). False if `from` is absent.
  bool Rename(std::string_view from, std::string_view to);
  // Moves `key` with its value and expiry into `dest` (which must not hold it). False if absent.
  bool MoveTo(std::string_view key, Database& dest);
  // Copies `key` (value cloned, expiry kept) to `dest_key` in `dest` (may be *this), replacing.
  bool CopyTo(std::string_view key, Database& dest, std::string_view dest_key);

  size_t size() const;
  size_t volatile_size() const;  // keys with an expiry
  // Prepares an empty database for about `keys` keys (an RDB load reads the count first).
  void Reserve(size_t keys);

  // Visits entries of one or more segments starting at `cursor`, until at least `count`
  // entries were visited or the scan wrapped. Returns the next cursor (0 when done). Expired
  // keys are visited too; the caller filters them.
  uint64_t Scan(uint64_t cursor, size_t count,
                const std::function<void(const Entry&)>& visit) const;
  void ForEach(const std::function<void(const Entry&)>& visit) const;
  // A uniformly-ish random entry, or nullptr when empty.
  const Entry* RandomEntry() const;
  // A random entry among the keys with an expiry, or nullptr when there is none.
  const Entry* RandomVolatileEntry() const;
  // Visits up to `count` sampled entries, of all keys or only of keys with an expiry (eviction
  // sampling, like Redis's dictGetSomeKeys; expired keys included).
  void Sample(bool volatile_only, size_t count, absl::FunctionRef<void(const Entry&)> visit) const;

  // Active expiry: samples up to `max_samples` keys with an expiry and deletes the expired
  // ones (through the expired hook). Returns how many were deleted. When `ttl_sum_ms` is given,
  // the remaining time to live of the sampled keys that stay is added to it and their number
  // to `*ttl_samples` (for the avg_ttl estimate of INFO keyspace).
  size_t ActiveExpire(int64_t now_ms, size_t max_samples, int64_t* ttl_sum_ms = nullptr,
                      int64_t* ttl_samples = nullptr);
  // INFO keyspace's avg_ttl: a running estimate kept by the engine's expire cycle; cleared with
  // the database's keys, exchanged by Swap.
  int64_t avg_ttl_ms() const;
  void set_avg_ttl_ms(int64_t ms);

  // The clock whose LRU/LFU bits new and accessed keys get. Shared by the engine's databases;
  // without one, a database uses its own (all keys LRU at time 0).
  void set_access_clock(AccessClock* clock);
  // A counter every change to the keys bumps (writes, deletions, expiry changes, renames, moves,
  // copies, clears, swaps; not lazy or active expiry, not access bits): the engine shares one
  // over its databases to check that a command which changed keys also signalled it.
  void set_change_counter(uint64_t* counter) { changes_ = counter; }
  // While false (CLIENT PAUSE), an expired key found by Find counts as absent but is not
  // deleted, and ActiveExpire deletes nothing: a paused server must not change its dataset.
  void set_expire_deletes(bool enabled) { expire_deletes_ = enabled; }
  // Where lazy deletions send container values (the engine's LazyFree, which frees big ones on
  // another thread); without a hook they are freed in place. Expired keys are deleted lazily
  // while `lazy_expire` is set (lazyfree-lazy-expire), and a value replaced by a write (SET over
  // a hash, RENAME or a *STORE onto an existing key, COPY/RESTORE ... REPLACE) is handed to the
  // hook while `lazy_server_del` is set (lazyfree-lazy-server-del, Redis's dbOverwrite).
  void set_lazy_free(std::function<void(std::unique_ptr<ObjectValue>)> hook);
  void set_lazy_expire(bool lazy);
  void set_lazy_server_del(bool lazy);

  void Clear();
  void Swap(Database& other);

  // Called with the key just before an expired key is deleted (lazy or active).
  void set_expired_hook(std::function<void(std::string_view key)> hook);
  // While paused, keys past their expiry stay visible and nothing is expired (Redis keeps
  // expired keys while loading an AOF, so that replayed commands see what the writer saw).
  void set_expiry_paused(bool paused) { expiry_paused_ = paused; }

  // Total bytes held by entries and index, for INFO memory.
  size_t MemoryUsage() const;
  // Bytes of the index over all keys, and of the index of keys with an expiry (MEMORY STATS
  // overhead.hashtable.main / .expires).
  size_t MainIndexMemoryUsage() const;
  size_t VolatileIndexMemoryUsage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::function<void(std::string_view key)> expired_hook_;
  uint64_t own_changes_ = 0;
  uint64_t* changes_ = &own_changes_;
  void Changed() { ++*changes_; }
  bool expiry_paused_ = false;
  bool expire_deletes_ = true;
};

}  // namespace rill::ds
