#include "datastructs/eviction_pool.h"

#include <algorithm>

namespace rill::ds {

namespace {
// Keys up to this long never reallocate their pool slot (Redis caches 255-byte buffers too).
constexpr size_t kCachedKeyBytes = 255;
}  // namespace

EvictionPool::EvictionPool() {
  for (Candidate& c : entries_) c.key.reserve(kCachedKeyBytes);
}

void EvictionPool::Offer(uint64_t score, int db, std::string_view key) {
  size_t k = 0;
  while (k < size_ && entries_[k].score < score) ++k;
  if (k == 0 && size_ == kSize) return;  // worse than every candidate of a full pool
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].db == db && entries_[i].key == key) return;
  }
  size_t at;
  if (size_ < kSize) {
    // Room on the right: move [k, size_) one step right (the spare slot comes to k).
    std::rotate(entries_.begin() + k, entries_.begin() + size_, entries_.begin() + size_ + 1);
    at = k;
    ++size_;
  } else {
    // Full: the worst candidate (slot 0) leaves, [1, k) moves one step left.
    std::rotate(entries_.begin(), entries_.begin() + 1, entries_.begin() + k);
    at = k - 1;
  }
  Candidate& c = entries_[at];
  c.score = score;
  c.db = db;
  c.key.assign(key);
}

bool EvictionPool::PopBest(int* db, std::string* key) {
  if (size_ == 0) return false;
  Candidate& c = entries_[--size_];
  *db = c.db;
  key->assign(c.key);
  return true;
}

}  // namespace rill::ds
