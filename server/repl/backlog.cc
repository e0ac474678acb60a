#include "server/repl/backlog.h"

#include <algorithm>
#include <cstring>

namespace rill {

void ReplicationBacklog::Reset(size_t size, int64_t start_offset) {
  ring_.assign(std::max<size_t>(size, 1), '\0');
  head_ = 0;
  histlen_ = 0;
  first_offset_ = start_offset;
}

void ReplicationBacklog::Resize(size_t size) {
  size = std::max<size_t>(size, 1);
  if (!active() || size == ring_.size()) return;
  std::string held;
  CopyFrom(first_offset_, &held);
  const int64_t end = first_offset_ + static_cast<int64_t>(histlen_);
  ring_.assign(size, '\0');
  head_ = 0;
  histlen_ = 0;
  first_offset_ = end - static_cast<int64_t>(held.size());
  Append(held);
}

void ReplicationBacklog::Append(std::string_view bytes) {
  if (!active()) return;
  const size_t size = ring_.size();
  if (bytes.size() >= size) {  // only the newest `size` bytes stay
    const size_t dropped = bytes.size() - size;
    first_offset_ += static_cast<int64_t>(histlen_ + dropped);
    bytes.remove_prefix(dropped);
    ring_.assign(bytes);
    head_ = 0;
    histlen_ = size;
    return;
  }
  // memcpy into the ring in place (std::string::replace costs as much again per append).
  const size_t first = std::min(bytes.size(), size - head_);
  std::memcpy(ring_.data() + head_, bytes.data(), first);
  std::memcpy(ring_.data(), bytes.data() + first, bytes.size() - first);
  head_ = (head_ + bytes.size()) % size;
  const size_t total = histlen_ + bytes.size();
  if (total > size) {
    first_offset_ += static_cast<int64_t>(total - size);
    histlen_ = size;
  } else {
    histlen_ = total;
  }
}

void ReplicationBacklog::CopyFrom(int64_t offset, std::string* out) const {
  const size_t skip = static_cast<size_t>(offset - first_offset_);
  size_t len = histlen_ - skip;
  if (len == 0) return;
  const size_t size = ring_.size();
  // The oldest byte held sits histlen_ bytes behind head_.
  size_t pos = (head_ + size - histlen_ + skip) % size;
  while (len > 0) {
    const size_t n = std::min(len, size - pos);
    out->append(ring_, pos, n);
    len -= n;
    pos = (pos + n) % size;
  }
}

}  // namespace rill
