#include "datastructs/packed_table.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

#include "datastructs/key_hash.h"
#include "datastructs/varint.h"

namespace rill::ds {
namespace {

// The first byte of a big entry's stub (an inline entry's header is even).
constexpr uint8_t kBigMark = 0x01;
constexpr size_t kStubSize = 1 + sizeof(char*);

size_t EncodedSize(std::string_view key, std::string_view value) {
  return VarintSize(key.size() << 1) + key.size() + VarintSize(value.size()) + value.size();
}

char* BigBlockOf(const char* stub) {
  char* block;
  std::memcpy(&block, stub + 1, sizeof(block));
  return block;
}

void* CheckedRealloc(void* p, size_t n) {
  void* q = std::realloc(p, n);
  if (q == nullptr) std::abort();
  return q;
}

}  // namespace

PackedTable::Arena::~Arena() { std::free(data); }

std::string_view PackedTable::Policy::KeyOf(const Arena* arena, uint32_t offset) {
  const char* p = arena->data + offset;
  if (static_cast<uint8_t>(*p) == kBigMark) {
    uint64_t len;
    p = GetVarint(BigBlockOf(p), &len);
    return {p, static_cast<size_t>(len)};
  }
  uint64_t header;
  p = GetVarint(p, &header);
  return {p, static_cast<size_t>(header >> 1)};
}

uint64_t PackedTable::Policy::Hash(std::string_view key) { return HashKey(key); }

uint32_t PackedTable::Policy::Transfer(Arena& from, uint32_t offset, Arena& to) {
  const size_t n = ArenaSize(from, offset);
  Grow(to, n);
  const uint32_t at = to.used;
  std::memcpy(to.data + at, from.data + offset, n);
  to.used += static_cast<uint32_t>(n);
  return at;
}

void PackedTable::Policy::Prepare(const Arena& from, size_t part, size_t total, Arena& to) {
  if (total == 0) return;
  const size_t live = from.used - from.dead;
  // A uniform hash splits the bytes about like the entries; 1/8 more covers the unevenness.
  const size_t want = to.capacity + live * part / total + live * part / total / 8 + 16;
  to.data = static_cast<char*>(CheckedRealloc(to.data, want));
  to.capacity = static_cast<uint32_t>(want);
}

PackedTable::Entry PackedTable::Read(const Arena& arena, uint32_t offset) {
  const char* p = arena.data + offset;
  uint64_t key_len, value_len;
  if (static_cast<uint8_t>(*p) == kBigMark) {
    p = GetVarint(BigBlockOf(p), &key_len);
  } else {
    p = GetVarint(p, &key_len);
    key_len >>= 1;
  }
  Entry e;
  e.key = {p, static_cast<size_t>(key_len)};
  p = GetVarint(p + key_len, &value_len);
  e.value = {p, static_cast<size_t>(value_len)};
  return e;
}

bool PackedTable::IsBig(const Arena& arena, uint32_t offset) {
  return static_cast<uint8_t>(arena.data[offset]) == kBigMark;
}

size_t PackedTable::ArenaSize(const Arena& arena, uint32_t offset) {
  if (IsBig(arena, offset)) return kStubSize;
  const Entry e = Read(arena, offset);
  return static_cast<size_t>(e.value.data() + e.value.size() - (arena.data + offset));
}

void PackedTable::Grow(Arena& arena, size_t n) {
  if (arena.capacity - arena.used >= n) return;
  // A quarter more each time: an arena's bytes are copied a bounded number of times as it
  // fills, and the slack stays small.
  size_t want = arena.used + n;
  want += want / 4 + 32;
  arena.data = static_cast<char*>(CheckedRealloc(arena.data, want));
  arena.capacity = static_cast<uint32_t>(want);
}

uint32_t PackedTable::Append(Arena& arena, std::string_view key, std::string_view value,
                             size_t* big_bytes) {
  const size_t encoded = EncodedSize(key, value);
  const bool big = encoded > kMaxInlineEntry;
  Grow(arena, big ? kStubSize : encoded);
  const uint32_t at = arena.used;
  char* p = arena.data + at;
  if (big) {
    const size_t block_size =
        VarintSize(key.size()) + key.size() + VarintSize(value.size()) + value.size();
    char* block = static_cast<char*>(std::malloc(block_size));
    if (block == nullptr) std::abort();
    *big_bytes += malloc_usable_size(block);
    *p = static_cast<char>(kBigMark);
    std::memcpy(p + 1, &block, sizeof(block));
    arena.used += kStubSize;
    p = PutVarint(block, key.size());
  } else {
    arena.used += static_cast<uint32_t>(encoded);
    p = PutVarint(p, key.size() << 1);
  }
  std::memcpy(p, key.data(), key.size());
  p = PutVarint(p + key.size(), value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  return at;
}

void PackedTable::Release(Arena& arena, uint32_t offset) {
  const size_t n = ArenaSize(arena, offset);
  if (IsBig(arena, offset)) {
    char* block = BigBlockOf(arena.data + offset);
    big_bytes_ -= malloc_usable_size(block);
    std::free(block);
  }
  arena.dead += static_cast<uint32_t>(n);
}

void PackedTable::MaybeCompact(Table::Ref ref) {
  Arena& arena = ref.store();
  if (arena.dead < 64 || arena.dead * 4 < arena.used) return;
  const size_t live = arena.used - arena.dead;
  Arena fresh;
  fresh.capacity = static_cast<uint32_t>(live + live / 8 + 16);
  fresh.data = static_cast<char*>(CheckedRealloc(nullptr, fresh.capacity));
  Table::ForEachSlotOf(ref.segment,
                       [&](uint32_t& offset) { offset = Policy::Transfer(arena, offset, fresh); });
  std::swap(arena.data, fresh.data);
  std::swap(arena.capacity, fresh.capacity);
  arena.used = fresh.used;
  arena.dead = 0;
}

PackedTable::PackedTable(const PackedTable& other) {
  table_.Reserve(other.size());
  other.ForEach([this](const Entry& e) { Add(e.key, e.value); });
}

PackedTable::~PackedTable() { FreeBigEntries(); }

void PackedTable::FreeBigEntries() {
  if (big_bytes_ == 0) return;
  table_.ForEach([](const Arena* arena, uint32_t offset) {
    if (IsBig(*arena, offset)) std::free(BigBlockOf(arena->data + offset));
  });
  big_bytes_ = 0;
}

void PackedTable::Clear() {
  FreeBigEntries();
  table_.Clear();
}

bool PackedTable::Find(std::string_view key, std::string_view* value) const {
  const Table::Ref ref = table_.Find(key, HashKey(key));
  if (!ref) return false;
  if (value != nullptr) *value = Read(ref.store(), *ref.slot).value;
  return true;
}

bool PackedTable::Add(std::string_view key, std::string_view value) {
  bool inserted;
  table_.FindOrInsert(
      key, HashKey(key), [&](Arena& arena) { return Append(arena, key, value, &big_bytes_); },
      &inserted);
  return inserted;
}

bool PackedTable::Set(std::string_view key, std::string_view value) {
  bool inserted;
  const Table::Ref ref = table_.FindOrInsert(
      key, HashKey(key), [&](Arena& arena) { return Append(arena, key, value, &big_bytes_); },
      &inserted);
  if (inserted) return true;
  Arena& arena = ref.store();
  const uint32_t offset = *ref.slot;
  const Entry old = Read(arena, offset);
  if (old.value.size() == value.size()) {
    // Same length, same layout: overwrite the bytes where they are (inline or in the block).
    if (!value.empty())
      std::memcpy(const_cast<char*>(old.value.data()), value.data(), value.size());
    return false;
  }
  // Append the new entry, then drop the old one (its size and block are read first: the
  // append may move the arena).
  const size_t old_size = ArenaSize(arena, offset);
  const bool old_big = IsBig(arena, offset);
  char* old_block = old_big ? BigBlockOf(arena.data + offset) : nullptr;
  *ref.slot = Append(arena, key, value, &big_bytes_);
  if (old_big) {
    big_bytes_ -= malloc_usable_size(old_block);
    std::free(old_block);
  }
  arena.dead += static_cast<uint32_t>(old_size);
  MaybeCompact(ref);
  return false;
}

bool PackedTable::Erase(std::string_view key) {
  auto* segment = table_.Erase(key, HashKey(key),
                               [this](Arena& arena, uint32_t offset) { Release(arena, offset); });
  if (segment == nullptr) return false;
  Table::Ref ref;
  ref.segment = segment;
  MaybeCompact(ref);
  return true;
}

uint64_t PackedTable::Scan(uint64_t cursor, size_t count,
                           absl::FunctionRef<void(const Entry&)> visit) const {
  return table_.Scan(cursor, count, [&visit](const Arena* arena, uint32_t offset) {
    visit(Read(*arena, offset));
  });
}

void PackedTable::ForEach(absl::FunctionRef<void(const Entry&)> visit) const {
  table_.ForEach([&visit](const Arena* arena, uint32_t offset) { visit(Read(*arena, offset)); });
}

PackedTable::Entry PackedTable::Random(absl::BitGen& gen) const {
  const Arena* arena = nullptr;
  uint32_t offset = 0;
  table_.Random(gen, &arena, &offset);
  return Read(*arena, offset);
}

size_t PackedTable::MemoryUsage() const {
  size_t bytes = sizeof(*this) + table_.MemoryUsage() + big_bytes_;
  table_.ForEachStore([&bytes](const Arena& arena) { bytes += arena.capacity; });
  return bytes;
}

}  // namespace rill::ds
