// ZPack: the small form of a sorted set (Redis's listpack encoding), one packed buffer of
// entries in (score, member) order:
//
//   +-------------------------+---------------------+--------------+
//   | score: tag byte, then   | member length       | member bytes |
//   | 0, 1, 2, 4 or 8 bytes   | (varint)            |              |
//   +-------------------------+---------------------+--------------+
//
// Scores that are whole numbers (within +-2^62, Redis's double2ll rule) take 1 byte (0..239)
// to 9 bytes, like listpack's integer encodings; others are the raw 8-byte double. As in
// Redis's listpack, -0.0 is stored as the integer 0.
// Every operation is a linear walk, which is what the size limits
// (zset-max-listpack-entries / -value) keep cheap.
//
// ZPack is three plain words kept inside the ZSet object (a small sorted set is two
// allocations); the owner frees the buffer (Free) and copies it (CopyFrom) explicitly. The
// buffer is reallocated to the exact size on every change, as Redis's listpack is: the small
// form trades a realloc per write for no spare bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "datastructs/zset_order.h"

namespace rill::ds {

struct ZPack {
  char* buf = nullptr;  // malloc'd, or nullptr when empty
  uint32_t bytes = 0;   // of entries
  uint32_t count = 0;

  void Free();
  // REQUIRES: this is empty (no buffer).
  void CopyFrom(const ZPack& other);

  size_t AllocatedBytes() const;

  // Finds `member`: sets *score (and *rank when non-null) and returns true.
  bool Find(std::string_view member, double* score, size_t* rank = nullptr) const;
  // Adds (score, member) in order. REQUIRES: member absent.
  void Insert(double score, std::string_view member);
  // Removes `member`; false when absent.
  bool Erase(std::string_view member);
  size_t CountBefore(const ZBound& bound) const;
  // As ZTree::ForRange.
  void ForRange(size_t start, size_t end, bool reverse,
                absl::FunctionRef<bool(double score, std::string_view member)> visit) const;
  // As ZTree::EraseRanks.
  void EraseRanks(size_t start, size_t n,
                  absl::FunctionRef<void(double score, std::string_view member)> removed);
  // Longest member, in bytes.
  size_t MaxMemberLength() const;

 private:
  // Reallocates the buffer to exactly n bytes (frees it at 0).
  void Resize(size_t n);
};

// Whether a packed score is stored as an integer, and which: Redis 7.0's double2ll (a whole
// number within +-2^62; -0.0 gives 0). RDB listpacks store such scores as integers too.
bool ZScoreAsInteger(double score, int64_t* v);

// Bytes one entry takes (exposed for tests and for the conversion's size check).
size_t ZPackEntryBytes(double score, size_t member_len);

}  // namespace rill::ds
