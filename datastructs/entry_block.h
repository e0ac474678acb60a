// Byte layout of a key's single heap block (internal to datastructs/).
//
//   +-------+--------+-----------------------------+---------+-----+--------------------------------+
//   | flags | access | expire_ms:8, volatile_pos:4 | key_len | key | value | | 1     | 3      |
//   only if kHasExpire          | varint  |     | int:    zigzag varint          | |       | | | |
//   | raw:    varint len + bytes     | |       |        |                             |         |
//   | object: ObjectValue* (8 bytes) |
//   +-------+--------+-----------------------------+---------+-----+--------------------------------+
//
// flags = type (3 bits, ValueType) | encoding << 3 (2 bits) | kHasExpire. access = the key's
// 24 LRU/LFU bits (access_clock.h), little endian. Multi-byte fields are unaligned and accessed
// with memcpy. The block is sized to the byte, because glibc rounds every allocation to 16 bytes
// with 8 bytes of overhead and each key pays that once (the 3 access bytes fit in that rounding
// for the common 16-byte key and value: 38 bytes still take a 48-byte chunk).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "datastructs/value.h"
#include "datastructs/varint.h"

namespace rill::ds::block {

// kRawBuffer holds bytes exactly like kRaw; it only remembers that the string was changed in
// place (APPEND, SETRANGE), which Redis reports as encoding "raw" whatever the length.
enum class Encoding : uint8_t { kInt = 0, kRaw = 1, kObject = 2, kRawBuffer = 3 };

inline constexpr uint8_t kTypeMask = 0x07;
inline constexpr uint8_t kEncodingShift = 3;
inline constexpr uint8_t kEncodingMask = 0x18;
inline constexpr uint8_t kHasExpire = 0x20;
inline constexpr size_t kAccessOffset = 1;
inline constexpr size_t kExpireOffset = 4;  // flags + access bytes
inline constexpr size_t kExpireFieldsSize = 8 + 4;

// A value to be written into a block.
struct Value {
  ValueType type = ValueType::kString;
  Encoding encoding = Encoding::kRaw;
  int64_t int_value = 0;
  std::string_view raw;
  ObjectValue* object = nullptr;
};

using ::rill::ds::GetVarint;
using ::rill::ds::PutVarint;
using ::rill::ds::VarintSize;

// Zigzag keeps small negative integers (-1, -2 ...) as short as small positive ones.
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

inline uint8_t Flags(const uint8_t* b) { return b[0]; }
inline bool HasExpire(const uint8_t* b) { return (b[0] & kHasExpire) != 0; }
inline ValueType TypeOf(const uint8_t* b) { return static_cast<ValueType>(b[0] & kTypeMask); }
inline Encoding EncodingOf(const uint8_t* b) {
  return static_cast<Encoding>((b[0] & kEncodingMask) >> kEncodingShift);
}

inline uint32_t Access(const uint8_t* b) {
  return b[kAccessOffset] | (b[kAccessOffset + 1] << 8) | (b[kAccessOffset + 2] << 16);
}
inline void SetAccess(uint8_t* b, uint32_t bits) {
  b[kAccessOffset] = static_cast<uint8_t>(bits);
  b[kAccessOffset + 1] = static_cast<uint8_t>(bits >> 8);
  b[kAccessOffset + 2] = static_cast<uint8_t>(bits >> 16);
}

inline int64_t ExpireMs(const uint8_t* b) {
  int64_t v;
  std::memcpy(&v, b + kExpireOffset, sizeof(v));
  return v;
}
inline void SetExpireMs(uint8_t* b, int64_t v) { std::memcpy(b + kExpireOffset, &v, sizeof(v)); }
inline uint32_t VolatilePos(const uint8_t* b) {
  uint32_t v;
  std::memcpy(&v, b + kExpireOffset + 8, sizeof(v));
  return v;
}
inline void SetVolatilePos(uint8_t* b, uint32_t v) {
  std::memcpy(b + kExpireOffset + 8, &v, sizeof(v));
}

inline const uint8_t* KeyLenStart(const uint8_t* b) {
  return b + kExpireOffset + (HasExpire(b) ? kExpireFieldsSize : 0);
}

inline std::string_view Key(const uint8_t* b) {
  uint64_t len;
  const uint8_t* p = GetVarint(KeyLenStart(b), &len);
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
}

inline const uint8_t* ValueStart(const uint8_t* b) {
  std::string_view key = Key(b);
  return reinterpret_cast<const uint8_t*>(key.data()) + key.size();
}

inline int64_t IntValue(const uint8_t* b) {
  uint64_t v;
  GetVarint(ValueStart(b), &v);
  return UnZigZag(v);
}

inline std::string_view RawValue(const uint8_t* b) {
  uint64_t len;
  const uint8_t* p = GetVarint(ValueStart(b), &len);
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
}

inline ObjectValue* ObjectOf(const uint8_t* b) {
  ObjectValue* obj;
  std::memcpy(&obj, ValueStart(b), sizeof(obj));
  return obj;
}

inline size_t ValueSize(const Value& v) {
  switch (v.encoding) {
    case Encoding::kInt:
      return VarintSize(ZigZag(v.int_value));
    case Encoding::kRaw:
    case Encoding::kRawBuffer:
      return VarintSize(v.raw.size()) + v.raw.size();
    case Encoding::kObject:
      return sizeof(ObjectValue*);
  }
  return 0;
}

inline size_t BlockSize(std::string_view key, bool has_expire, const Value& v) {
  return kExpireOffset + (has_expire ? kExpireFieldsSize : 0) + VarintSize(key.size()) +
         key.size() + ValueSize(v);
}

// Writes the value part at `p` (the byte after the key).
inline void WriteValue(uint8_t* p, const Value& v) {
  switch (v.encoding) {
    case Encoding::kInt:
      PutVarint(p, ZigZag(v.int_value));
      break;
    case Encoding::kRaw:
    case Encoding::kRawBuffer:
      p = PutVarint(p, v.raw.size());
      if (!v.raw.empty()) std::memcpy(p, v.raw.data(), v.raw.size());
      break;
    case Encoding::kObject:
      std::memcpy(p, &v.object, sizeof(v.object));
      break;
  }
}

inline uint8_t MakeFlags(bool has_expire, const Value& v) {
  return static_cast<uint8_t>(static_cast<uint8_t>(v.type) |
                              (static_cast<uint8_t>(v.encoding) << kEncodingShift) |
                              (has_expire ? kHasExpire : 0));
}

// Writes a whole block into `b`, which must hold BlockSize() bytes. `key` must not alias `b`.
inline void Write(uint8_t* b, std::string_view key, bool has_expire, int64_t expire_ms,
                  uint32_t volatile_pos, uint32_t access, const Value& v) {
  b[0] = MakeFlags(has_expire, v);
  SetAccess(b, access);
  uint8_t* p = b + kExpireOffset;
  if (has_expire) {
    SetExpireMs(b, expire_ms);
    SetVolatilePos(b, volatile_pos);
    p += kExpireFieldsSize;
  }
  p = PutVarint(p, key.size());
  if (!key.empty()) std::memcpy(p, key.data(), key.size());
  WriteValue(p + key.size(), v);
}

// The current value of a block, as a Value that can be written into another block. Raw bytes
// alias the source block.
inline Value ReadValue(const uint8_t* b) {
  Value v;
  v.type = TypeOf(b);
  v.encoding = EncodingOf(b);
  switch (v.encoding) {
    case Encoding::kInt:
      v.int_value = IntValue(b);
      break;
    case Encoding::kRaw:
    case Encoding::kRawBuffer:
      v.raw = RawValue(b);
      break;
    case Encoding::kObject:
      v.object = ObjectOf(b);
      break;
  }
  return v;
}

}  // namespace rill::ds::block
