// A Redis list: elements packed into chunks (like Redis's quicklist of listpacks), not a heap
// node per element.
//
// A node is one malloc'd buffer of entries laid out like a listpack entry:
//
//   +------------------+-------------+-----------------------------------+
//   | len (varint, LE) | len bytes   | backlen: size of the first two    |
//   |                  |             | fields, 7 bits/byte, read from    |
//   |                  |             | the right (0x80 = more to the left)|
//   +------------------+-------------+-----------------------------------+
//
// so an entry can be read forwards from its start or backwards from its end. Nodes are bounded
// by list-max-listpack-size, so a push or pop touches one small buffer; index operations walk
// the nodes, then the entries of one node.
//
// A node keeps spare room at both ends: a push at the head writes into the room before the
// entries instead of moving the whole node (Redis's listpack moves it, half a node per LPUSH on
// average), and a pop at either end just widens the room. Room grows by an eighth of the node
// when it runs out, so a node's bytes are copied a bounded number of times however many
// elements pass through it. It is given back when a node fills up (a new node takes the pushes)
// and when it exceeds half the entries' size (after pops), so only the nodes at the ends of a
// list carry any.
//
// Public API for persistence: ForEach() visits elements head to tail; building is PushBack().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/value.h"

namespace rill::ds {

// How big a node may grow: list-max-listpack-size. Negative: -1..-5 → 4, 8, 16, 32, 64 KB per
// node. Positive: that many elements per node (and at most 8 KB, Redis's safety limit).
struct ListLimits {
  int64_t max_listpack_size = -2;
};

class List final : public ObjectValue {
 public:
  explicit List(ListLimits limits = {}) : limits_(limits) {}
  List(const List& other);
  List& operator=(const List&) = delete;
  ~List() override;

  static constexpr ValueType kType = ValueType::kList;
  ValueType type() const override { return kType; }
  std::unique_ptr<ObjectValue> Clone() const override;
  size_t MemoryUsage() const override;
  // Redis 7.0 reports every list as a quicklist.
  std::string_view EncodingName() const override { return "quicklist"; }
  size_t FreeEffort() const override { return nodes_.size(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t node_count() const { return nodes_.size(); }
  void set_limits(ListLimits limits) { limits_ = limits; }
  const ListLimits& limits() const { return limits_; }

  void PushFront(std::string_view value);
  void PushBack(std::string_view value);
  // REQUIRES: !empty().
  std::string PopFront();
  std::string PopBack();

  // Element at a zero-based index (REQUIRES: index < size()). Valid until the next change.
  std::string_view At(size_t index) const;
  // Replaces the element at `index` (REQUIRES: index < size()).
  void Set(size_t index, std::string_view value);
  // Inserts before position `index` (index == size() appends).
  void Insert(size_t index, std::string_view value);
  // Removes `count` elements starting at `index` (clamped to the end).
  void Erase(size_t index, size_t count);

  // Visits elements [start, end] (inclusive, REQUIRES: start <= end < size()) head to tail, or
  // tail to head when `reverse` (then from `end` down to `start`). The visitor returns false to
  // stop early.
  void ForRange(size_t start, size_t end, bool reverse,
                const std::function<bool(size_t index, std::string_view value)>& visit) const;
  void ForEach(const std::function<void(std::string_view value)>& visit) const;

 private:
  // One packed node. Owns the allocation that starts `front` bytes before `buf`
  // (malloc/realloc/free); moved, never copied implicitly.
  struct Node {
    char* buf = nullptr;  // the first entry
    uint32_t bytes = 0;   // of entries, from buf
    uint32_t count = 0;
    uint32_t front = 0;  // spare bytes before buf
    uint32_t back = 0;   // spare bytes after the last entry
    char* base() const { return buf - front; }
  };

  // Whether `node` may take one more entry of `entry_bytes` bytes.
  bool Fits(const Node& node, size_t entry_bytes) const;
  // Node holding element `index`; *in_node is the element's index inside it.
  size_t Locate(size_t index, size_t* in_node) const;
  // Byte offset of element `i` of `node`.
  static size_t OffsetOf(const Node& node, size_t i);
  // Writes one entry for `value` into `node` at byte `offset`, moving the shorter side.
  static void InsertEntry(Node& node, size_t offset, std::string_view value);
  // Removes bytes [from, to) holding `n` entries from `node`, moving the shorter side.
  static void EraseBytes(Node& node, size_t from, size_t to, size_t n);
  // Make sure `node` has `need` spare bytes before / after its entries.
  static void ReserveFront(Node& node, size_t need);
  static void ReserveBack(Node& node, size_t need);
  // Gives the spare room back once it outgrows the entries (after removals).
  static void MaybeShrink(Node& node);
  // Gives all of the spare room back.
  static void Compact(Node& node);
  // Inserts a new empty node at position `at` and returns it.
  Node& NewNode(size_t at);
  void RemoveNode(size_t at);

  ListLimits limits_;
  std::vector<Node> nodes_;
  size_t size_ = 0;
};

// Sizes of one packed entry (exposed for tests of node boundaries).
size_t ListEntryBytes(size_t value_len);

// Spare room added when a node's end runs out of it: an eighth of its entries' bytes, so
// pushing n bytes through one end copies O(n) bytes in all.
inline size_t ListNodeGrowthSlack(size_t node_bytes) { return node_bytes / 8; }

}  // namespace rill::ds
