// Word-at-a-time bit work. The build targets baseline x86-64 (no -march), where
// __builtin_popcountll is a call into libgcc's table code: the POPCNT and AVX2 paths are compiled
// for their instruction sets with target attributes and chosen once by what the processor has.
// Measured in bench/bitops_bench.cc (BM_PopCount); the table in bench/README.md has the numbers.
#include "datastructs/bitops.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace rill::ds::bits {
namespace {

uint64_t LoadWord(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}
void StoreWord(uint8_t* p, uint64_t w) { std::memcpy(p, &w, sizeof(w)); }

// Per-byte counts summed as in Hacker's Delight 5-1: no table, no special instruction.
uint64_t PopCountWord(uint64_t w) {
  w = w - ((w >> 1) & 0x5555555555555555ULL);
  w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
  w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (w * 0x0101010101010101ULL) >> 56;
}

uint64_t PopCountPortable(const uint8_t* p, size_t n) {
  uint64_t count = 0;
  for (; n >= 8; p += 8, n -= 8) count += PopCountWord(LoadWord(p));
  for (; n > 0; ++p, --n) count += PopCountWord(*p);
  return count;
}

#if defined(__x86_64__)
// Four independent sums so that the POPCNTs of one iteration do not wait on each other.
__attribute__((target("popcnt"))) uint64_t PopCountPopcnt(const uint8_t* p, size_t n) {
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (; n >= 32; p += 32, n -= 32) {
    c0 += __builtin_popcountll(LoadWord(p));
    c1 += __builtin_popcountll(LoadWord(p + 8));
    c2 += __builtin_popcountll(LoadWord(p + 16));
    c3 += __builtin_popcountll(LoadWord(p + 24));
  }
  for (; n >= 8; p += 8, n -= 8) c0 += __builtin_popcountll(LoadWord(p));
  for (; n > 0; ++p, --n) c1 += __builtin_popcountll(*p);
  return c0 + c1 + c2 + c3;
}

// Mula's nibble lookup: each byte's count from two PSHUFB lookups, the bytes' counts summed per
// 64-bit lane by PSADBW. Byte counters take at most 8 per iteration, so 31 iterations fit before
// they are folded into the 64-bit sums.
__attribute__((target("avx2,popcnt"))) uint64_t PopCountAvx2(const uint8_t* p, size_t n) {
  const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,  //
                                         0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i total = _mm256_setzero_si256();
  while (n >= 32) {
    __m256i bytes = _mm256_setzero_si256();
    for (int i = 0; i < 31 && n >= 32; ++i, p += 32, n -= 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
      const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
      bytes = _mm256_add_epi8(bytes, _mm256_add_epi8(lo, hi));
    }
    total = _mm256_add_epi64(total, _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
  }
  uint64_t lanes[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), total);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + PopCountPopcnt(p, n);
}
#endif

using PopCountFn = uint64_t (*)(const uint8_t*, size_t);

struct PopCounters {
  PopCountFn small = &PopCountPortable;  // below kAvx2From bytes
  PopCountFn large = &PopCountPortable;
};

// Below this, AVX2's set-up and the final fold cost more than they save.
constexpr size_t kAvx2From = 256;

PopCounters ChoosePopCounters() {
  PopCounters c;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("popcnt")) c.small = c.large = &PopCountPopcnt;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) c.large = &PopCountAvx2;
#endif
  return c;
}

const PopCounters kPopCounters = ChoosePopCounters();

// The first byte of `p[0..n)` that is not `skip`, or n.
size_t SkipBytes(const uint8_t* p, size_t n, uint8_t skip) {
  const uint64_t skip_word = skip == 0 ? 0 : ~uint64_t{0};
  size_t i = 0;
  while (n - i >= 32 && LoadWord(p + i) == skip_word && LoadWord(p + i + 8) == skip_word &&
         LoadWord(p + i + 16) == skip_word && LoadWord(p + i + 24) == skip_word) {
    i += 32;
  }
  while (n - i >= 8 && LoadWord(p + i) == skip_word) i += 8;
  while (i < n && p[i] == skip) ++i;
  return i;
}

// Applies `op` with `src` to the first src.size() bytes of `out`, a word at a time.
template <typename F>
void ApplyWords(uint8_t* out, std::string_view src, F f) {
  const auto* s = reinterpret_cast<const uint8_t*>(src.data());
  const size_t n = src.size();
  size_t i = 0;
  for (; n - i >= 32; i += 32) {
    StoreWord(out + i, f(LoadWord(out + i), LoadWord(s + i)));
    StoreWord(out + i + 8, f(LoadWord(out + i + 8), LoadWord(s + i + 8)));
    StoreWord(out + i + 16, f(LoadWord(out + i + 16), LoadWord(s + i + 16)));
    StoreWord(out + i + 24, f(LoadWord(out + i + 24), LoadWord(s + i + 24)));
  }
  for (; n - i >= 8; i += 8) StoreWord(out + i, f(LoadWord(out + i), LoadWord(s + i)));
  for (; i < n; ++i) out[i] = static_cast<uint8_t>(f(out[i], s[i]));
}

// The field's bytes, big endian, in the low bits of a 128-bit integer (at most 9 bytes).
struct FieldBytes {
  uint64_t first;  // index of the first byte
  unsigned count;  // bytes covered
  unsigned shift;  // bits right of the field in the last byte
};

FieldBytes Locate(uint64_t offset, unsigned bits) {
  const unsigned lead = static_cast<unsigned>(offset & 7);
  const unsigned count = (lead + bits + 7) / 8;
  return {offset >> 3, count, count * 8 - lead - bits};
}

uint64_t FieldMask(unsigned bits) { return bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

int64_t SignExtend(uint64_t u, unsigned bits) {
  if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

}  // namespace

uint64_t PopCount(const uint8_t* p, size_t n) {
  return n < kAvx2From ? kPopCounters.small(p, n) : kPopCounters.large(p, n);
}

int64_t FindBit(const uint8_t* p, size_t n, int bit) {
  const uint8_t skip = bit ? 0x00 : 0xff;
  const size_t i = SkipBytes(p, n, skip);
  if (i == n) return bit ? -1 : static_cast<int64_t>(n) * 8;
  const unsigned byte = bit ? p[i] : static_cast<uint8_t>(~p[i]);
  // The byte is not zero: its leading zeros (in 8 bits) are the bit's position within it.
  return static_cast<int64_t>(i) * 8 + (__builtin_clz(byte) - 24);
}

void Combine(Op op, std::span<const std::string_view> sources, uint8_t* out, size_t out_len) {
  const std::string_view first = sources[0];
  if (!first.empty()) std::memcpy(out, first.data(), first.size());
  if (first.size() < out_len) std::memset(out + first.size(), 0, out_len - first.size());
  switch (op) {
    case Op::kNot:
      for (size_t i = 0; i + 8 <= out_len; i += 8) StoreWord(out + i, ~LoadWord(out + i));
      for (size_t i = out_len & ~size_t{7}; i < out_len; ++i)
        out[i] = static_cast<uint8_t>(~out[i]);
      return;
    case Op::kAnd:
      for (size_t k = 1; k < sources.size(); ++k) {
        ApplyWords(out, sources[k], [](uint64_t a, uint64_t b) { return a & b; });
        // Past a source's end it reads as zeros: the rest of the result is zero.
        if (sources[k].size() < out_len) {
          std::memset(out + sources[k].size(), 0, out_len - sources[k].size());
        }
      }
      return;
    case Op::kOr:
      for (size_t k = 1; k < sources.size(); ++k) {
        ApplyWords(out, sources[k], [](uint64_t a, uint64_t b) { return a | b; });
      }
      return;
    case Op::kXor:
      for (size_t k = 1; k < sources.size(); ++k) {
        ApplyWords(out, sources[k], [](uint64_t a, uint64_t b) { return a ^ b; });
      }
      return;
  }
}

uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, unsigned bits) {
  const FieldBytes f = Locate(offset, bits);
  unsigned __int128 acc = 0;
  for (unsigned i = 0; i < f.count; ++i) acc = (acc << 8) | p[f.first + i];
  return static_cast<uint64_t>(acc >> f.shift) & FieldMask(bits);
}

int64_t GetSigned(const uint8_t* p, uint64_t offset, unsigned bits) {
  return SignExtend(GetUnsigned(p, offset, bits), bits);
}

void SetField(uint8_t* p, uint64_t offset, unsigned bits, uint64_t value) {
  const FieldBytes f = Locate(offset, bits);
  unsigned __int128 acc = 0;
  for (unsigned i = 0; i < f.count; ++i) acc = (acc << 8) | p[f.first + i];
  const unsigned __int128 mask = static_cast<unsigned __int128>(FieldMask(bits)) << f.shift;
  acc = (acc & ~mask) | ((static_cast<unsigned __int128>(value) << f.shift) & mask);
  for (unsigned i = f.count; i-- > 0;) {
    p[f.first + i] = static_cast<uint8_t>(acc);
    acc >>= 8;
  }
}

uint64_t GetUnsignedPadded(std::string_view s, uint64_t offset, unsigned bits) {
  uint8_t buf[9] = {};
  const uint64_t first = offset >> 3;
  for (uint64_t i = 0; i < sizeof(buf) && first + i < s.size(); ++i) {
    buf[i] = static_cast<uint8_t>(s[first + i]);
  }
  return GetUnsigned(buf, offset & 7, bits);
}

int64_t GetSignedPadded(std::string_view s, uint64_t offset, unsigned bits) {
  return SignExtend(GetUnsignedPadded(s, offset, bits), bits);
}

int CheckUnsignedOverflow(uint64_t value, int64_t incr, unsigned bits, Overflow mode,
                          uint64_t* limit) {
  const uint64_t max = FieldMask(bits);
  // As Redis computes them: the distances to the limits, as signed 64-bit numbers.
  const int64_t max_incr = static_cast<int64_t>(max - value);
  const int64_t min_incr = static_cast<int64_t>(-value);
  int result = 0;
  if (value > max || (incr > 0 && incr > max_incr)) {
    result = 1;
    if (mode == Overflow::kSat) *limit = max;
  } else if (incr < 0 && incr < min_incr) {
    result = -1;
    if (mode == Overflow::kSat) *limit = 0;
  } else {
    return 0;
  }
  if (mode == Overflow::kWrap) {
    *limit = (value + static_cast<uint64_t>(incr)) & max;
    return 1;  // Redis reports a wrap as an overflow whichever way it went
  }
  return result;
}

int CheckSignedOverflow(int64_t value, int64_t incr, unsigned bits, Overflow mode, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  // Redis's maxincr and minincr, whose own overflow (possible only for 64-bit fields) is
  // harmless: they are only used where it cannot happen. Computed unsigned to stay defined.
  const int64_t max_incr =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const int64_t min_incr =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result = 0;
  if (value > max || (bits != 64 && incr > max_incr) ||
      (value >= 0 && incr > 0 && incr > max_incr)) {
    result = 1;
    if (mode == Overflow::kSat) *limit = max;
  } else if (value < min || (bits != 64 && incr < min_incr) ||
             (value < 0 && incr < 0 && incr < min_incr)) {
    result = -1;
    if (mode == Overflow::kSat) *limit = min;
  } else {
    return 0;
  }
  if (mode == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    *limit = SignExtend(c & FieldMask(bits), bits);
    return 1;
  }
  return result;
}

}  // namespace rill::ds::bits
