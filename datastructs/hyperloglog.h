// Redis's HyperLogLog, byte for byte: a Redis string value that either server can read.
//
//   +------+---+-----+-----------+---------------------------------------------+
//   | HYLL | E | 0 0 0 | card (8) | registers: dense (12288 bytes) or sparse   |
//   +------+---+-----+-----------+---------------------------------------------+
//
// E is the encoding (0 dense, 1 sparse). `card` is the cached cardinality, little endian; its
// top bit set means "stale, recompute". 16384 registers of 6 bits hold, for the elements whose
// hash (MurmurHash64A, seed 0xadc83b19) selects them by its low 14 bits, the longest run of
// zeros + 1 in the other 50 bits. Dense packs them little-end first; sparse run-length codes
// them with three opcodes:
//   ZERO  00xxxxxx           xxxxxx+1 registers (1..64) set to 0
//   XZERO 01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 registers (1..16384) set to 0
//   VAL   1vvvvvxx           xx+1 registers (1..4) set to vvvvv+1 (1..32)
// A new HLL is sparse; it turns dense when a register needs more than 32 or the sparse form
// would grow past hll-sparse-max-bytes. Every operation below makes the same bytes as Redis 7.0
// (the same opcode splits and merges, the same promotion points) and the count is Redis 7.0's
// estimator (Ertl's improved estimator over the register histogram), so values travel between
// the two servers through GET/SET, DUMP/RESTORE, RDB and AOF and count the same.
//
// Pure functions over bytes. Functions that read registers report a corrupt representation
// (a sparse form whose opcodes do not cover exactly 16384 registers) instead of trusting it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rill::ds::hll {

inline constexpr size_t kHeaderSize = 16;
inline constexpr int kRegisters = 16384;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

// Redis's isHLLObjectOrReply on the bytes of a string value: at least a header, "HYLL", an
// encoding of 0 or 1, and exactly kDenseSize bytes when dense. (A sparse body is only checked
// when read.) The caller checks the value is not stored as an integer, which Redis refuses too.
bool IsHll(std::string_view bytes);
// The encoding byte. REQUIRES: IsHll.
inline uint8_t EncodingOf(std::string_view hll) { return static_cast<uint8_t>(hll[4]); }

// An empty HLL as PFADD creates it: sparse, the registers as XZERO:16384 (20 bytes).
std::string NewSparse();

// MurmurHash2, 64-bit version, endian-neutral, as Redis's MurmurHash64A.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// Where `element` lands: its register and the count that register must reach (1..51).
struct Pattern {
  int index;
  uint8_t count;
};
Pattern PatternOf(std::string_view element);

// Dense registers (`registers` points past the header; 12288 bytes).
uint8_t DenseGet(const uint8_t* registers, int index);
void DenseSet(uint8_t* registers, int index, uint8_t value);

// The cached cardinality. REQUIRES: at least a header.
bool CacheValid(std::string_view hll);
uint64_t CachedCardinality(std::string_view hll);
void StoreCardinality(uint8_t* hll, uint64_t card);  // also marks it valid
void InvalidateCache(uint8_t* hll);

// Redis's hllSparseSet on `hll` (sparse): raises register `index` to `count` if lower, with the
// same opcode edits as Redis, or promotes `hll` to dense when the value does not fit a VAL or
// the result would be longer than `sparse_max_bytes`. Returns 1 if the register changed (the
// cache is then invalidated), 0 if not, -1 if the sparse form is corrupt.
int SparseSet(std::string& hll, int index, uint8_t count, size_t sparse_max_bytes);
// Adds `element` to `hll` (dense or sparse), as Redis's hllAdd: 1 changed, 0 not, -1 corrupt.
// The cache is not touched for a dense HLL (PFADD invalidates it once after all elements).
int Add(std::string& hll, std::string_view element, size_t sparse_max_bytes);
// Rewrites a sparse `hll` as dense (header and cached cardinality kept); false if corrupt.
// A dense `hll` is left as it is.
bool SparseToDense(std::string& hll);

// Redis's hllCount: the estimated cardinality, or nullopt for a corrupt sparse form.
std::optional<uint64_t> Count(std::string_view hll);
// The same over 16384 registers of one byte each (the union PFCOUNT of several keys builds).
uint64_t CountRaw(const uint8_t* registers);
// Raises `max[i]` to register i of `hll` for every i (PFCOUNT and PFMERGE over several keys);
// false for a corrupt sparse form.
bool MergeInto(uint8_t* max, std::string_view hll);

// PFDEBUG DECODE's text for a sparse HLL: "Z:8436 v:1,1 z:3 ...".
std::string DecodeSparse(std::string_view hll);

// PFSELFTEST: register access over random values and the estimate's error against known
// cardinalities up to 10^7, dense and sparse agreeing. Empty when it passes, else Redis's
// "TESTFAILED ..." text.
std::string SelfTest(size_t sparse_max_bytes);

}  // namespace rill::ds::hll
