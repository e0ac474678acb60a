// Database: entry blocks (entry_block.h) indexed by KeyIndex, plus the volatile index used to
// sample keys with an expiry. Every block with an expiry stores its position in `volatile_`, so
// removal is a swap with the last element and sampling is a random position, both O(1).
#include "datastructs/keyspace.h"

#include <malloc.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/random/random.h"
#include "common/number_parse.h"
#include "datastructs/entry_block.h"
#include "datastructs/key_index.h"
#include "datastructs/shared_string.h"

namespace rill::ds {
namespace {

using Block = uint8_t;

const Block* Bytes(const Entry* e) { return reinterpret_cast<const Block*>(e); }
Entry* AsEntry(Block* b) { return reinterpret_cast<Entry*>(b); }

block::Value StringValue(std::string_view value, StringForm form) {
  block::Value v;
  int64_t n;
  if (form == StringForm::kBuffer) v.encoding = block::Encoding::kRawBuffer;
  if (form == StringForm::kAuto && ParseInt64(value, &n)) {
    v.encoding = block::Encoding::kInt;
    v.int_value = n;
  } else {
    v.raw = value;
  }
  return v;
}

block::Value IntValue(int64_t n) {
  block::Value v;
  v.encoding = block::Encoding::kInt;
  v.int_value = n;
  return v;
}

// A string kept as the buffer of a big argument (shared_string.h), out of the hot path.
[[gnu::noinline]] std::string_view SharedBytesOf(const Block* b) {
  return static_cast<const SharedString*>(block::ObjectOf(b))->bytes();
}

void DeleteObjectOf(const Block* b) {
  if (block::EncodingOf(b) == block::Encoding::kObject) delete block::ObjectOf(b);
}

}  // namespace

// ---- Entry ----

std::string_view Entry::key() const { return block::Key(Bytes(this)); }
ValueType Entry::type() const { return block::TypeOf(Bytes(this)); }
bool Entry::is_int() const { return block::EncodingOf(Bytes(this)) == block::Encoding::kInt; }
bool Entry::is_buffer() const {
  return block::EncodingOf(Bytes(this)) == block::Encoding::kRawBuffer;
}
int64_t Entry::int_value() const { return block::IntValue(Bytes(this)); }
std::string_view Entry::raw_bytes() const {
  const Block* b = Bytes(this);
  if (block::EncodingOf(b) == block::Encoding::kObject) [[unlikely]]
    return SharedBytesOf(b);
  return block::RawValue(b);
}
ObjectValue* Entry::object() const { return block::ObjectOf(Bytes(this)); }

std::string_view Entry::StringView(char (&scratch)[24]) const {
  if (!is_int()) return raw_bytes();
  auto result = std::to_chars(scratch, scratch + sizeof(scratch), int_value());
  return {scratch, static_cast<size_t>(result.ptr - scratch)};
}

size_t Entry::StringLength() const {
  char scratch[24];
  return StringView(scratch).size();
}

uint32_t Entry::access_bits() const { return block::Access(Bytes(this)); }
void Entry::set_access_bits(uint32_t bits) {
  block::SetAccess(reinterpret_cast<Block*>(this), bits & kAccessBitsMask);
}

int64_t Entry::expire_ms() const {
  const Block* b = Bytes(this);
  return block::HasExpire(b) ? block::ExpireMs(b) : kNoExpire;
}

size_t Entry::MemoryUsage() const {
  size_t bytes = malloc_usable_size(const_cast<Block*>(Bytes(this)));
  if (block::EncodingOf(Bytes(this)) == block::Encoding::kObject) {
    bytes += object()->MemoryUsage();
  }
  return bytes;
}

// ---- Database ----

struct Database::Impl {
  KeyIndex index;
  std::vector<Block*> volatile_blocks;
  size_t block_bytes = 0;  // malloc_usable_size of all blocks
  int64_t avg_ttl_ms = 0;
  mutable absl::BitGen gen;
  AccessClock own_clock;
  AccessClock* clock = &own_clock;
  std::function<void(std::unique_ptr<ObjectValue>)> lazy_free;
  bool lazy_expire = false;
  bool lazy_server_del = false;

  Block* Allocate(size_t size) {
    Block* b = static_cast<Block*>(std::malloc(size));
    if (b == nullptr) std::abort();
    block_bytes += malloc_usable_size(b);
    return b;
  }
  void Free(Block* b) {
    block_bytes -= malloc_usable_size(b);
    std::free(b);
  }

  void AddVolatile(Block* b) {
    block::SetVolatilePos(b, static_cast<uint32_t>(volatile_blocks.size()));
    volatile_blocks.push_back(b);
  }
  void RemoveVolatile(const Block* b) {
    const uint32_t pos = block::VolatilePos(b);
    Block* last = volatile_blocks.back();
    volatile_blocks[pos] = last;
    block::SetVolatilePos(last, pos);
    volatile_blocks.pop_back();
  }

  // Builds a new block for `key` and links it into index and volatile index. REQUIRES: absent.
  Block* Create(std::string_view key, uint64_t hash, bool has_expire, int64_t expire_ms,
                uint32_t access, const block::Value& v) {
    Block* b = Allocate(block::BlockSize(key, has_expire, v));
    block::Write(b, key, has_expire, expire_ms, 0, access, v);
    if (has_expire) AddVolatile(b);
    index.Insert(b, hash);
    return b;
  }

  // Rewrites an existing block with a new value, expiry and access bits, reusing the allocation
  // when the layout allows it. The old value's object (if any) is the caller's business.
  Block* Rewrite(Block* old, uint64_t hash, bool has_expire, int64_t expire_ms, uint32_t access,
                 const block::Value& v) {
    const std::string_view key = block::Key(old);
    const size_t size = block::BlockSize(key, has_expire, v);
    const size_t usable = malloc_usable_size(old);
    // In place when the expiry fields (and so the key offset) stay put and the block neither
    // overflows nor wastes a whole 16-byte malloc step.
    if (has_expire == block::HasExpire(old) && size <= usable && usable - size < 16) {
      old[0] = block::MakeFlags(has_expire, v);
      block::SetAccess(old, access);
      if (has_expire) block::SetExpireMs(old, expire_ms);
      block::WriteValue(const_cast<Block*>(block::ValueStart(old)), v);
      return old;
    }
    Block* b = Allocate(size);
    block::Write(b, key, has_expire, expire_ms, 0, access, v);
    if (block::HasExpire(old)) {
      if (has_expire) {
        const uint32_t pos = block::VolatilePos(old);
        block::SetVolatilePos(b, pos);
        volatile_blocks[pos] = b;
      } else {
        RemoveVolatile(old);
      }
    } else if (has_expire) {
      AddVolatile(b);
    }
    index.Replace(old, b, hash);
    Free(old);
    return b;
  }

  // Inserts or overwrites the key whose current block (nullptr when absent) is `old`.
  Entry* Set(std::string_view key, uint64_t hash, Block* old, const block::Value& v, TtlMode ttl,
             int64_t expire_ms) {
    bool has_expire = ttl == TtlMode::kSet && expire_ms != kNoExpire;
    if (old == nullptr) {
      return AsEntry(Create(key, hash, has_expire, expire_ms, clock->NewKeyBits(), v));
    }
    if (ttl == TtlMode::kKeep && block::HasExpire(old)) {
      has_expire = true;
      expire_ms = block::ExpireMs(old);
    }
    // The old object must outlive the rewrite only if the caller passed it back in (it did not:
    // Set* take fresh values), so delete it now.
    ObjectValue* old_object =
        block::EncodingOf(old) == block::Encoding::kObject ? block::ObjectOf(old) : nullptr;
    // A new value is a new object to Redis: a fresh LRU clock, but the LFU counter carries
    // over (dbOverwrite keeps the frequency the lookup before the write just bumped).
    const uint32_t access = clock->lfu() ? block::Access(old) : clock->NewKeyBits();
    Entry* e = AsEntry(Rewrite(old, hash, has_expire, expire_ms, access, v));
    if (old_object != nullptr && lazy_server_del && lazy_free) {
      lazy_free(std::unique_ptr<ObjectValue>(old_object));
    } else {
      delete old_object;
    }
    return e;
  }
  Entry* Set(std::string_view key, const block::Value& v, TtlMode ttl, int64_t expire_ms) {
    const uint64_t hash = KeyIndex::Hash(key);
    return Set(key, hash, index.Find(key, hash), v, ttl, expire_ms);
  }

  // Database::WriteString on block `b`.
  Block* WriteString(Block* b, uint64_t hash, size_t offset, std::string_view bytes) {
    char scratch[24];
    const std::string_view current = AsEntry(b)->StringView(scratch);
    const size_t head = static_cast<size_t>(block::ValueStart(b) - b);
    const size_t length = std::max(current.size(), offset + bytes.size());
    const size_t needed = head + VarintSize(length) + length;
    const block::Encoding encoding = block::EncodingOf(b);
    const bool bytes_form =
        encoding == block::Encoding::kRaw || encoding == block::Encoding::kRawBuffer;
    Block* target = b;
    uint8_t* data;
    if (bytes_form && needed <= malloc_usable_size(b)) {
      // In place: the length's varint may grow by a byte or two, moving the bytes behind it.
      uint8_t* value = b + head;
      const size_t old_header = VarintSize(current.size());
      const size_t new_header = VarintSize(length);
      if (new_header != old_header) {
        std::memmove(value + new_header, value + old_header, current.size());
      }
      PutVarint(value, length);
      data = value + new_header;
    } else {
      constexpr size_t kMaxPrealloc = 1 << 20;
      target = Allocate(needed < kMaxPrealloc ? needed * 2 : needed + kMaxPrealloc);
      std::memcpy(target, b, head);
      data = PutVarint(target + head, length);
      std::memcpy(data, current.data(), current.size());
    }
    if (offset > current.size()) std::memset(data + current.size(), 0, offset - current.size());
    if (!bytes.empty()) std::memcpy(data + offset, bytes.data(), bytes.size());
    target[0] = static_cast<uint8_t>(
        (target[0] & ~block::kEncodingMask) |
        (static_cast<uint8_t>(block::Encoding::kRawBuffer) << block::kEncodingShift));
    if (target != b) {
      if (block::HasExpire(b)) volatile_blocks[block::VolatilePos(b)] = target;
      index.Replace(b, target, hash);
      DeleteObjectOf(b);  // a big argument kept as its buffer (shared_string.h): now copied
      Free(b);
    }
    return target;
  }

  // A new key whose value is `length` zero bytes, kept as a buffer (Database::MutableString).
  Block* CreateZeroed(std::string_view key, uint64_t hash, size_t length) {
    block::Value v;
    v.encoding = block::Encoding::kRawBuffer;
    const size_t head = block::BlockSize(key, false, v) - VarintSize(0);
    Block* b = Allocate(head + VarintSize(length) + length);
    block::Write(b, key, false, kNoExpire, 0, clock->NewKeyBits(), v);
    uint8_t* data = PutVarint(b + head, length);
    std::memset(data, 0, length);
    index.Insert(b, hash);
    return b;
  }

  // Unlinks `key` from both indexes and returns its block (object untouched), or nullptr.
  Block* Unlink(std::string_view key, uint64_t hash) {
    Block* b = index.Erase(key, hash);
    if (b != nullptr && block::HasExpire(b)) RemoveVolatile(b);
    return b;
  }

  bool DeleteKey(std::string_view key, uint64_t hash, bool lazy = false) {
    Block* b = Unlink(key, hash);
    if (b == nullptr) return false;
    if (lazy && lazy_free && block::EncodingOf(b) == block::Encoding::kObject) {
      lazy_free(std::unique_ptr<ObjectValue>(block::ObjectOf(b)));
    } else {
      DeleteObjectOf(b);
    }
    Free(b);
    return true;
  }

  void FreeAll() {
    index.ForEach([this](Block* b) {
      DeleteObjectOf(b);
      Free(b);
    });
    index.Clear();
    volatile_blocks.clear();
    volatile_blocks.shrink_to_fit();
  }
};

Database::Database() : impl_(std::make_unique<Impl>()) {}

Database::~Database() { impl_->FreeAll(); }

KeySlot Database::Locate(std::string_view key, int64_t now_ms, bool touch) {
  const uint64_t hash = KeyIndex::Hash(key);
  Block* b = impl_->index.Find(key, hash);
  if (b == nullptr) return KeySlot(key, hash, nullptr);
  if (block::HasExpire(b) && now_ms > block::ExpireMs(b) && !expiry_paused_) {
    // While deletions are off (a pause), the expired key reads as absent but stays: a write
    // through this slot cannot happen then (writes are postponed during a pause).
    if (!expire_deletes_) return KeySlot(key, hash, nullptr);
    if (expired_hook_) expired_hook_(key);
    impl_->DeleteKey(key, hash, impl_->lazy_expire);
    return KeySlot(key, hash, nullptr);
  }
  AccessClock& clock = *impl_->clock;
  if (touch && clock.touch_enabled()) block::SetAccess(b, clock.Touched(block::Access(b)));
  return KeySlot(key, hash, b);
}

void Database::PrefetchKeys(std::span<const std::string_view> keys) const {
  constexpr size_t kMax = 16;
  uint64_t hashes[kMax];
  const size_t n = std::min(keys.size(), kMax);
  // Two passes: all slot groups first, then all blocks, so that each pass's misses overlap.
  for (size_t i = 0; i < n; ++i) {
    hashes[i] = KeyIndex::Hash(keys[i]);
    impl_->index.PrefetchSlots(hashes[i]);
  }
  for (size_t i = 0; i < n; ++i) impl_->index.PrefetchBlock(hashes[i]);
}

void Database::PrefetchSlotsFor(std::string_view key) const {
  impl_->index.PrefetchSlots(KeyIndex::Hash(key));
}

Entry* Database::Peek(std::string_view key) const {
  return AsEntry(impl_->index.Find(key, KeyIndex::Hash(key)));
}

namespace {

block::Value ObjectValueOf(std::unique_ptr<ObjectValue> value) {
  block::Value v;
  v.type = value->type();
  v.encoding = block::Encoding::kObject;
  v.object = value.release();
  return v;
}

}  // namespace

Entry* Database::SetString(std::string_view key, std::string_view value, TtlMode ttl,
                           int64_t expire_ms, StringForm form) {
  // A big argument the connection lent is kept as it is instead of copied into the block.
  if (const SharedBytes* lent = LentBuffers::Find(value)) [[unlikely]] {
    return SetObject(key, std::make_unique<SharedString>(*lent), ttl, expire_ms);
  }
  Changed();
  return impl_->Set(key, StringValue(value, form), ttl, expire_ms);
}

Entry* Database::SetInt(std::string_view key, int64_t value, TtlMode ttl, int64_t expire_ms) {
  Changed();
  return impl_->Set(key, IntValue(value), ttl, expire_ms);
}

Entry* Database::SetObject(std::string_view key, std::unique_ptr<ObjectValue> value, TtlMode ttl,
                           int64_t expire_ms) {
  Changed();
  return impl_->Set(key, ObjectValueOf(std::move(value)), ttl, expire_ms);
}

Entry* Database::SetString(KeySlot& slot, std::string_view value, TtlMode ttl, int64_t expire_ms,
                           StringForm form) {
  if (const SharedBytes* lent = LentBuffers::Find(value)) [[unlikely]] {
    return SetObject(slot, std::make_unique<SharedString>(*lent), ttl, expire_ms);
  }
  Changed();
  Entry* e =
      impl_->Set(slot.key_, slot.hash_, slot.block_, StringValue(value, form), ttl, expire_ms);
  slot.block_ = reinterpret_cast<Block*>(e);
  return e;
}

Entry* Database::SetInt(KeySlot& slot, int64_t value, TtlMode ttl, int64_t expire_ms) {
  Changed();
  Entry* e = impl_->Set(slot.key_, slot.hash_, slot.block_, IntValue(value), ttl, expire_ms);
  slot.block_ = reinterpret_cast<Block*>(e);
  return e;
}

Entry* Database::SetObject(KeySlot& slot, std::unique_ptr<ObjectValue> value, TtlMode ttl,
                           int64_t expire_ms) {
  Changed();
  Entry* e = impl_->Set(slot.key_, slot.hash_, slot.block_, ObjectValueOf(std::move(value)), ttl,
                        expire_ms);
  slot.block_ = reinterpret_cast<Block*>(e);
  return e;
}

size_t Database::WriteString(KeySlot& slot, size_t offset, std::string_view bytes) {
  Changed();
  slot.block_ = impl_->WriteString(slot.block_, slot.hash_, offset, bytes);
  return slot.entry()->StringLength();
}

std::span<uint8_t> Database::MutableString(KeySlot& slot, size_t min_length) {
  Changed();
  if (slot.block_ == nullptr) {
    slot.block_ = impl_->CreateZeroed(slot.key_, slot.hash_, min_length);
  } else {
    const size_t length = std::max(slot.entry()->StringLength(), min_length);
    slot.block_ = impl_->WriteString(slot.block_, slot.hash_, length, {});
  }
  const std::string_view raw = block::RawValue(slot.block_);
  return {const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(raw.data())), raw.size()};
}

void Database::MakeStringBuffer(KeySlot& slot) {
  Block* b = slot.block_;
  switch (block::EncodingOf(b)) {
    case block::Encoding::kRawBuffer:
    case block::Encoding::kObject:
      return;
    case block::Encoding::kRaw:
      b[0] = static_cast<uint8_t>(
          (b[0] & ~block::kEncodingMask) |
          (static_cast<uint8_t>(block::Encoding::kRawBuffer) << block::kEncodingShift));
      return;
    case block::Encoding::kInt:
      slot.block_ = impl_->WriteString(b, slot.hash_, slot.entry()->StringLength(), {});
      return;
  }
}

bool Database::Delete(std::string_view key) { return Delete(key, impl_->lazy_server_del); }

void Database::Delete(KeySlot& slot) { Delete(slot, impl_->lazy_server_del); }

bool Database::Delete(std::string_view key, bool lazy) {
  const bool deleted = impl_->DeleteKey(key, KeyIndex::Hash(key), lazy);
  if (deleted) Changed();
  return deleted;
}

void Database::Delete(KeySlot& slot, bool lazy) {
  impl_->DeleteKey(slot.key_, slot.hash_, lazy);
  slot.block_ = nullptr;
  Changed();
}

bool Database::HasVolatile(std::string_view key) const {
  const Block* b = impl_->index.Find(key, KeyIndex::Hash(key));
  return b != nullptr && block::HasExpire(b);
}

bool Database::SetExpire(std::string_view key, int64_t expire_ms) {
  if (expire_ms == kNoExpire) return Persist(key) || Peek(key) != nullptr;
  const uint64_t hash = KeyIndex::Hash(key);
  Block* b = impl_->index.Find(key, hash);
  if (b == nullptr) return false;
  if (block::HasExpire(b)) {
    block::SetExpireMs(b, expire_ms);
  } else {
    impl_->Rewrite(b, hash, true, expire_ms, block::Access(b), block::ReadValue(b));
  }
  Changed();
  return true;
}

bool Database::Persist(std::string_view key) {
  const uint64_t hash = KeyIndex::Hash(key);
  Block* b = impl_->index.Find(key, hash);
  if (b == nullptr || !block::HasExpire(b)) return false;
  impl_->Rewrite(b, hash, false, kNoExpire, block::Access(b), block::ReadValue(b));
  Changed();
  return true;
}

bool Database::Rename(std::string_view from, std::string_view to) {
  const uint64_t from_hash = KeyIndex::Hash(from);
  Block* src = impl_->index.Find(from, from_hash);
  if (src == nullptr) return false;
  if (from == to) return true;
  // Drop the destination first: its removal may move `src` within the volatile index.
  impl_->DeleteKey(to, KeyIndex::Hash(to), impl_->lazy_server_del);
  src = impl_->Unlink(from, from_hash);
  const bool has_expire = block::HasExpire(src);
  // The value (object pointer included) moves as bytes, with its access bits: no container
  // is copied, and to Redis it is the same object under a new name.
  impl_->Create(to, KeyIndex::Hash(to), has_expire, has_expire ? block::ExpireMs(src) : kNoExpire,
                block::Access(src), block::ReadValue(src));
  impl_->Free(src);
  Changed();
  return true;
}

bool Database::MoveTo(std::string_view key, Database& dest) {
  if (&dest == this) return Peek(key) != nullptr;
  const uint64_t hash = KeyIndex::Hash(key);
  if (impl_->index.Find(key, hash) == nullptr || dest.impl_->index.Find(key, hash) != nullptr) {
    return false;
  }
  Block* b = impl_->Unlink(key, hash);
  const size_t usable = malloc_usable_size(b);
  impl_->block_bytes -= usable;
  dest.impl_->block_bytes += usable;
  if (block::HasExpire(b)) dest.impl_->AddVolatile(b);
  dest.impl_->index.Insert(b, hash);
  Changed();
  return true;
}

bool Database::CopyTo(std::string_view key, Database& dest, std::string_view dest_key) {
  Block* src = impl_->index.Find(key, KeyIndex::Hash(key));
  if (src == nullptr) return false;
  if (&dest == this && key == dest_key) return true;
  block::Value v = block::ReadValue(src);
  const bool has_expire = block::HasExpire(src);
  const int64_t expire_ms = has_expire ? block::ExpireMs(src) : kNoExpire;
  // Raw bytes alias `src`, which replacing dest_key cannot free (dest_key != key here); copy
  // anyway when the destination is this database, to keep the aliasing argument local.
  std::string raw_copy;
  if ((v.encoding == block::Encoding::kRaw || v.encoding == block::Encoding::kRawBuffer) &&
      &dest == this) {
    raw_copy.assign(v.raw);
    v.raw = raw_copy;
  }
  if (v.encoding == block::Encoding::kObject) v.object = v.object->Clone().release();
  // The copy is a new object: it replaces any old destination and starts with fresh bits.
  const uint64_t dest_hash = KeyIndex::Hash(dest_key);
  dest.impl_->DeleteKey(dest_key, dest_hash, dest.impl_->lazy_server_del);
  dest.impl_->Create(dest_key, dest_hash, has_expire, expire_ms, dest.impl_->clock->NewKeyBits(),
                     v);
  Changed();
  return true;
}

size_t Database::size() const { return impl_->index.size(); }

size_t Database::volatile_size() const { return impl_->volatile_blocks.size(); }

uint64_t Database::Scan(uint64_t cursor, size_t count,
                        const std::function<void(const Entry&)>& visit) const {
  return impl_->index.Scan(cursor, count, [&visit](Block* b) { visit(*AsEntry(b)); });
}

void Database::ForEach(const std::function<void(const Entry&)>& visit) const {
  impl_->index.ForEach([&visit](Block* b) { visit(*AsEntry(b)); });
}

const Entry* Database::RandomEntry() const { return AsEntry(impl_->index.Random(impl_->gen)); }

const Entry* Database::RandomVolatileEntry() const {
  const auto& vol = impl_->volatile_blocks;
  if (vol.empty()) return nullptr;
  return AsEntry(vol[absl::Uniform<size_t>(impl_->gen, 0, vol.size())]);
}

void Database::Sample(bool volatile_only, size_t count,
                      absl::FunctionRef<void(const Entry&)> visit) const {
  if (!volatile_only) {
    impl_->index.Sample(impl_->gen, count, [&visit](Block* b) { visit(*AsEntry(b)); });
    return;
  }
  const auto& vol = impl_->volatile_blocks;
  for (size_t i = 0; i < count && !vol.empty(); ++i) {
    visit(*AsEntry(vol[absl::Uniform<size_t>(impl_->gen, 0, vol.size())]));
  }
}

size_t Database::ActiveExpire(int64_t now_ms, size_t max_samples, int64_t* ttl_sum_ms,
                              int64_t* ttl_samples) {
  size_t deleted = 0;
  if (expiry_paused_) return 0;
  auto& vol = impl_->volatile_blocks;
  for (size_t i = 0; i < max_samples && !vol.empty(); ++i) {
    Block* b = vol[absl::Uniform<size_t>(impl_->gen, 0, vol.size())];
    if (now_ms <= block::ExpireMs(b)) {
      if (ttl_sum_ms != nullptr) {
        *ttl_sum_ms += block::ExpireMs(b) - now_ms;
        ++*ttl_samples;
      }
      continue;
    }
    if (!expire_deletes_) continue;
    const std::string_view key = block::Key(b);
    if (expired_hook_) expired_hook_(key);
    impl_->DeleteKey(key, KeyIndex::Hash(key), impl_->lazy_expire);
    ++deleted;
  }
  return deleted;
}

void Database::Clear() {
  Changed();
  impl_->FreeAll();
  impl_->avg_ttl_ms = 0;
}

void Database::set_lazy_free(std::function<void(std::unique_ptr<ObjectValue>)> hook) {
  impl_->lazy_free = std::move(hook);
}

void Database::set_lazy_expire(bool lazy) { impl_->lazy_expire = lazy; }

void Database::set_lazy_server_del(bool lazy) { impl_->lazy_server_del = lazy; }

int64_t Database::avg_ttl_ms() const { return impl_->avg_ttl_ms; }
void Database::set_avg_ttl_ms(int64_t ms) { impl_->avg_ttl_ms = ms; }

void Database::set_access_clock(AccessClock* clock) { impl_->clock = clock; }

void Database::Reserve(size_t keys) { impl_->index.Reserve(keys); }

void Database::Swap(Database& other) {
  // Hooks stay with their Database object (they know which db number they report for), and so
  // does the access clock: a database loaded on the side must not bring its own clock along.
  AccessClock* const mine = impl_->clock;
  AccessClock* const theirs = other.impl_->clock;
  impl_.swap(other.impl_);
  Changed();
  impl_->clock = mine;
  other.impl_->clock = theirs;
  // So do the lazy-free settings.
  std::swap(impl_->lazy_free, other.impl_->lazy_free);
  std::swap(impl_->lazy_expire, other.impl_->lazy_expire);
  std::swap(impl_->lazy_server_del, other.impl_->lazy_server_del);
}

void Database::set_expired_hook(std::function<void(std::string_view key)> hook) {
  expired_hook_ = std::move(hook);
}

size_t Database::MemoryUsage() const {
  return impl_->block_bytes + MainIndexMemoryUsage() + VolatileIndexMemoryUsage();
}

size_t Database::MainIndexMemoryUsage() const { return impl_->index.MemoryUsage(); }

size_t Database::VolatileIndexMemoryUsage() const {
  return impl_->volatile_blocks.capacity() * sizeof(Block*);
}

}  // namespace rill::ds
