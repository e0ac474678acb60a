#include "datastructs/list.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "datastructs/varint.h"

namespace rill::ds {
namespace {

// Redis's SIZE_SAFETY_LIMIT: a node sized by element count still stays under 8 KB.
constexpr size_t kSafetyLimitBytes = 8192;
// The largest node limit (-5): 64 KB. Kept below 2^16 only by habit; offsets are size_t.
constexpr size_t kMaxNodeBytes = 65536;

// Backlen: the size of "len varint + bytes", written so that it reads from its last byte
// leftwards; every byte but the leftmost carries 0x80.
size_t BacklenSize(uint64_t v) { return VarintSize(v); }

void PutBacklen(char* p, uint64_t v) {
  size_t n = BacklenSize(v);
  for (size_t i = 0; i < n; ++i) {
    uint8_t digit = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
    // Digit i (lowest first) goes to position n-1-i; all but the highest carry the flag.
    p[n - 1 - i] = static_cast<char>(digit | (i + 1 < n ? 0x80 : 0));
  }
}

// Reads the backlen that ends just before `end`; returns its value and sets *size.
uint64_t GetBacklen(const char* end, size_t* size) {
  uint64_t v = 0;
  int shift = 0;
  const char* p = end - 1;
  size_t n = 0;
  while (true) {
    uint8_t b = static_cast<uint8_t>(*p);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    ++n;
    if ((b & 0x80) == 0) break;
    shift += 7;
    --p;
  }
  *size = n;
  return v;
}

// The element starting at byte `offset`; *next is where the following entry starts.
std::string_view ReadForward(const char* buf, size_t offset, size_t* next) {
  uint64_t len;
  const char* p = GetVarint(buf + offset, &len);
  size_t head = static_cast<size_t>(p - (buf + offset)) + len;
  *next = offset + head + BacklenSize(head);
  return {p, static_cast<size_t>(len)};
}

// Start offset of the entry that ends at byte `end`.
size_t EntryStartBefore(const char* buf, size_t end) {
  size_t backlen_size;
  uint64_t head = GetBacklen(buf + end, &backlen_size);
  return end - backlen_size - head;
}

}  // namespace

size_t ListEntryBytes(size_t value_len) {
  size_t head = VarintSize(value_len) + value_len;
  return head + BacklenSize(head);
}

List::List(const List& other) : limits_(other.limits_), size_(other.size_) {
  nodes_.reserve(other.nodes_.size());
  for (const Node& n : other.nodes_) {
    Node copy;  // without the spare room
    copy.bytes = n.bytes;
    copy.count = n.count;
    copy.buf = static_cast<char*>(std::malloc(std::max<size_t>(n.bytes, 1)));
    if (copy.buf == nullptr) std::abort();
    std::memcpy(copy.buf, n.buf, n.bytes);
    nodes_.push_back(copy);
  }
}

List::~List() {
  for (Node& n : nodes_) std::free(n.base());
}

std::unique_ptr<ObjectValue> List::Clone() const { return std::make_unique<List>(*this); }

size_t List::MemoryUsage() const {
  size_t bytes = sizeof(List) + nodes_.capacity() * sizeof(Node);
  for (const Node& n : nodes_) bytes += malloc_usable_size(n.base());
  return bytes;
}

bool List::Fits(const Node& node, size_t entry_bytes) const {
  if (node.count == 0) return true;
  const size_t total = node.bytes + entry_bytes;
  const int64_t fill = limits_.max_listpack_size;
  if (fill >= 0) {
    return node.count < static_cast<uint64_t>(std::max<int64_t>(fill, 1)) &&
           total <= kSafetyLimitBytes;
  }
  const int64_t level = std::clamp<int64_t>(-fill, 1, 5);
  const size_t limit = std::min(kMaxNodeBytes, size_t{4096} << (level - 1));
  return total <= limit;
}

List::Node& List::NewNode(size_t at) {
  nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(at), Node{});
  return nodes_[at];
}

void List::RemoveNode(size_t at) {
  std::free(nodes_[at].base());
  nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(at));
}

void List::ReserveBack(Node& node, size_t need) {
  if (node.back >= need) return;
  const size_t size = node.front + node.bytes + need + ListNodeGrowthSlack(node.bytes);
  char* base = static_cast<char*>(std::realloc(node.base(), size));
  if (base == nullptr) std::abort();
  node.buf = base + node.front;
  // The allocator's rounding is room too (malloc_usable_size is as usable as what was asked).
  node.back = static_cast<uint32_t>(malloc_usable_size(base) - node.front - node.bytes);
}

void List::ReserveFront(Node& node, size_t need) {
  if (node.front >= need) return;
  // The entries move to a new block at their new offset: one copy, where realloc and then a
  // memmove would be two.
  const size_t front = need + ListNodeGrowthSlack(node.bytes);
  char* base = static_cast<char*>(std::malloc(front + node.bytes + node.back));
  if (base == nullptr) std::abort();
  if (node.bytes > 0) std::memcpy(base + front, node.buf, node.bytes);
  std::free(node.base());
  node.buf = base + front;
  node.front = static_cast<uint32_t>(front);
  node.back = static_cast<uint32_t>(malloc_usable_size(base) - front - node.bytes);
}

void List::MaybeShrink(Node& node) {
  // Growth leaves at most an eighth of the entries at each end (plus the allocator's
  // rounding), so this bound is not reached by pushes, only by removals.
  if (node.bytes == 0 || node.front + node.back <= node.bytes / 2 + 64) return;
  Compact(node);
}

void List::Compact(Node& node) {
  // (The allocator's rounding, under 32 bytes, is not worth a realloc.)
  if (node.bytes == 0 || (node.front == 0 && node.back < 32)) return;
  char* base = node.base();
  if (node.front > 0) std::memmove(base, node.buf, node.bytes);
  // Shrinking in place never fails in practice; keep the old block if it does.
  if (char* shrunk = static_cast<char*>(std::realloc(base, node.bytes))) base = shrunk;
  node.buf = base;
  node.front = 0;
  node.back = static_cast<uint32_t>(malloc_usable_size(base) - node.bytes);
}

void List::InsertEntry(Node& node, size_t offset, std::string_view value) {
  const size_t head = VarintSize(value.size()) + value.size();
  const size_t entry = head + BacklenSize(head);
  char* at;
  if (node.count > 0 && offset < node.bytes - offset) {
    // Nearer the front: the entries before `offset` move left into the front room.
    ReserveFront(node, entry);
    std::memmove(node.buf - entry, node.buf, offset);
    node.buf -= entry;
    node.front -= static_cast<uint32_t>(entry);
    at = node.buf + offset;
  } else {
    ReserveBack(node, entry);
    at = node.buf + offset;
    std::memmove(at + entry, at, node.bytes - offset);
    node.back -= static_cast<uint32_t>(entry);
  }
  char* p = PutVarint(at, value.size());
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  PutBacklen(p + value.size(), head);
  node.bytes += static_cast<uint32_t>(entry);
  ++node.count;
}

void List::EraseBytes(Node& node, size_t from, size_t to, size_t n) {
  const size_t removed = to - from;
  if (from < node.bytes - to) {
    // Fewer bytes before the hole than after it: those move right, the front room grows.
    std::memmove(node.buf + removed, node.buf, from);
    node.buf += removed;
    node.front += static_cast<uint32_t>(removed);
  } else {
    std::memmove(node.buf + from, node.buf + to, node.bytes - to);
    node.back += static_cast<uint32_t>(removed);
  }
  node.bytes -= static_cast<uint32_t>(removed);
  node.count -= static_cast<uint32_t>(n);
  MaybeShrink(node);
}

size_t List::OffsetOf(const Node& node, size_t i) {
  if (i <= node.count / 2) {
    size_t offset = 0;
    for (size_t k = 0; k < i; ++k) ReadForward(node.buf, offset, &offset);
    return offset;
  }
  size_t offset = node.bytes;
  for (size_t k = node.count; k > i; --k) offset = EntryStartBefore(node.buf, offset);
  return offset;
}

size_t List::Locate(size_t index, size_t* in_node) const {
  if (index >= size_ - nodes_.back().count) {
    *in_node = index - (size_ - nodes_.back().count);
    return nodes_.size() - 1;
  }
  size_t i = 0;
  while (index >= nodes_[i].count) {
    index -= nodes_[i].count;
    ++i;
  }
  *in_node = index;
  return i;
}

void List::PushFront(std::string_view value) {
  const size_t entry = ListEntryBytes(value.size());
  if (nodes_.empty() || !Fits(nodes_.front(), entry)) {
    // The full node will not be pushed into again: its spare room goes back to the allocator.
    if (!nodes_.empty()) Compact(nodes_.front());
    NewNode(0);
  }
  InsertEntry(nodes_.front(), 0, value);
  ++size_;
}

void List::PushBack(std::string_view value) {
  const size_t entry = ListEntryBytes(value.size());
  if (nodes_.empty() || !Fits(nodes_.back(), entry)) {
    if (!nodes_.empty()) Compact(nodes_.back());
    NewNode(nodes_.size());
  }
  Node& node = nodes_.back();
  InsertEntry(node, node.bytes, value);
  ++size_;
}

std::string List::PopFront() {
  Node& node = nodes_.front();
  size_t next;
  std::string value(ReadForward(node.buf, 0, &next));
  EraseBytes(node, 0, next, 1);
  if (node.count == 0) RemoveNode(0);
  --size_;
  return value;
}

std::string List::PopBack() {
  Node& node = nodes_.back();
  size_t start = EntryStartBefore(node.buf, node.bytes);
  size_t next;
  std::string value(ReadForward(node.buf, start, &next));
  EraseBytes(node, start, node.bytes, 1);
  if (node.count == 0) RemoveNode(nodes_.size() - 1);
  --size_;
  return value;
}

std::string_view List::At(size_t index) const {
  size_t pos;
  const Node& node = nodes_[Locate(index, &pos)];
  size_t next;
  return ReadForward(node.buf, OffsetOf(node, pos), &next);
}

void List::Set(size_t index, std::string_view value) {
  size_t pos;
  size_t n = Locate(index, &pos);
  Node& node = nodes_[n];
  const size_t start = OffsetOf(node, pos);
  size_t end;
  ReadForward(node.buf, start, &end);
  const size_t entry = ListEntryBytes(value.size());
  if (node.count == 1 || node.bytes - (end - start) + entry <= node.bytes ||
      Fits(node, entry - (end - start))) {
    // Replace in place: erase then insert at the same offset.
    EraseBytes(node, start, end, 1);
    InsertEntry(node, start, value);
    return;
  }
  Erase(index, 1);
  Insert(index, value);
}

void List::Insert(size_t index, std::string_view value) {
  if (index == 0) return PushFront(value);
  if (index >= size_) return PushBack(value);
  size_t pos;
  size_t n = Locate(index, &pos);
  const size_t entry = ListEntryBytes(value.size());
  if (Fits(nodes_[n], entry)) {
    InsertEntry(nodes_[n], OffsetOf(nodes_[n], pos), value);
  } else if (pos == 0 && n > 0 && Fits(nodes_[n - 1], entry)) {
    Node& prev = nodes_[n - 1];
    InsertEntry(prev, prev.bytes, value);
  } else {
    // Split the full node at `pos`: the tail moves to a new node after it, and the value goes
    // to the end of the head if it fits there, else into a node of its own in between.
    if (pos > 0) {
      Node& head = nodes_[n];
      const size_t split = OffsetOf(head, pos);
      Node tail;
      tail.bytes = static_cast<uint32_t>(head.bytes - split);
      tail.count = head.count - static_cast<uint32_t>(pos);
      tail.buf = static_cast<char*>(std::malloc(tail.bytes));
      if (tail.buf == nullptr) std::abort();
      std::memcpy(tail.buf, head.buf + split, tail.bytes);
      EraseBytes(head, split, head.bytes, tail.count);
      nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(n + 1), tail);
      Node& left = nodes_[n];
      if (Fits(left, entry)) {
        InsertEntry(left, left.bytes, value);
        ++size_;
        return;
      }
      n += 1;  // the value goes just before the tail node
    }
    Node& fresh = NewNode(n);
    InsertEntry(fresh, 0, value);
  }
  ++size_;
}

void List::Erase(size_t index, size_t count) {
  if (index >= size_ || count == 0) return;
  count = std::min(count, size_ - index);
  size_t pos;
  size_t n = Locate(index, &pos);
  while (count > 0) {
    Node& node = nodes_[n];
    const size_t take = std::min<size_t>(count, node.count - pos);
    const size_t from = OffsetOf(node, pos);
    size_t to = from;
    if (pos + take == node.count) {
      to = node.bytes;
    } else {
      for (size_t k = 0; k < take; ++k) ReadForward(node.buf, to, &to);
    }
    EraseBytes(node, from, to, take);
    size_ -= take;
    count -= take;
    if (node.count == 0) {
      RemoveNode(n);
    } else {
      ++n;
    }
    pos = 0;
  }
}

void List::ForRange(size_t start, size_t end, bool reverse,
                    const std::function<bool(size_t, std::string_view)>& visit) const {
  if (!reverse) {
    size_t pos;
    size_t n = Locate(start, &pos);
    size_t offset = OffsetOf(nodes_[n], pos);
    for (size_t i = start; i <= end; ++i) {
      if (offset >= nodes_[n].bytes) {
        ++n;
        offset = 0;
      }
      if (!visit(i, ReadForward(nodes_[n].buf, offset, &offset))) return;
    }
    return;
  }
  size_t pos;
  size_t n = Locate(end, &pos);
  // Offset just past element `pos` of node n.
  size_t offset = OffsetOf(nodes_[n], pos);
  ReadForward(nodes_[n].buf, offset, &offset);
  for (size_t i = end + 1; i-- > start;) {
    if (offset == 0) {
      --n;
      offset = nodes_[n].bytes;
    }
    offset = EntryStartBefore(nodes_[n].buf, offset);
    size_t next;
    if (!visit(i, ReadForward(nodes_[n].buf, offset, &next))) return;
  }
}

void List::ForEach(const std::function<void(std::string_view)>& visit) const {
  for (const Node& node : nodes_) {
    size_t offset = 0;
    while (offset < node.bytes) visit(ReadForward(node.buf, offset, &offset));
  }
}

}  // namespace rill::ds
