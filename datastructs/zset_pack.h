// ZPack: the small form of a sorted set (Redis's listpack encoding), one packed buffer of
// entries in (score, member) order:
//
//   +-------------------------+---------------------+--------------+
//   | score: tag byte, then   | member length       | member bytes |
//   | 0, 1, 2, 4 or 8 bytes   | (varint)            |              |
//   +-------------------------+---------------------+--------------+
//
// Scores that are whole numbers take 1 byte (0..239) to 9 bytes, like listpack's integer
// encodings; others are the raw 8-byte double (-0.0 stays a double, so its sign survives).
// Every operation is a linear walk, which is what the size limits
// (zset-max-listpack-entries / -value) keep cheap.
//
// The buffer is owned through the caller's pointer (the ZSet keeps the three words in its own
// object, so a small sorted set is two allocations); ZPack is a namespace of operations on it.
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

  ZPack() = default;
  ZPack(const ZPack& other);
  ZPack& operator=(const ZPack&) = delete;
  ~ZPack();

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
  // Longest member, in bytes (for converting back from the big form).
  size_t MaxMemberLength() const;
  // Gives unused room back (after a build or removals).
  void Shrink();
};

// Bytes one entry takes (exposed for tests and for the conversion's size check).
size_t ZPackEntryBytes(double score, size_t member_len);

}  // namespace rill::ds
