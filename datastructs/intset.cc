#include "datastructs/intset.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace rill::ds {
namespace {

constexpr size_t kHeader = 8;

uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void Store32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, sizeof(v)); }

size_t EncodingFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

int64_t Read(const uint8_t* values, size_t i, size_t encoding) {
  switch (encoding) {
    case 2: {
      int16_t v;
      std::memcpy(&v, values + i * 2, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, values + i * 4, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, values + i * 8, 8);
      return v;
    }
  }
}

void Write(uint8_t* values, size_t i, size_t encoding, int64_t v) {
  switch (encoding) {
    case 2: {
      const int16_t x = static_cast<int16_t>(v);
      std::memcpy(values + i * 2, &x, 2);
      break;
    }
    case 4: {
      const int32_t x = static_cast<int32_t>(v);
      std::memcpy(values + i * 4, &x, 4);
      break;
    }
    default:
      std::memcpy(values + i * 8, &v, 8);
  }
}

uint8_t* Allocate(size_t bytes, uint8_t* old = nullptr) {
  auto* p = static_cast<uint8_t*>(std::realloc(old, bytes));
  if (p == nullptr) std::abort();
  return p;
}

}  // namespace

IntSet::IntSet() : data_(Allocate(kHeader)) {
  Store32(data_, 2);
  Store32(data_ + 4, 0);
}

IntSet::IntSet(const IntSet& other) {
  const std::string_view blob = other.Blob();
  data_ = Allocate(blob.size());
  std::memcpy(data_, blob.data(), blob.size());
}

IntSet::~IntSet() { std::free(data_); }

size_t IntSet::size() const { return Load32(data_ + 4); }
size_t IntSet::encoding() const { return Load32(data_); }

int64_t IntSet::At(size_t i) const { return Read(data_ + kHeader, i, encoding()); }

void IntSet::Set(size_t i, int64_t v) { Write(data_ + kHeader, i, encoding(), v); }

std::string_view IntSet::Blob() const {
  return {reinterpret_cast<const char*>(data_), kHeader + size() * encoding()};
}

size_t IntSet::MemoryUsage() const { return malloc_usable_size(data_); }

size_t IntSet::Search(int64_t v, bool* found) const {
  size_t lo = 0, hi = size();
  const size_t enc = encoding();
  const uint8_t* values = data_ + kHeader;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t x = Read(values, mid, enc);
    if (x == v) {
      *found = true;
      return mid;
    }
    if (x < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *found = false;
  return lo;
}

bool IntSet::Contains(int64_t v) const {
  if (EncodingFor(v) > encoding()) return false;
  bool found;
  Search(v, &found);
  return found;
}

void IntSet::Resize(size_t count, size_t encoding) {
  data_ = Allocate(kHeader + count * encoding, data_);
  Store32(data_, static_cast<uint32_t>(encoding));
  Store32(data_ + 4, static_cast<uint32_t>(count));
}

bool IntSet::Add(int64_t v) {
  const size_t n = size();
  const size_t enc = encoding();
  const size_t wanted = EncodingFor(v);
  if (wanted > enc) {
    // Upgrade: every value widens, from the back so nothing is overwritten before it is read.
    // `v` lies outside the old range, so it goes first (negative) or last.
    data_ = Allocate(kHeader + (n + 1) * wanted, data_);
    const bool first = v < 0;
    for (size_t i = n; i-- > 0;) {
      Write(data_ + kHeader, i + (first ? 1 : 0), wanted, Read(data_ + kHeader, i, enc));
    }
    Store32(data_, static_cast<uint32_t>(wanted));
    Store32(data_ + 4, static_cast<uint32_t>(n + 1));
    Set(first ? 0 : n, v);
    return true;
  }
  bool found;
  const size_t at = Search(v, &found);
  if (found) return false;
  Resize(n + 1, enc);
  uint8_t* values = data_ + kHeader;
  std::memmove(values + (at + 1) * enc, values + at * enc, (n - at) * enc);
  Set(at, v);
  return true;
}

void IntSet::RemoveAt(size_t i) {
  const size_t n = size();
  const size_t enc = encoding();
  uint8_t* values = data_ + kHeader;
  std::memmove(values + i * enc, values + (i + 1) * enc, (n - i - 1) * enc);
  Resize(n - 1, enc);
}

bool IntSet::Remove(int64_t v) {
  if (EncodingFor(v) > encoding()) return false;
  bool found;
  const size_t at = Search(v, &found);
  if (!found) return false;
  RemoveAt(at);
  return true;
}

const char* IntSet::Load(std::string_view blob) {
  if (blob.size() < kHeader) return "intset shorter than its header";
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const uint32_t enc = Load32(p);
  if (enc != 2 && enc != 4 && enc != 8) return "intset with an unknown encoding";
  const uint32_t count = Load32(p + 4);
  if (blob.size() != kHeader + uint64_t{count} * enc) {
    return "intset length does not match its size";
  }
  if (count == 0) return "empty intset";
  for (size_t i = 1; i < count; ++i) {
    if (Read(p + kHeader, i - 1, enc) >= Read(p + kHeader, i, enc)) {
      return "intset values not strictly ascending";
    }
  }
  data_ = Allocate(blob.size(), data_);
  std::memcpy(data_, blob.data(), blob.size());
  return nullptr;
}

}  // namespace rill::ds
