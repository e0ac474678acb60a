// Bit work on string values for the bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP
// BITFIELD), word at a time. Bits are numbered as Redis numbers them: bit 0 is the most
// significant bit of the first byte, bit 8 the most significant of the second, and so on; a
// bit field of N bits at offset O is the big-endian integer formed by bits O .. O+N-1.
//
// Pure functions over bytes: the command layer parses, looks keys up and replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace rill::ds::bits {

// Number of bits set in the `n` bytes at `p`. Uses the POPCNT instruction (or AVX2 on large
// inputs) when the processor has it, checked once at run time.
uint64_t PopCount(const uint8_t* p, size_t n);

// Position of the first bit equal to `bit` (0 or 1) in the `n` bytes at `p`, counted from bit 0.
// Looking for a 1 in bytes with none gives -1. Looking for a 0 in bytes with none gives n * 8:
// the bytes read as if the string went on with zeros, as Redis's redisBitpos answers.
int64_t FindBit(const uint8_t* p, size_t n, int bit);

// BITOP's operations. kNot takes exactly one source.
enum class Op : uint8_t { kAnd, kOr, kXor, kNot };

// Writes `op` over `sources` into `out`, which holds `out_len` bytes, the length of the longest
// source: a source shorter than that reads as zero bytes past its end (so AND with a short
// source clears the tail). REQUIRES: out_len == max source length > 0; out does not overlap a
// source.
void Combine(Op op, std::span<const std::string_view> sources, uint8_t* out, size_t out_len);

// Bit fields of 1..64 bits. REQUIRES: the bytes at `p` cover bits offset .. offset+bits-1.
uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, unsigned bits);
int64_t GetSigned(const uint8_t* p, uint64_t offset, unsigned bits);
// Stores the low `bits` bits of `value`.
void SetField(uint8_t* p, uint64_t offset, unsigned bits, uint64_t value);
// The same reads from a string that may end before the field: missing bytes read as zero.
uint64_t GetUnsignedPadded(std::string_view s, uint64_t offset, unsigned bits);
int64_t GetSignedPadded(std::string_view s, uint64_t offset, unsigned bits);

// What BITFIELD does when a SET or INCRBY result does not fit the field.
enum class Overflow : uint8_t { kWrap, kSat, kFail };

// Redis's checkUnsignedBitfieldOverflow / checkSignedBitfieldOverflow, to the bit: whether
// `value` + `incr` fits a field of `bits` bits (unsigned: 1..63, signed: 1..64). Returns 0 when
// it fits, 1 on overflow, -1 on underflow; on overflow or underflow `*limit` is set to what
// kWrap (the sum wrapped into the field) or kSat (the field's max or min) stores, and left
// alone for kFail. A SET is checked as `value` = the new value and `incr` = 0.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, unsigned bits, Overflow mode,
                          uint64_t* limit);
int CheckSignedOverflow(int64_t value, int64_t incr, unsigned bits, Overflow mode, int64_t* limit);

}  // namespace rill::ds::bits
