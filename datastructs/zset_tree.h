// ZTree: an order-statistic B+ tree of (score, member) entries, the ordered half of a big
// sorted set (datastructs/zset.h keeps the member -> score index beside it).
//
// Leaves hold the entries themselves, packed in order, each
//
//   +----------------+------------------+--------------+
//   | score (8 bytes)| member length    | member bytes |
//   | raw double     | (varint)         |              |
//   +----------------+------------------+--------------+
//
// in one malloc'd buffer of up to kLeafBytes (a single bigger entry gets a leaf of its own).
// Leaves are linked both ways for range walks. Inner nodes hold, per child, the child pointer,
// the number of entries under it (so rank queries and seeks by rank are O(log n)) and a
// separator: a key no greater than every entry of the child and no less than every entry of
// the child before it (a later insert of a key equal to it goes to the child before). A separator
// is just a score when the two children's neighbouring entries differ in score (the usual case: no
// allocation), else the score plus the shortest prefix of the right child's first member that still
// separates (suffix truncation).
//
// Why not Redis's skiplist: a skiplist node per member (with its sds and a dict entry) is ~130
// bytes for a 16-byte member, and every step of a search is a cache miss. Here an entry costs
// its own bytes plus a few percent of node overhead, and a search touches ~log_32(n) inner
// nodes then one leaf. Measurements are in docs/design-notes.md.
//
// Appends past the last entry and prepends before the first split off a new leaf holding just
// the new entry, so sorted loads (RDB files list a zset from the greatest score down, growing
// timestamps append) leave full leaves. Removals merge a leaf that falls under a quarter full
// with a neighbour when the two fit in one leaf; an emptied leaf is freed at once.
//
// Not thread-safe. Positions and string_views are valid until the next change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "datastructs/zset_order.h"

namespace rill::ds {

class ZTree {
 public:
  // Bytes of entries a leaf holds before it splits (a leaf is allocated to fit its entries plus
  // some room, not this size).
  static constexpr size_t kLeafBytes = 640;
  // Children per inner node.
  static constexpr size_t kFanout = 32;

  ZTree() = default;
  ZTree(const ZTree& other);
  ZTree& operator=(const ZTree&) = delete;
  ~ZTree();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Bytes allocated by the tree (nodes, separators), for MEMORY USAGE.
  size_t AllocatedBytes() const { return allocated_; }
  size_t height() const { return height_; }

  // Adds (score, member). REQUIRES: no entry for member (callers keep the member index).
  void Insert(double score, std::string_view member);
  // Removes the entry (score, member); false when there is none.
  bool Erase(double score, std::string_view member);
  // Whether the entry (score, member) is present.
  bool Contains(double score, std::string_view member) const;
  // Number of entries before `bound` (ZBound: a predicate true for a prefix of the order).
  size_t CountBefore(const ZBound& bound) const;

  // A position: an entry of a leaf, read with score()/member(); Next() steps forward (past the
  // last entry the cursor becomes invalid).
  class Cursor {
   public:
    bool valid() const { return leaf_ != nullptr; }
    double score() const;
    std::string_view member() const;
    void Next();

   private:
    friend class ZTree;
    const void* leaf_ = nullptr;
    uint32_t offset_ = 0;  // byte offset of the entry in its leaf
    uint32_t index_ = 0;   // entry index in its leaf
  };
  // The entry of rank `rank` (0-based); invalid when rank >= size().
  Cursor Seek(size_t rank) const;
  // The first entry not before `bound`, and its rank.
  Cursor LowerBound(const ZBound& bound, size_t* rank) const;

  // Visits ranks [start, end] (REQUIRES: start <= end < size()) in order, or from end down to
  // start when `reverse`; visit(score, member) returns false to stop.
  void ForRange(size_t start, size_t end, bool reverse,
                absl::FunctionRef<bool(double score, std::string_view member)> visit) const;

  // Removes `count` entries from rank `start` (clamped to the end), calling
  // removed(score, member) for each before it goes, in order.
  void EraseRanks(size_t start, size_t count,
                  absl::FunctionRef<void(double score, std::string_view member)> removed);

  // Checks every invariant (order, counts, separators, links); for tests. Aborts with a
  // message on the first violation.
  void CheckInvariants() const;

 private:
  struct Leaf;
  struct Inner;
  struct Path;

  // Descends towards the first entry not before `bound`; records the path. Returns the entry's
  // rank; path->leaf/offset/index locate it inside its leaf (index may equal the leaf's count).
  size_t Descend(const ZBound& bound, Path* path) const;
  // Descends to the leaf holding rank `rank` (REQUIRES: rank < size()).
  void DescendToRank(size_t rank, Path* path) const;
  // Descends to the entry equal to (score, member); false when there is none.
  bool Locate(double score, std::string_view member, Path* path) const;
  // Removes entries [index, index + n) at byte offsets [from, to) of path's leaf, then fixes
  // counts and rebalances.
  void EraseInLeaf(Path* path, uint32_t from, uint32_t to, uint32_t n);
  void SplitLeaf(Path* path, bool appended, bool prepended);
  // After `left` (the child at path level `level`) split: puts `right` after it with the
  // separator (sep_score, sep_member: owned, nullptr for ""), splitting upwards as needed.
  void InsertChild(Path* path, int level, uint64_t left_count, void* right, uint64_t right_count,
                   double sep_score, char* sep_member);
  void FixLeafUnderflow(Path* path);
  void FixInnerUnderflow(Path* path, int level);
  void RemoveChild(Inner* node, uint32_t at);
  // Moves `leaf` (child `at` of `parent`, or the root) to an allocation of at least `capacity`
  // bytes of entries and points its parent, neighbours and head/tail at the new address.
  Leaf* ResizeLeaf(Leaf* leaf, Inner* parent, uint32_t at, size_t capacity);
  Leaf* NewLeaf(size_t capacity);
  char* NewSeparator(std::string_view member);
  void FreeSeparator(char* sep);
  void Unlink(Leaf* leaf);
  void FreeLeaf(Leaf* leaf);
  Inner* NewInner();
  void FreeInner(Inner* inner);
  void FreeSubtree(void* node, size_t height);
  uint64_t CheckSubtree(const void* node, size_t height, const Leaf** expected_next) const;

  void* root_ = nullptr;  // a Leaf when height_ == 0, else an Inner
  size_t height_ = 0;     // inner levels above the leaves
  size_t size_ = 0;
  size_t allocated_ = 0;
  Leaf* head_ = nullptr;
  Leaf* tail_ = nullptr;
};

}  // namespace rill::ds
