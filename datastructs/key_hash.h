// The keyspace's hash of a key name (KeyIndex::Hash).
//
// Why our own: every command hashes its key twice (the pipeline prefetch, then the lookup), and
// the hash we had (absl::Hash of a string_view, which went through std::hash's _Hash_bytes on
// this abseil build) cost about 48 instructions for a 16-byte key: 5.4% of the server's
// instructions on GET at pipeline 16 in callgrind. This one is a multiply-and-fold hash in the
// style of wyhash: a key of up to 16 bytes is two overlapping loads and two 64x64->128-bit
// multiplies, longer keys fold 16 bytes per multiply. Every bit of the result depends on every
// input bit, which KeyIndex needs: its directory takes the low bits and the segments' tables
// the high ones.
//
// The seed is drawn once per process, as Redis seeds its siphash: which keys collide cannot be
// worked out from outside, so a client cannot fill one segment on purpose. It stays the same
// for the process's life (and in its forked children), as the index requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rill::ds {

namespace key_hash_internal {

inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Odd constants with about half their bits set, so that a multiply spreads every input bit.
inline constexpr uint64_t kMul0 = 0xa0761d6478bd642full;
inline constexpr uint64_t kMul1 = 0xe7037ed1a0b428dbull;
inline constexpr uint64_t kMul2 = 0x8ebc6af09c88c6e3ull;

// Drawn at start-up (key_hash.cc).
extern const uint64_t kSeed;

}  // namespace key_hash_internal

inline uint64_t HashKey(std::string_view key) {
  using namespace key_hash_internal;
  const char* p = key.data();
  size_t n = key.size();
  uint64_t seed = kSeed ^ kMul0;
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 8) {
      a = Load64(p);
      b = Load64(p + n - 8);
    } else if (n >= 4) {
      a = Load32(p);
      b = Load32(p + n - 4);
    } else if (n > 0) {
      a = (uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (uint64_t{static_cast<unsigned char>(p[n >> 1])} << 8) |
          static_cast<unsigned char>(p[n - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    // 16 bytes per step; the last step takes the final 16 bytes, overlapping the previous ones.
    while (n > 16) {
      seed = Fold(Load64(p) ^ kMul1, Load64(p + 8) ^ seed);
      p += 16;
      n -= 16;
    }
    a = Load64(p + n - 16);
    b = Load64(p + n - 8);
  }
  return Fold(kMul1 ^ key.size(), Fold(a ^ kMul1, b ^ seed) ^ kMul2);
}

}  // namespace rill::ds
