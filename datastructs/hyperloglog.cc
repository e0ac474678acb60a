// Redis 7.0's HyperLogLog (src/hyperloglog.c), rewritten over std::string and string_view.
// Where Redis reads the sds terminator (the second byte of an XZERO opcode that ends the
// string, the byte after the last dense register) this code reads a zero without touching
// memory past the value: a value from the keyspace has no terminator behind it.
#include "datastructs/hyperloglog.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

namespace rill::ds::hll {
namespace {

constexpr int kP = 14;
constexpr int kQ = 64 - kP;  // hash bits that count zeros
constexpr uint64_t kIndexMask = kRegisters - 1;
constexpr int kRegisterMax = 63;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;
constexpr int kZeroMaxLen = 64;
constexpr int kXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

bool IsZero(uint8_t op) { return (op & 0xc0) == 0; }
bool IsXZero(uint8_t op) { return (op & 0xc0) == 0x40; }
bool IsVal(uint8_t op) { return (op & 0x80) != 0; }
int ZeroLen(uint8_t op) { return (op & 0x3f) + 1; }
int XZeroLen(uint8_t op, uint8_t next) { return (((op & 0x3f) << 8) | next) + 1; }
int ValValue(uint8_t op) { return ((op >> 2) & 0x1f) + 1; }
int ValLen(uint8_t op) { return (op & 0x3) + 1; }
uint8_t ValOp(int value, int len) {
  return static_cast<uint8_t>(((value - 1) << 2) | (len - 1) | 0x80);
}
uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
void PutXZero(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
uint8_t* Bytes(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }

// The byte after an opcode at `i`, or 0 past the end (Redis reads the sds terminator there).
uint8_t NextByte(const uint8_t* p, size_t i, size_t end) { return i + 1 < end ? p[i + 1] : 0; }

// Walks the sparse opcodes of `hll`, calling zeros(run) and val(first register, value, run) in
// order. Returns the number of registers covered, which is kRegisters for a valid form; -1 when
// `val` asks to stop, and a larger number as soon as the opcodes go past the last register (a
// corrupt string of hundreds of MB costs no more than a valid one).
template <typename OnZeros, typename OnVal>
int64_t WalkSparse(std::string_view hll, OnZeros zeros, OnVal val) {
  const uint8_t* p = Bytes(hll);
  const size_t end = hll.size();
  int64_t idx = 0;
  for (size_t i = kHeaderSize; i < end;) {
    const uint8_t op = p[i];
    if (IsZero(op)) {
      const int run = ZeroLen(op);
      zeros(run);
      idx += run;
      i += 1;
    } else if (IsXZero(op)) {
      const int run = XZeroLen(op, NextByte(p, i, end));
      zeros(run);
      idx += run;
      i += 2;
    } else {
      const int run = ValLen(op);
      if (!val(idx, ValValue(op), run)) return -1;
      idx += run;
      i += 1;
    }
    if (idx > kRegisters) return idx;
  }
  return idx;
}

void DenseHistogram(const uint8_t* r, int* histo) {
  // 16 registers in every 12 bytes; never reads past the last register's byte.
  for (int j = 0; j < kRegisters / 16; ++j, r += 12) {
    ++histo[r[0] & 63];
    ++histo[(r[0] >> 6 | r[1] << 2) & 63];
    ++histo[(r[1] >> 4 | r[2] << 4) & 63];
    ++histo[(r[2] >> 2) & 63];
    ++histo[r[3] & 63];
    ++histo[(r[3] >> 6 | r[4] << 2) & 63];
    ++histo[(r[4] >> 4 | r[5] << 4) & 63];
    ++histo[(r[5] >> 2) & 63];
    ++histo[r[6] & 63];
    ++histo[(r[6] >> 6 | r[7] << 2) & 63];
    ++histo[(r[7] >> 4 | r[8] << 4) & 63];
    ++histo[(r[8] >> 2) & 63];
    ++histo[r[9] & 63];
    ++histo[(r[9] >> 6 | r[10] << 2) & 63];
    ++histo[(r[10] >> 4 | r[11] << 4) & 63];
    ++histo[(r[11] >> 2) & 63];
  }
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for HyperLogLog sketches",
// arXiv:1702.01284), iterated until the sum stops changing, exactly as Redis does: the same
// operations in the same order give the same doubles, hence the same rounded estimate.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double y = 1;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    const double d = 1 - x;
    z -= d * d * y;  // Redis's pow(1 - x, 2), which the compiler turns into this product
  } while (previous != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

// Sparse to dense, then the register raised: Redis's "promote" path of hllSparseSet.
int Promote(std::string& hll, int index, uint8_t count) {
  if (!SparseToDense(hll)) return -1;
  uint8_t* registers = Bytes(hll) + kHeaderSize;
  if (DenseGet(registers, index) >= count) return 0;
  DenseSet(registers, index, count);
  return 1;
}

}  // namespace

bool IsHll(std::string_view bytes) {
  if (bytes.size() < kHeaderSize) return false;
  if (bytes.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = static_cast<uint8_t>(bytes[4]);
  if (encoding > kSparse) return false;
  return encoding != kDense || bytes.size() == kDenseSize;
}

std::string NewSparse() {
  std::string hll(kHeaderSize + 2 * ((kRegisters + kXZeroMaxLen - 1) / kXZeroMaxLen), '\0');
  std::memcpy(hll.data(), "HYLL", 4);
  hll[4] = static_cast<char>(kSparse);
  uint8_t* p = Bytes(hll) + kHeaderSize;
  for (int left = kRegisters; left > 0; p += 2) {
    const int run = left < kXZeroMaxLen ? left : kXZeroMaxLen;
    PutXZero(p, run);
    left -= run;
  }
  return hll;
}

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  // Redis passes the length as an int: the same product for every length an element can have.
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int>(len)) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k;
    std::memcpy(&k, data, sizeof(k));  // little endian, as Redis reads on every platform
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  switch (len & 7) {
    case 7:
      h ^= uint64_t{data[6]} << 48;
      [[fallthrough]];
    case 6:
      h ^= uint64_t{data[5]} << 40;
      [[fallthrough]];
    case 5:
      h ^= uint64_t{data[4]} << 32;
      [[fallthrough]];
    case 4:
      h ^= uint64_t{data[3]} << 24;
      [[fallthrough]];
    case 3:
      h ^= uint64_t{data[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint64_t{data[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint64_t{data[0]};
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

Pattern PatternOf(std::string_view element) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), 0xadc83b19ULL);
  const int index = static_cast<int>(hash & kIndexMask);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the run ends by bit Q at the latest: count <= Q + 1
  return {index, static_cast<uint8_t>(__builtin_ctzll(hash) + 1)};
}

uint8_t DenseGet(const uint8_t* registers, int index) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned fb = bit & 7;
  unsigned v = registers[byte] >> fb;
  if (fb > 2) v |= static_cast<unsigned>(registers[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(v & kRegisterMax);
}

void DenseSet(uint8_t* registers, int index, uint8_t value) {
  const size_t bit = static_cast<size_t>(index) * 6;
  const size_t byte = bit / 8;
  const unsigned fb = bit & 7;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << fb)) | (value << fb));
  if (fb > 2) {
    const unsigned fb8 = 8 - fb;
    registers[byte + 1] =
        static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> fb8)) | (value >> fb8));
  }
}

bool CacheValid(std::string_view hll) { return (static_cast<uint8_t>(hll[15]) & 0x80) == 0; }

uint64_t CachedCardinality(std::string_view hll) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(hll[8 + i]);
  return card;
}

void StoreCardinality(uint8_t* hll, uint64_t card) {
  for (int i = 0; i < 8; ++i) hll[8 + i] = static_cast<uint8_t>(card >> (8 * i));
}

void InvalidateCache(uint8_t* hll) { hll[15] |= 0x80; }

int SparseSet(std::string& hll, int index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kValMaxValue) return Promote(hll, index, count);

  // Step 1: the opcode covering `index`.
  size_t end = hll.size();
  size_t pos = kHeaderSize;
  size_t prev = 0;  // 0: none (the header is never an opcode)
  int64_t first = 0;
  int64_t span = 0;
  while (pos < end) {
    const uint8_t* p = Bytes(hll);
    size_t oplen = 1;
    if (IsZero(p[pos])) {
      span = ZeroLen(p[pos]);
    } else if (IsVal(p[pos])) {
      span = ValLen(p[pos]);
    } else {
      span = XZeroLen(p[pos], NextByte(p, pos, end));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = pos;
    pos += oplen;
    first += span;
  }
  if (span == 0 || pos >= end) return -1;
  // A corrupt string can end inside an XZERO; give it its second byte (the zero Redis reads
  // there) so that the edits below stay inside the string.
  if (IsXZero(static_cast<uint8_t>(hll[pos])) && pos + 1 == end) {
    hll.push_back('\0');
    ++end;
  }
  uint8_t* p = Bytes(hll);
  const uint8_t op = p[pos];
  const bool is_zero = IsZero(op);
  const bool is_xzero = IsXZero(op);
  const bool is_val = IsVal(op);
  const int runlen = is_zero ? ZeroLen(op) : is_xzero ? XZeroLen(op, p[pos + 1]) : ValLen(op);

  // Step 2: the trivial cases, changed in place.
  bool updated = false;
  if (is_val) {
    if (ValValue(op) >= count) return 0;  // A: already as high
    if (runlen == 1) {                    // B: a VAL of this register alone
      p[pos] = ValOp(count, 1);
      updated = true;
    }
  }
  if (!updated && is_zero && runlen == 1) {  // C: a ZERO of this register alone
    p[pos] = ValOp(count, 1);
    updated = true;
  }

  if (!updated) {
    // D: split the opcode into up to three (XZERO-VAL-XZERO at worst: 5 bytes).
    uint8_t seq[5];
    uint8_t* n = seq;
    const int64_t last = first + span - 1;
    if (is_zero || is_xzero) {
      auto zeros = [&n](int64_t len) {
        if (len > kZeroMaxLen) {
          PutXZero(n, static_cast<int>(len));
          n += 2;
        } else {
          *n++ = ZeroOp(static_cast<int>(len));
        }
      };
      if (index != first) zeros(index - first);
      *n++ = ValOp(count, 1);
      if (index != last) zeros(last - index);
    } else {
      const int current = ValValue(op);
      if (index != first) *n++ = ValOp(current, static_cast<int>(index - first));
      *n++ = ValOp(count, 1);
      if (index != last) *n++ = ValOp(current, static_cast<int>(last - index));
    }
    // Step 3: the new sequence in place of the old opcode, unless that makes the sparse form
    // too long: then dense.
    const size_t seqlen = static_cast<size_t>(n - seq);
    const size_t oldlen = is_xzero ? 2 : 1;
    if (seqlen > oldlen && end + (seqlen - oldlen) > sparse_max_bytes) {
      return Promote(hll, index, count);
    }
    hll.replace(pos, oldlen, reinterpret_cast<const char*>(seq), seqlen);
    end = hll.size();
    p = Bytes(hll);
  }

  // Step 4: merge adjacent VALs of the same value, scanning up to 5 opcodes from the previous.
  size_t i = prev != 0 ? prev : kHeaderSize;
  int scanlen = 5;
  while (i < end && scanlen--) {
    if (IsXZero(p[i])) {
      i += 2;
      continue;
    }
    if (IsZero(p[i])) {
      i += 1;
      continue;
    }
    if (i + 1 < end && IsVal(p[i + 1])) {
      const int v1 = ValValue(p[i]);
      const int v2 = ValValue(p[i + 1]);
      if (v1 == v2) {
        const int len = ValLen(p[i]) + ValLen(p[i + 1]);
        if (len <= kValMaxLen) {
          p[i + 1] = ValOp(v1, len);
          hll.erase(i, 1);
          end = hll.size();
          p = Bytes(hll);
          continue;  // try to merge the merged VAL with the next one too
        }
      }
    }
    i += 1;
  }
  InvalidateCache(p);
  return 1;
}

int Add(std::string& hll, std::string_view element, size_t sparse_max_bytes) {
  const Pattern pattern = PatternOf(element);
  switch (EncodingOf(hll)) {
    case kDense: {
      uint8_t* registers = Bytes(hll) + kHeaderSize;
      if (DenseGet(registers, pattern.index) >= pattern.count) return 0;
      DenseSet(registers, pattern.index, pattern.count);
      return 1;
    }
    case kSparse:
      return SparseSet(hll, pattern.index, pattern.count, sparse_max_bytes);
    default:
      return -1;
  }
}

bool SparseToDense(std::string& hll) {
  if (EncodingOf(hll) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll.data(), kHeaderSize);  // magic, reserved bytes, cached card
  dense[4] = static_cast<char>(kDense);
  uint8_t* registers = Bytes(dense) + kHeaderSize;
  const int64_t covered = WalkSparse(
      hll, [](int) {},
      [registers](int64_t idx, int value, int run) {
        if (idx + run > kRegisters) return false;
        for (int k = 0; k < run; ++k) DenseSet(registers, static_cast<int>(idx + k), value);
        return true;
      });
  if (covered != kRegisters) return false;
  hll = std::move(dense);
  return true;
}

std::optional<uint64_t> Count(std::string_view hll) {
  int histo[64] = {};
  if (EncodingOf(hll) == kDense) {
    if (hll.size() != kDenseSize) return std::nullopt;
    DenseHistogram(Bytes(hll) + kHeaderSize, histo);
  } else {
    const int64_t covered = WalkSparse(
        hll, [&histo](int run) { histo[0] += run; },
        [&histo](int64_t, int value, int run) {
          histo[value] += run;
          return true;
        });
    if (covered != kRegisters) return std::nullopt;
  }
  return Estimate(histo);
}

uint64_t CountRaw(const uint8_t* registers) {
  int histo[64] = {};
  for (int i = 0; i < kRegisters; ++i) ++histo[registers[i] & 63];
  return Estimate(histo);
}

bool MergeInto(uint8_t* max, std::string_view hll) {
  if (EncodingOf(hll) == kDense) {
    if (hll.size() != kDenseSize) return false;
    const uint8_t* registers = Bytes(hll) + kHeaderSize;
    for (int i = 0; i < kRegisters; ++i) {
      const uint8_t v = DenseGet(registers, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const int64_t covered = WalkSparse(
      hll, [](int) {},
      [max](int64_t idx, int value, int run) {
        if (idx + run > kRegisters) return false;
        for (int k = 0; k < run; ++k) {
          if (value > max[idx + k]) max[idx + k] = static_cast<uint8_t>(value);
        }
        return true;
      });
  return covered == kRegisters;
}

std::string DecodeSparse(std::string_view hll) {
  std::string out;
  const uint8_t* p = Bytes(hll);
  const size_t end = hll.size();
  for (size_t i = kHeaderSize; i < end;) {
    const uint8_t op = p[i];
    if (IsZero(op)) {
      out += "z:" + std::to_string(ZeroLen(op)) + " ";
      i += 1;
    } else if (IsXZero(op)) {
      out += "Z:" + std::to_string(XZeroLen(op, NextByte(p, i, end))) + " ";
      i += 2;
    } else {
      out += "v:" + std::to_string(ValValue(op)) + "," + std::to_string(ValLen(op)) + " ";
      i += 1;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string SelfTest(size_t sparse_max_bytes) {
  std::mt19937_64 rng(std::random_device{}());
  // Test 1: every register keeps its own value and leaves its neighbours alone.
  std::string dense(kDenseSize, '\0');
  uint8_t* registers = Bytes(dense) + kHeaderSize;
  uint8_t expected[kRegisters];
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (int i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSet(registers, i, expected[i]);
    }
    for (int i = 0; i < kRegisters; ++i) {
      const uint8_t got = DenseGet(registers, i);
      if (got != expected[i]) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(expected[i]) + " but is " + std::to_string(got);
      }
    }
  }
  // Test 2: the estimate stays within six standard errors, dense and sparse agreeing.
  std::memset(registers, 0, kDenseSize - kHeaderSize);
  std::memcpy(dense.data(), "HYLL", 4);
  std::string sparse = NewSparse();
  const double relerr = 1.04 / std::sqrt(kRegisters);
  const uint64_t seed = rng();
  uint64_t checkpoint = 1;
  for (uint64_t j = 1; j <= 10'000'000; ++j) {
    const uint64_t element = j ^ seed;
    const std::string_view bytes(reinterpret_cast<const char*>(&element), sizeof(element));
    Add(dense, bytes, sparse_max_bytes);
    Add(sparse, bytes, sparse_max_bytes);
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && EncodingOf(sparse) != kSparse) {
      return "TESTFAILED sparse encoding not used";
    }
    const uint64_t card = *Count(dense);
    if (card != Count(sparse).value_or(~uint64_t{0})) return "TESTFAILED dense/sparse disagree";
    const int64_t abserr =
        std::llabs(static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card));
    uint64_t maxerr =
        static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;  // collisions make small counts err more, as Redis allows
    if (static_cast<uint64_t>(abserr) > maxerr) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
             " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return "";
}

}  // namespace rill::ds::hll
