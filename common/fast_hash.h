// FastHash: a multiply-and-fold string hash in the style of wyhash.
//
// Why our own: std::hash of a string (std::_Hash_bytes, which absl::Hash of a string_view went
// through on this abseil build too) cost about 48 instructions for a 16-byte string, and 90 for
// a 20-byte configuration name. A string of up to 16 bytes is two overlapping loads and two
// 64x64->128-bit multiplies here; longer ones fold 16 bytes per multiply. Every bit of the result
// depends on every input bit, so hash tables may take any of its bits.
//
// Seeded with ProcessHashSeed() by the keyspace (datastructs/key_hash.h) and by the string
// tables of common/string_util.h (channels, watched and blocked keys, command and parameter
// names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rill {

namespace fast_hash_internal {

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

}  // namespace fast_hash_internal

// A seed drawn from std::random_device on first use, the same for the rest of the process (and
// its forked children): which strings collide cannot be worked out from outside. Drawn on first
// use, not by a static initializer, so tables built during static initialization get it too.
uint64_t ProcessHashSeed();

inline uint64_t FastHash(std::string_view s, uint64_t seed) {
  using namespace fast_hash_internal;
  const char* p = s.data();
  size_t n = s.size();
  seed ^= kMul0;
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
  return Fold(kMul1 ^ s.size(), Fold(a ^ kMul1, b ^ seed) ^ kMul2);
}

}  // namespace rill
