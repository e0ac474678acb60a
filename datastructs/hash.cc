#include "datastructs/hash.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "datastructs/packed_table.h"
#include "datastructs/sampling.h"
#include "datastructs/varint.h"

namespace rill::ds {
namespace {

// Redis refuses to grow a listpack past 1 GB (lpSafeToAdd) and converts instead.
constexpr size_t kMaxPackBytes = size_t{1} << 30;

size_t EntryBytes(std::string_view field, std::string_view value) {
  return VarintSize(field.size()) + field.size() + VarintSize(value.size()) + value.size();
}

char* WriteEntry(char* p, std::string_view field, std::string_view value) {
  p = PutVarint(p, field.size());
  std::memcpy(p, field.data(), field.size());
  p = PutVarint(p + field.size(), value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  return p + value.size();
}

// One listpack entry, decoded from `p`.
struct PackEntry {
  std::string_view field;
  std::string_view value;
  const char* end;
};
PackEntry ReadEntry(const char* p) {
  uint64_t len;
  PackEntry e;
  p = GetVarint(p, &len);
  e.field = {p, static_cast<size_t>(len)};
  p = GetVarint(p + len, &len);
  e.value = {p, static_cast<size_t>(len)};
  e.end = p + len;
  return e;
}

}  // namespace

Hash::Hash(const Hash& other) : ObjectValue() {
  if (other.is_listpack()) {
    if (other.bytes_ > 0) {
      rep_ = std::malloc(other.bytes_);
      if (rep_ == nullptr) std::abort();
      std::memcpy(rep_, other.rep_, other.bytes_);
    }
    bytes_ = other.bytes_;
    pack_count_ = other.pack_count_;
  } else {
    rep_ = new PackedTable(*other.table());
    bytes_ = kTableForm;
  }
}

Hash::~Hash() {
  if (is_listpack()) {
    std::free(rep_);
  } else {
    delete table();
  }
}

std::unique_ptr<ObjectValue> Hash::Clone() const { return std::make_unique<Hash>(*this); }

size_t Hash::MemoryUsage() const {
  size_t bytes = sizeof(*this);
  if (!is_listpack()) return bytes + table()->MemoryUsage();
  return bytes + (rep_ != nullptr ? malloc_usable_size(rep_) : 0);
}

std::string_view Hash::EncodingName() const { return is_listpack() ? "listpack" : "hashtable"; }

size_t Hash::size() const { return is_listpack() ? pack_count_ : table()->size(); }

int64_t Hash::PackFind(std::string_view field) const {
  const char* base = static_cast<const char*>(rep_);
  const char* p = base;
  const char* end = base + bytes_;
  while (p < end) {
    uint64_t len;
    const char* f = GetVarint(p, &len);
    if (len == field.size() && std::memcmp(f, field.data(), len) == 0) return p - base;
    uint64_t value_len;
    p = GetVarint(f + len, &value_len);
    p += value_len;
  }
  return -1;
}

bool Hash::Get(std::string_view field, std::string_view* value) const {
  if (!is_listpack()) return table()->Find(field, value);
  const int64_t at = PackFind(field);
  if (at < 0) return false;
  if (value != nullptr) *value = ReadEntry(static_cast<const char*>(rep_) + at).value;
  return true;
}

void Hash::PackReserve(size_t bytes) {
  if (rep_ != nullptr && malloc_usable_size(rep_) >= bytes) return;
  void* p = std::realloc(rep_, bytes);
  if (p == nullptr) std::abort();
  rep_ = p;
}

void Hash::PackAppend(std::string_view field, std::string_view value) {
  const size_t n = EntryBytes(field, value);
  PackReserve(bytes_ + n);
  WriteEntry(static_cast<char*>(rep_) + bytes_, field, value);
  bytes_ += static_cast<uint32_t>(n);
  ++pack_count_;
}

void Hash::PackReplace(size_t offset, size_t old_bytes, std::string_view field,
                       std::string_view value) {
  const size_t n = EntryBytes(field, value);
  if (n > old_bytes) PackReserve(bytes_ + (n - old_bytes));
  char* base = static_cast<char*>(rep_);
  // `field` may be the caller's copy; the old entry's bytes are overwritten only now.
  std::memmove(base + offset + n, base + offset + old_bytes, bytes_ - offset - old_bytes);
  WriteEntry(base + offset, field, value);
  bytes_ = static_cast<uint32_t>(bytes_ + n - old_bytes);
}

void Hash::PackErase(size_t offset, size_t n) {
  char* base = static_cast<char*>(rep_);
  std::memmove(base + offset, base + offset + n, bytes_ - offset - n);
  bytes_ -= static_cast<uint32_t>(n);
  --pack_count_;
  // Give back what deletions leave unused, as Redis's listpack shrinks on delete.
  const size_t usable = malloc_usable_size(rep_);
  if (bytes_ == 0) {
    std::free(rep_);
    rep_ = nullptr;
  } else if (usable - bytes_ >= 64 && usable - bytes_ > bytes_ / 4) {
    void* p = std::realloc(rep_, bytes_);
    if (p != nullptr) rep_ = p;
  }
}

bool Hash::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (is_listpack() &&
      (field.size() > limits.max_listpack_value || value.size() > limits.max_listpack_value ||
       bytes_ + EntryBytes(field, value) > kMaxPackBytes)) {
    ConvertToTable();
  }
  if (!is_listpack()) return table()->Set(field, value);
  const int64_t at = PackFind(field);
  if (at >= 0) {
    char* p = static_cast<char*>(rep_) + at;
    const PackEntry old = ReadEntry(p);
    if (old.value.size() == value.size()) {
      if (!value.empty())
        std::memcpy(const_cast<char*>(old.value.data()), value.data(), value.size());
    } else {
      PackReplace(static_cast<size_t>(at), static_cast<size_t>(old.end - p), field, value);
    }
    return false;
  }
  PackAppend(field, value);
  if (pack_count_ > limits.max_listpack_entries) ConvertToTable();
  return true;
}

bool Hash::Erase(std::string_view field) {
  if (!is_listpack()) return table()->Erase(field);
  const int64_t at = PackFind(field);
  if (at < 0) return false;
  const char* p = static_cast<const char*>(rep_) + at;
  PackErase(static_cast<size_t>(at), static_cast<size_t>(ReadEntry(p).end - p));
  return true;
}

void Hash::ConvertToTable() {
  if (!is_listpack()) return;
  auto table = std::make_unique<PackedTable>();
  table->Reserve(pack_count_);
  ForEach([&table](std::string_view f, std::string_view v) { table->Add(f, v); });
  std::free(rep_);
  rep_ = table.release();
  bytes_ = kTableForm;
  pack_count_ = 0;
}

void Hash::ReserveTable(size_t n) {
  ConvertToTable();
  table()->Reserve(n);
}

void Hash::ForEach(Visit visit) const {
  if (!is_listpack()) {
    table()->ForEach([&visit](const PackedTable::Entry& e) { visit(e.key, e.value); });
    return;
  }
  const char* p = static_cast<const char*>(rep_);
  const char* end = p + bytes_;
  while (p < end) {
    const PackEntry e = ReadEntry(p);
    visit(e.field, e.value);
    p = e.end;
  }
}

uint64_t Hash::Scan(uint64_t cursor, size_t count, Visit visit) const {
  if (is_listpack()) {
    ForEach(visit);
    return 0;
  }
  return table()->Scan(cursor, count,
                       [&visit](const PackedTable::Entry& e) { visit(e.key, e.value); });
}

void Hash::Random(absl::BitGen& gen, Visit visit) const {
  if (!is_listpack()) {
    const PackedTable::Entry e = table()->Random(gen);
    visit(e.key, e.value);
    return;
  }
  size_t skip = absl::Uniform<size_t>(gen, 0, pack_count_);
  const char* p = static_cast<const char*>(rep_);
  for (;; --skip) {
    const PackEntry e = ReadEntry(p);
    if (skip == 0) {
      visit(e.field, e.value);
      return;
    }
    p = e.end;
  }
}

void Hash::SampleDistinct(absl::BitGen& gen, size_t count, Visit visit) const {
  const size_t n = size();
  if (count >= n) {
    ForEach(visit);
    return;
  }
  // Few enough of all: walk once and keep a uniform subset (selection sampling).
  if (is_listpack() || count * 3 > n) {
    SelectionSampler sampler(n, count);
    ForEach([&](std::string_view f, std::string_view v) {
      if (sampler.Take(gen)) visit(f, v);
    });
    return;
  }
  // Much fewer than all: random picks, skipping repeats.
  absl::flat_hash_set<std::string_view> picked;
  picked.reserve(count);
  while (picked.size() < count) {
    const PackedTable::Entry e = table()->Random(gen);
    if (picked.insert(e.key).second) visit(e.key, e.value);
  }
}

}  // namespace rill::ds
