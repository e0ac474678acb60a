#pragma once

#include <cstdint>
#include <string_view>

namespace rill::persistence {

// CRC-64/Jones as Redis computes it for the RDB trailer (reflected, polynomial
// 0xad93d23594c935a9, init 0, no final xor). Crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
// Chain calls by passing the previous result as `crc`.
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace rill::persistence
