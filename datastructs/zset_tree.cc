#include "datastructs/zset_tree.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/container/inlined_vector.h"
#include "datastructs/varint.h"

namespace rill::ds {

struct ZTree::Leaf {
  Leaf* prev;
  Leaf* next;
  uint32_t bytes;     // of entries in use
  uint32_t capacity;  // bytes of entries the allocation holds
  uint32_t count;
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
};

struct ZTree::Inner {
  uint32_t n;  // children
  // Per child; slot kFanout is room for one more before a split. Separator 0 is unused.
  double score[kFanout + 1];
  char* member[kFanout + 1];  // nullptr: "", else a 4-byte length then the bytes
  // Entries under each child: 32 bits (a tree holds at most 2^32 - 1 entries, Insert checks),
  // 4 bytes less per child than 64 (~0.4 bytes per member of a big set).
  uint32_t count[kFanout + 1];
  void* child[kFanout + 1];
};

struct ZTree::Path {
  static constexpr int kMaxDepth = 48;
  Inner* node[kMaxDepth];
  uint32_t idx[kMaxDepth];
  Leaf* leaf = nullptr;
  uint32_t offset = 0;
  uint32_t index = 0;
};

namespace {

struct Entry {
  double score;
  std::string_view member;
  uint32_t size;  // bytes of the whole entry
};

inline Entry ReadEntry(const char* p) {
  double score;
  std::memcpy(&score, p, sizeof(score));
  uint64_t len;
  const char* m = GetVarint(p + sizeof(double), &len);
  return {score, {m, static_cast<size_t>(len)}, static_cast<uint32_t>(m - p + len)};
}

inline size_t EntrySize(size_t member_len) {
  return sizeof(double) + VarintSize(member_len) + member_len;
}

inline void WriteEntry(char* p, double score, std::string_view member) {
  std::memcpy(p, &score, sizeof(score));
  p = PutVarint(p + sizeof(double), member.size());
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
}

inline std::string_view SeparatorView(const char* sep) {
  if (sep == nullptr) return {};
  uint32_t len;
  std::memcpy(&len, sep, sizeof(len));
  return {sep + sizeof(len), len};
}

// Room kept when a leaf grows: a sixteenth (an entry or two), so a leaf is reallocated every
// few inserts rather than on each, and the room costs ~3% of a leaf.
inline size_t WithSlack(size_t bytes) { return bytes + bytes / 16 + 8; }

void* CheckedRealloc(void* p, size_t n) {
  void* q = std::realloc(p, n);
  if (q == nullptr) std::abort();
  return q;
}

[[noreturn]] void Violation(const char* what) {
  std::fprintf(stderr, "ZTree invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

double ZTree::Cursor::score() const {
  return ReadEntry(static_cast<const Leaf*>(leaf_)->data() + offset_).score;
}

std::string_view ZTree::Cursor::member() const {
  return ReadEntry(static_cast<const Leaf*>(leaf_)->data() + offset_).member;
}

void ZTree::Cursor::Next() {
  const Leaf* leaf = static_cast<const Leaf*>(leaf_);
  offset_ += ReadEntry(leaf->data() + offset_).size;
  if (++index_ >= leaf->count) {
    leaf_ = leaf->next;
    offset_ = 0;
    index_ = 0;
  }
}

ZTree::ZTree(const ZTree& other) {
  // In order: every insert appends to the last leaf, so leaves come out full.
  for (const Leaf* leaf = other.head_; leaf != nullptr; leaf = leaf->next) {
    const char* p = leaf->data();
    for (uint32_t i = 0; i < leaf->count; ++i) {
      Entry e = ReadEntry(p);
      Insert(e.score, e.member);
      p += e.size;
    }
  }
}

ZTree::~ZTree() {
  if (root_ != nullptr) FreeSubtree(root_, height_);
}

void ZTree::FreeSubtree(void* node, size_t height) {
  if (height == 0) {
    FreeLeaf(static_cast<Leaf*>(node));
    return;
  }
  Inner* in = static_cast<Inner*>(node);
  for (uint32_t i = 0; i < in->n; ++i) {
    FreeSubtree(in->child[i], height - 1);
    FreeSeparator(in->member[i]);
  }
  FreeInner(in);
}

ZTree::Leaf* ZTree::NewLeaf(size_t capacity) {
  Leaf* leaf = static_cast<Leaf*>(std::malloc(sizeof(Leaf) + capacity));
  if (leaf == nullptr) std::abort();
  const size_t usable = malloc_usable_size(leaf);
  allocated_ += usable;
  leaf->prev = leaf->next = nullptr;
  leaf->bytes = 0;
  leaf->count = 0;
  leaf->capacity = static_cast<uint32_t>(usable - sizeof(Leaf));
  return leaf;
}

void ZTree::FreeLeaf(Leaf* leaf) {
  allocated_ -= malloc_usable_size(leaf);
  std::free(leaf);
}

ZTree::Inner* ZTree::NewInner() {
  Inner* in = static_cast<Inner*>(std::malloc(sizeof(Inner)));
  if (in == nullptr) std::abort();
  allocated_ += malloc_usable_size(in);
  in->n = 0;
  in->score[0] = 0;
  in->member[0] = nullptr;
  return in;
}

void ZTree::FreeInner(Inner* in) {
  allocated_ -= malloc_usable_size(in);
  std::free(in);
}

char* ZTree::NewSeparator(std::string_view member) {
  if (member.empty()) return nullptr;
  char* sep = static_cast<char*>(std::malloc(sizeof(uint32_t) + member.size()));
  if (sep == nullptr) std::abort();
  allocated_ += malloc_usable_size(sep);
  const uint32_t len = static_cast<uint32_t>(member.size());
  std::memcpy(sep, &len, sizeof(len));
  std::memcpy(sep + sizeof(len), member.data(), member.size());
  return sep;
}

void ZTree::FreeSeparator(char* sep) {
  if (sep == nullptr) return;
  allocated_ -= malloc_usable_size(sep);
  std::free(sep);
}

ZTree::Leaf* ZTree::ResizeLeaf(Leaf* leaf, Inner* parent, uint32_t at, size_t capacity) {
  allocated_ -= malloc_usable_size(leaf);
  leaf = static_cast<Leaf*>(CheckedRealloc(leaf, sizeof(Leaf) + capacity));
  const size_t usable = malloc_usable_size(leaf);
  allocated_ += usable;
  leaf->capacity = static_cast<uint32_t>(usable - sizeof(Leaf));
  if (leaf->prev != nullptr) {
    leaf->prev->next = leaf;
  } else {
    head_ = leaf;
  }
  if (leaf->next != nullptr) {
    leaf->next->prev = leaf;
  } else {
    tail_ = leaf;
  }
  if (parent != nullptr) {
    parent->child[at] = leaf;
  } else {
    root_ = leaf;
  }
  return leaf;
}

void ZTree::Unlink(Leaf* leaf) {
  if (leaf->prev != nullptr) {
    leaf->prev->next = leaf->next;
  } else {
    head_ = leaf->next;
  }
  if (leaf->next != nullptr) {
    leaf->next->prev = leaf->prev;
  } else {
    tail_ = leaf->prev;
  }
}

size_t ZTree::Descend(const ZBound& bound, Path* path) const {
  size_t rank = 0;
  void* node = root_;
  for (size_t level = 0; level < height_; ++level) {
    Inner* in = static_cast<Inner*>(node);
    // The last child whose separator is before the bound: every earlier child's entries are.
    uint32_t lo = 1, hi = in->n;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (bound.Before(in->score[mid], SeparatorView(in->member[mid]))) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    const uint32_t i = lo - 1;
    for (uint32_t j = 0; j < i; ++j) rank += in->count[j];
    path->node[level] = in;
    path->idx[level] = i;
    node = in->child[i];
  }
  Leaf* leaf = static_cast<Leaf*>(node);
  uint32_t offset = 0, index = 0;
  const char* data = leaf->data();
  const bool by_score = bound.kind == ZBound::Kind::kKeyBelow ||
                        bound.kind == ZBound::Kind::kScoreBelow ||
                        bound.kind == ZBound::Kind::kScoreAtOrBelow;
  if (by_score) {
    // Bounds ordered by score first: compare the score where it sits, the member only on a
    // tie (the leaf scan is most of a descent's work).
    while (index < leaf->count) {
      const char* p = data + offset;
      double score;
      std::memcpy(&score, p, sizeof(score));
      uint64_t len;
      const char* m = GetVarint(p + sizeof(double), &len);
      if (score > bound.score) break;
      if (score == bound.score && !bound.Before(score, {m, static_cast<size_t>(len)})) break;
      offset = static_cast<uint32_t>(m + len - data);
      ++index;
    }
  } else {
    while (index < leaf->count) {
      Entry e = ReadEntry(data + offset);
      if (!bound.Before(e.score, e.member)) break;
      offset += e.size;
      ++index;
    }
  }
  path->leaf = leaf;
  path->offset = offset;
  path->index = index;
  return rank + index;
}

void ZTree::DescendToRank(size_t rank, Path* path) const {
  void* node = root_;
  for (size_t level = 0; level < height_; ++level) {
    Inner* in = static_cast<Inner*>(node);
    uint32_t i = 0;
    while (i + 1 < in->n && rank >= in->count[i]) rank -= in->count[i++];
    path->node[level] = in;
    path->idx[level] = i;
    node = in->child[i];
  }
  Leaf* leaf = static_cast<Leaf*>(node);
  uint32_t offset = 0;
  const char* data = leaf->data();
  for (uint32_t i = 0; i < rank; ++i) offset += ReadEntry(data + offset).size;
  path->leaf = leaf;
  path->offset = offset;
  path->index = static_cast<uint32_t>(rank);
}

bool ZTree::Locate(double score, std::string_view member, Path* path) const {
  if (root_ == nullptr) return false;
  const size_t rank = Descend(ZBound::Key(score, member), path);
  if (rank >= size_) return false;
  // A separator equal to the key sends the descent to the child before the entry's: the entry
  // is then the next leaf's first, reached again by rank.
  if (path->index == path->leaf->count) DescendToRank(rank, path);
  Entry e = ReadEntry(path->leaf->data() + path->offset);
  return CompareZKeys(e.score, e.member, score, member) == 0;
}

bool ZTree::Contains(double score, std::string_view member) const {
  Path path;
  return Locate(score, member, &path);
}

size_t ZTree::CountBefore(const ZBound& bound) const {
  if (root_ == nullptr) return 0;
  Path path;
  return Descend(bound, &path);
}

ZTree::Cursor ZTree::Seek(size_t rank) const {
  Cursor c;
  if (rank >= size_) return c;
  Path path;
  DescendToRank(rank, &path);
  c.leaf_ = path.leaf;
  c.offset_ = path.offset;
  c.index_ = path.index;
  return c;
}

ZTree::Cursor ZTree::LowerBound(const ZBound& bound, size_t* rank) const {
  Cursor c;
  *rank = CountBefore(bound);
  if (*rank < size_) c = Seek(*rank);
  return c;
}

void ZTree::ForRange(size_t start, size_t end, bool reverse,
                     absl::FunctionRef<bool(double, std::string_view)> visit) const {
  if (!reverse) {
    size_t left = end - start + 1;
    for (Cursor c = Seek(start); c.valid() && left > 0; c.Next(), --left) {
      if (!visit(c.score(), c.member())) return;
    }
    return;
  }
  Path path;
  DescendToRank(end, &path);
  size_t left = end - start + 1;
  const Leaf* leaf = path.leaf;
  uint32_t last = path.index;  // visit entries [0, last] of leaf, backwards
  absl::InlinedVector<uint32_t, 64> offsets;
  while (leaf != nullptr && left > 0) {
    offsets.clear();
    uint32_t offset = 0;
    for (uint32_t i = 0; i <= last; ++i) {
      offsets.push_back(offset);
      offset += ReadEntry(leaf->data() + offset).size;
    }
    for (size_t i = offsets.size(); i-- > 0 && left > 0; --left) {
      Entry e = ReadEntry(leaf->data() + offsets[i]);
      if (!visit(e.score, e.member)) return;
    }
    leaf = leaf->prev;
    if (leaf != nullptr) last = leaf->count - 1;
  }
}

void ZTree::Insert(double score, std::string_view member) {
  // Per-child counts are 32 bits; 2^32 entries would need hundreds of gigabytes anyway.
  if (size_ >= UINT32_MAX) std::abort();
  const size_t need = EntrySize(member.size());
  if (root_ == nullptr) {
    Leaf* leaf = NewLeaf(need);
    root_ = head_ = tail_ = leaf;
  }
  Path path;
  Descend(ZBound::Key(score, member), &path);
  Leaf* leaf = path.leaf;
  Inner* parent = height_ > 0 ? path.node[height_ - 1] : nullptr;
  const uint32_t at = height_ > 0 ? path.idx[height_ - 1] : 0;
  if (leaf->bytes + need > leaf->capacity) {
    leaf = path.leaf = ResizeLeaf(leaf, parent, at, WithSlack(leaf->bytes + need));
  }
  char* p = leaf->data() + path.offset;
  std::memmove(p + need, p, leaf->bytes - path.offset);
  WriteEntry(p, score, member);
  leaf->bytes += static_cast<uint32_t>(need);
  ++leaf->count;
  for (size_t level = 0; level < height_; ++level) ++path.node[level]->count[path.idx[level]];
  ++size_;
  if (leaf->bytes > kLeafBytes && leaf->count > 1) {
    const bool appended = leaf->next == nullptr && path.index + 1 == leaf->count;
    const bool prepended = leaf->prev == nullptr && path.index == 0;
    SplitLeaf(&path, appended, prepended);
  }
}

void ZTree::SplitLeaf(Path* path, bool appended, bool prepended) {
  Leaf* left = path->leaf;
  // The first entry that moves right: after the last (appends), the first (prepends), or the
  // one that crosses the middle byte.
  const char* data = left->data();
  uint32_t k;
  if (appended) {
    k = left->count - 1;
  } else if (prepended) {
    k = 1;
  } else {
    k = left->count - 1;  // when the last entry starts before the middle
    uint32_t o = 0;
    for (uint32_t i = 0; i < left->count; ++i) {
      if (i > 0 && o >= left->bytes / 2) {
        k = i;
        break;
      }
      o += ReadEntry(data + o).size;
    }
  }
  uint32_t offset = 0, last_offset = 0;
  for (uint32_t i = 0; i < k; ++i) {
    last_offset = offset;
    offset += ReadEntry(data + offset).size;
  }
  const uint32_t right_bytes = left->bytes - offset;
  Leaf* right = NewLeaf(appended ? WithSlack(right_bytes) : right_bytes);
  std::memcpy(right->data(), data + offset, right_bytes);
  right->bytes = right_bytes;
  right->count = left->count - k;
  left->bytes = offset;
  left->count = k;

  // The separator: the right leaf's first key, cut to the shortest member that still sorts
  // after the left leaf's last key.
  Entry l = ReadEntry(left->data() + last_offset);
  Entry r = ReadEntry(right->data());
  char* sep = nullptr;
  if (!(l.score < r.score)) {
    size_t common = 0;
    const size_t limit = std::min(l.member.size(), r.member.size());
    while (common < limit && l.member[common] == r.member[common]) ++common;
    sep = NewSeparator(r.member.substr(0, common + 1));
  }

  right->prev = left;
  right->next = left->next;
  if (left->next != nullptr) {
    left->next->prev = right;
  } else {
    tail_ = right;
  }
  left->next = right;

  Inner* parent = height_ > 0 ? path->node[height_ - 1] : nullptr;
  const uint32_t at = height_ > 0 ? path->idx[height_ - 1] : 0;
  // A leaf left behind by an append is full and, in a sorted load, done: no room kept.
  const size_t keep = appended ? left->bytes : WithSlack(left->bytes);
  if (left->capacity > keep + (appended ? 16 : 64)) {
    left = path->leaf = ResizeLeaf(left, parent, at, keep);
  }
  InsertChild(path, static_cast<int>(height_) - 1, left->count, right, right->count, r.score, sep);
}

void ZTree::InsertChild(Path* path, int level, uint64_t left_count, void* right,
                        uint64_t right_count, double sep_score, char* sep_member) {
  if (level < 0) {
    Inner* root = NewInner();
    root->n = 2;
    root->child[0] = root_;
    root->count[0] = static_cast<uint32_t>(left_count);
    root->child[1] = right;
    root->count[1] = static_cast<uint32_t>(right_count);
    root->score[1] = sep_score;
    root->member[1] = sep_member;
    root_ = root;
    ++height_;
    return;
  }
  Inner* in = path->node[level];
  const uint32_t i = path->idx[level];
  in->count[i] = static_cast<uint32_t>(left_count);
  const uint32_t tail = in->n - (i + 1);
  std::memmove(&in->score[i + 2], &in->score[i + 1], tail * sizeof(double));
  std::memmove(&in->member[i + 2], &in->member[i + 1], tail * sizeof(char*));
  std::memmove(&in->count[i + 2], &in->count[i + 1], tail * sizeof(uint32_t));
  std::memmove(&in->child[i + 2], &in->child[i + 1], tail * sizeof(void*));
  in->score[i + 1] = sep_score;
  in->member[i + 1] = sep_member;
  in->count[i + 1] = static_cast<uint32_t>(right_count);
  in->child[i + 1] = right;
  ++in->n;
  if (in->n <= kFanout) return;

  const uint32_t mid = in->n / 2;
  Inner* r = NewInner();
  r->n = in->n - mid;
  std::memcpy(r->score, &in->score[mid], r->n * sizeof(double));
  std::memcpy(r->member, &in->member[mid], r->n * sizeof(char*));
  std::memcpy(r->count, &in->count[mid], r->n * sizeof(uint32_t));
  std::memcpy(r->child, &in->child[mid], r->n * sizeof(void*));
  const double up_score = r->score[0];
  char* up_member = r->member[0];  // moves up to the parent
  r->score[0] = 0;
  r->member[0] = nullptr;
  in->n = mid;
  uint64_t lc = 0, rc = 0;
  for (uint32_t j = 0; j < in->n; ++j) lc += in->count[j];
  for (uint32_t j = 0; j < r->n; ++j) rc += r->count[j];
  InsertChild(path, level - 1, lc, r, rc, up_score, up_member);
}

bool ZTree::Erase(double score, std::string_view member) {
  Path path;
  if (!Locate(score, member, &path)) return false;
  const uint32_t size = ReadEntry(path.leaf->data() + path.offset).size;
  EraseInLeaf(&path, path.offset, path.offset + size, 1);
  return true;
}

void ZTree::EraseRanks(size_t start, size_t count,
                       absl::FunctionRef<void(double, std::string_view)> removed) {
  if (start >= size_) return;
  count = std::min(count, size_ - start);
  while (count > 0) {
    Path path;
    DescendToRank(start, &path);
    Leaf* leaf = path.leaf;
    const uint32_t n = static_cast<uint32_t>(std::min<size_t>(count, leaf->count - path.index));
    uint32_t end = path.offset;
    for (uint32_t i = 0; i < n; ++i) {
      Entry e = ReadEntry(leaf->data() + end);
      removed(e.score, e.member);
      end += e.size;
    }
    EraseInLeaf(&path, path.offset, end, n);
    count -= n;
  }
}

void ZTree::EraseInLeaf(Path* path, uint32_t from, uint32_t to, uint32_t n) {
  Leaf* leaf = path->leaf;
  std::memmove(leaf->data() + from, leaf->data() + to, leaf->bytes - to);
  leaf->bytes -= to - from;
  leaf->count -= n;
  for (size_t level = 0; level < height_; ++level) path->node[level]->count[path->idx[level]] -= n;
  size_ -= n;
  FixLeafUnderflow(path);
}

void ZTree::RemoveChild(Inner* in, uint32_t at) {
  if (at == 0) {
    // The second child becomes the first; its separator is no longer needed.
    if (in->n > 1) FreeSeparator(in->member[1]);
  } else {
    FreeSeparator(in->member[at]);
  }
  const uint32_t tail = in->n - (at + 1);
  std::memmove(&in->score[at], &in->score[at + 1], tail * sizeof(double));
  std::memmove(&in->member[at], &in->member[at + 1], tail * sizeof(char*));
  std::memmove(&in->count[at], &in->count[at + 1], tail * sizeof(uint32_t));
  std::memmove(&in->child[at], &in->child[at + 1], tail * sizeof(void*));
  --in->n;
  in->score[0] = 0;
  in->member[0] = nullptr;
}

void ZTree::FixLeafUnderflow(Path* path) {
  Leaf* leaf = path->leaf;
  if (height_ == 0) {
    if (leaf->count == 0) {
      FreeLeaf(leaf);
      root_ = head_ = tail_ = nullptr;
    } else if (leaf->capacity > 2 * WithSlack(leaf->bytes) + 64) {
      ResizeLeaf(leaf, nullptr, 0, WithSlack(leaf->bytes));
    }
    return;
  }
  const int level = static_cast<int>(height_) - 1;
  Inner* parent = path->node[level];
  const uint32_t i = path->idx[level];
  if (leaf->count == 0) {
    Unlink(leaf);
    FreeLeaf(leaf);
    RemoveChild(parent, i);
    FixInnerUnderflow(path, level);
    return;
  }
  if (leaf->bytes < kLeafBytes / 4) {
    if (i > 0) {
      Leaf* left = static_cast<Leaf*>(parent->child[i - 1]);
      if (left->bytes + leaf->bytes <= kLeafBytes) {
        if (left->capacity < left->bytes + leaf->bytes) {
          left = ResizeLeaf(left, parent, i - 1, WithSlack(left->bytes + leaf->bytes));
        }
        std::memcpy(left->data() + left->bytes, leaf->data(), leaf->bytes);
        left->bytes += leaf->bytes;
        left->count += leaf->count;
        parent->count[i - 1] += parent->count[i];
        Unlink(leaf);
        FreeLeaf(leaf);
        RemoveChild(parent, i);
        FixInnerUnderflow(path, level);
        return;
      }
    }
    if (i + 1 < parent->n) {
      Leaf* right = static_cast<Leaf*>(parent->child[i + 1]);
      if (leaf->bytes + right->bytes <= kLeafBytes) {
        if (leaf->capacity < leaf->bytes + right->bytes) {
          leaf = ResizeLeaf(leaf, parent, i, WithSlack(leaf->bytes + right->bytes));
        }
        std::memcpy(leaf->data() + leaf->bytes, right->data(), right->bytes);
        leaf->bytes += right->bytes;
        leaf->count += right->count;
        parent->count[i] += parent->count[i + 1];
        Unlink(right);
        FreeLeaf(right);
        RemoveChild(parent, i + 1);
        FixInnerUnderflow(path, level);
        return;
      }
    }
  }
  if (leaf->capacity > 2 * WithSlack(leaf->bytes) + 64) {
    ResizeLeaf(leaf, parent, i, WithSlack(leaf->bytes));
  }
}

void ZTree::FixInnerUnderflow(Path* path, int level) {
  Inner* in = path->node[level];
  if (level == 0) {
    if (in->n == 0) {  // the last leaf went
      FreeInner(in);
      root_ = head_ = tail_ = nullptr;
      height_ = 0;
      return;
    }
    // A root with one child hands the root to it (and again, while that holds).
    while (height_ > 0 && static_cast<Inner*>(root_)->n == 1) {
      Inner* old = static_cast<Inner*>(root_);
      root_ = old->child[0];
      FreeInner(old);
      --height_;
    }
    return;
  }
  Inner* parent = path->node[level - 1];
  const uint32_t i = path->idx[level - 1];
  if (in->n == 0) {
    FreeInner(in);
    RemoveChild(parent, i);
    FixInnerUnderflow(path, level - 1);
    return;
  }
  if (in->n >= kFanout / 4) return;
  // Merge `b` (child j of parent) into `a` (child j - 1): the parent's separator for b comes
  // down as the separator of b's first child.
  auto merge = [&](Inner* a, Inner* b, uint32_t j) {
    const uint32_t base = a->n;
    std::memcpy(&a->score[base], b->score, b->n * sizeof(double));
    std::memcpy(&a->member[base], b->member, b->n * sizeof(char*));
    std::memcpy(&a->count[base], b->count, b->n * sizeof(uint32_t));
    std::memcpy(&a->child[base], b->child, b->n * sizeof(void*));
    a->score[base] = parent->score[j];
    a->member[base] = parent->member[j];
    parent->member[j] = nullptr;
    a->n += b->n;
    parent->count[j - 1] += parent->count[j];
    FreeInner(b);
    RemoveChild(parent, j);
  };
  if (i > 0) {
    Inner* left = static_cast<Inner*>(parent->child[i - 1]);
    if (left->n + in->n <= kFanout) {
      merge(left, in, i);
      FixInnerUnderflow(path, level - 1);
      return;
    }
  }
  if (i + 1 < parent->n) {
    Inner* right = static_cast<Inner*>(parent->child[i + 1]);
    if (in->n + right->n <= kFanout) {
      merge(in, right, i + 1);
      FixInnerUnderflow(path, level - 1);
    }
  }
}

uint64_t ZTree::CheckSubtree(const void* node, size_t height, const Leaf** expected_next) const {
  if (height == 0) {
    const Leaf* leaf = static_cast<const Leaf*>(node);
    if (leaf != *expected_next) Violation("leaf chain out of order");
    if (leaf->count == 0) Violation("empty leaf");
    if (leaf->bytes > leaf->capacity) Violation("leaf overflow");
    uint32_t offset = 0;
    for (uint32_t i = 0; i < leaf->count; ++i) {
      Entry e = ReadEntry(leaf->data() + offset);
      offset += e.size;
    }
    if (offset != leaf->bytes) Violation("leaf byte count");
    *expected_next = leaf->next;
    if (leaf->next != nullptr && leaf->next->prev != leaf) Violation("prev link");
    return leaf->count;
  }
  const Inner* in = static_cast<const Inner*>(node);
  if (in->n == 0 || in->n > kFanout) Violation("inner fan-out");
  uint64_t total = 0;
  for (uint32_t i = 0; i < in->n; ++i) {
    const Leaf* first = *expected_next;
    const uint64_t c = CheckSubtree(in->child[i], height - 1, expected_next);
    if (c != in->count[i]) Violation("child count");
    total += c;
    if (i > 0) {
      // The separator is <= the child's first entry and >= the previous child's last (an
      // insert of a key equal to the separator lands at the end of the left child).
      Entry e = ReadEntry(first->data());
      if (CompareZKeys(in->score[i], SeparatorView(in->member[i]), e.score, e.member) > 0) {
        Violation("separator above the child's first entry");
      }
      const Leaf* before = first->prev;
      uint32_t offset = 0;
      for (uint32_t k = 0; k + 1 < before->count; ++k) {
        offset += ReadEntry(before->data() + offset).size;
      }
      Entry l = ReadEntry(before->data() + offset);
      if (CompareZKeys(in->score[i], SeparatorView(in->member[i]), l.score, l.member) < 0) {
        Violation("separator below the previous child's last entry");
      }
    }
  }
  return total;
}

void ZTree::CheckInvariants() const {
  if (root_ == nullptr) {
    if (size_ != 0 || head_ != nullptr || tail_ != nullptr || height_ != 0) {
      Violation("empty tree state");
    }
    return;
  }
  const Leaf* next = head_;
  if (head_->prev != nullptr) Violation("head has a prev");
  if (CheckSubtree(root_, height_, &next) != size_) Violation("size");
  if (next != nullptr) Violation("leaves after the last");
  // Global order across the chain.
  bool first = true;
  double ps = 0;
  std::string_view pm;
  const Leaf* last = nullptr;
  for (const Leaf* leaf = head_; leaf != nullptr; leaf = leaf->next) {
    uint32_t offset = 0;
    for (uint32_t i = 0; i < leaf->count; ++i) {
      Entry e = ReadEntry(leaf->data() + offset);
      if (!first && CompareZKeys(ps, pm, e.score, e.member) >= 0) Violation("entries out of order");
      first = false;
      ps = e.score;
      pm = e.member;
      offset += e.size;
    }
    last = leaf;
  }
  if (last != tail_) Violation("tail");
}

}  // namespace rill::ds
