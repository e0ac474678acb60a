// Where Redis 7.0's quicklist would cut a list pushed element by element at its tail into
// nodes (quicklist.c _quicklistNodeAllowInsert), so that a list Rill writes has the node layout
// a Redis-built list of the same elements would have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "persistence/listpack.h"
#include "persistence/rdb_format.h"

namespace rill::persistence {

class QuicklistChunker {
 public:
  // `fill` is list-max-listpack-size: negative for a byte limit per node (-1..-5: 4..64 KB),
  // positive for an element count (and at most 8 KB per node).
  explicit QuicklistChunker(int64_t fill)
      : fill_(fill > kFillMax ? kFillMax : (fill < -5 ? -5 : fill)) {}

  // Feeds the next element; true when it starts a new node (always for the first one).
  bool StartsNewNode(std::string_view element) {
    const size_t sz = element.size();
    if (sz >= rdb::kPlainNodeThreshold) {
      plain_ = true;
      open_ = true;
      return true;
    }
    if (open_ && !plain_ && AllowInsert(sz)) {
      node_bytes_ += ListpackBuilder::StringEntrySize(element);
      ++node_count_;
      return false;
    }
    plain_ = false;
    open_ = true;
    node_bytes_ = kEmptyListpackBytes + ListpackBuilder::StringEntrySize(element);
    node_count_ = 1;
    return true;
  }
  // Whether the node the last element opened is a plain (single huge element) node.
  bool plain() const { return plain_; }

 private:
  static constexpr int64_t kFillMax = 1 << 15;
  static constexpr size_t kSafetyLimit = 8192;
  static constexpr size_t kEmptyListpackBytes = 7;

  bool AllowInsert(size_t sz) const {
    // Redis still estimates the new size with ziplist-era overheads.
    size_t overhead = sz < 254 ? 1 : 5;
    overhead += sz < 64 ? 1 : (sz < 16384 ? 2 : 5);
    const size_t new_sz = node_bytes_ + sz + overhead;
    if (fill_ < 0) {
      static constexpr size_t kLevels[] = {4096, 8192, 16384, 32768, 65536};
      if (new_sz <= kLevels[-fill_ - 1]) return true;
    }
    if (new_sz > kSafetyLimit) return false;
    return static_cast<int64_t>(node_count_) < fill_;
  }

  int64_t fill_;
  bool open_ = false;
  bool plain_ = false;
  size_t node_bytes_ = 0;
  size_t node_count_ = 0;
};

}  // namespace rill::persistence
