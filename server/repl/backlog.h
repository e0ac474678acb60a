// The replication backlog (Redis's repl_backlog): the last `repl-backlog-size` bytes of the
// replication stream in a ring, so that a replica that lost its link for a moment continues
// from the byte it lacks (PSYNC ... +CONTINUE) instead of a full sync.
//
// Offsets are the stream's, as Redis numbers them: the first byte ever written has offset
// `start_offset` given to Reset (master_repl_offset + 1 when the backlog is created), and
// first_byte_offset() .. first_byte_offset() + histlen() - 1 are the bytes held.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rill {

class ReplicationBacklog {
 public:
  // Empties the ring and sizes it; the next byte appended has offset `start_offset`.
  void Reset(size_t size, int64_t start_offset);
  // Gives the memory back; inactive until the next Reset.
  void Free() {
    std::string().swap(ring_);
    head_ = histlen_ = 0;
    first_offset_ = 0;
  }
  // Keeps the newest bytes when shrinking (CONFIG SET repl-backlog-size).
  void Resize(size_t size);
  void Append(std::string_view bytes);

  bool active() const { return !ring_.empty(); }
  size_t size() const { return ring_.size(); }
  int64_t first_byte_offset() const { return first_offset_; }
  size_t histlen() const { return histlen_; }
  // Whether the byte at `offset` (1-based stream offset) up to the newest is held; an offset one
  // past the newest is held too (nothing to send).
  bool Covers(int64_t offset) const {
    return active() && offset >= first_offset_ &&
           offset <= first_offset_ + static_cast<int64_t>(histlen_);
  }
  // Appends the bytes from `offset` to the newest to `out`. REQUIRES: Covers(offset).
  void CopyFrom(int64_t offset, std::string* out) const;

 private:
  std::string ring_;
  size_t head_ = 0;  // where the next byte goes
  size_t histlen_ = 0;
  int64_t first_offset_ = 0;
};

}  // namespace rill
