// The eviction pool of approximated LRU / LFU / TTL eviction (as Redis's evictionPoolEntry
// array): the best candidates seen over the last samplings, ordered by score, where a higher
// score means a better key to evict (idle time, 255 - frequency, or "expires sooner").
//
// Each eviction samples a few keys per database into the pool and evicts the best one that still
// exists; candidates that were not good enough stay for the next round, so the quality of a
// handful of samples per eviction approaches that of a much larger sample.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rill::ds {

class EvictionPool {
 public:
  static constexpr size_t kSize = 16;

  EvictionPool();

  // Offers a candidate. It enters when the pool has room or it beats the worst candidate, which
  // then leaves; a key already in the pool for the same database is not added twice.
  void Offer(uint64_t score, int db, std::string_view key);

  // Removes the best candidate into *db / *key; false when the pool is empty.
  bool PopBest(int* db, std::string* key);

  size_t size() const { return size_; }
  void Clear() { size_ = 0; }

 private:
  struct Candidate {
    uint64_t score = 0;
    int db = 0;
    std::string key;  // capacity kept between uses: no allocation per offer for short keys
  };
  // entries_[0, size_) ascending by score; the best candidate is the last.
  std::array<Candidate, kSize> entries_;
  size_t size_ = 0;
};

}  // namespace rill::ds
