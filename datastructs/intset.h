// IntSet: a sorted array of distinct int64 values in the narrowest of int16/int32/int64 that
// holds them all, byte for byte Redis's intset (the small form of a set of integers):
//
//   +----------------------+--------------------+-------------------------------------+
//   | encoding: uint32 LE  | length: uint32 LE  | length values, ascending, each      |
//   | (2, 4 or 8 bytes per |                    | `encoding` bytes little endian      |
//   |  value)              |                    |                                     |
//   +----------------------+--------------------+-------------------------------------+
//
// so that RDB's SET_INTSET payload is the blob itself. Adding a value too wide for the current
// encoding upgrades every value (Redis never downgrades: nor does this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rill::ds {

class IntSet {
 public:
  IntSet();
  IntSet(const IntSet& other);
  IntSet& operator=(const IntSet&) = delete;
  ~IntSet();

  size_t size() const;
  // Bytes per value: 2, 4 or 8.
  size_t encoding() const;
  int64_t At(size_t i) const;  // REQUIRES: i < size(); ascending order
  bool Contains(int64_t v) const;
  // Inserts `v` in order. False if it was present.
  bool Add(int64_t v);
  bool Remove(int64_t v);
  void RemoveAt(size_t i);

  // The Redis blob (header + values); valid until the next change.
  std::string_view Blob() const;
  size_t MemoryUsage() const;

  // Checks a blob from outside (an RDB file) as Redis's intsetValidateIntegrity does with deep
  // sanitization: a known encoding, a length that matches the size, at least one value, values
  // strictly ascending (hence distinct). On success replaces this set's contents and returns
  // nullptr; otherwise returns why and leaves the set alone.
  const char* Load(std::string_view blob);

 private:
  void Resize(size_t count, size_t encoding);
  size_t Search(int64_t v, bool* found) const;
  void Set(size_t i, int64_t v);

  uint8_t* data_;  // header + values (malloc)
};

}  // namespace rill::ds
