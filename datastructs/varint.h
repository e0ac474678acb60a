// LEB128-style unsigned varints (7 bits per byte, low bits first, 0x80 = more follow), shared
// by the key blocks (entry_block.h), stream blocks and list nodes. Byte is uint8_t or char.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::ds {

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

template <typename Byte>
Byte* PutVarint(Byte* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<Byte>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<Byte>(v);
  return p;
}

template <typename Byte>
const Byte* GetVarint(const Byte* p, uint64_t* v) {
  uint64_t result = 0;
  int shift = 0;
  while (static_cast<uint8_t>(*p) & 0x80) {
    result |= static_cast<uint64_t>(static_cast<uint8_t>(*p++) & 0x7f) << shift;
    shift += 7;
  }
  *v = result | (static_cast<uint64_t>(static_cast<uint8_t>(*p++)) << shift);
  return p;
}

}  // namespace rill::ds
