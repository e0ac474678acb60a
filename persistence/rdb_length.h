#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rill::persistence {

// RDB length encoding (rdbSaveLen / rdbLoadLen). The two top bits of the first byte:
//   00|6-bit len            01|14-bit len (big endian)     10|000000 + 4-byte BE len
//   10|000001 + 8-byte BE   11|6-bit special (integer or LZF string encodings)
void AppendRdbLength(std::string& out, uint64_t len);

struct RdbLength {
  uint64_t value = 0;
  bool encoded = false;  // true: `value` is an RDB_ENC_* special, not a length
  size_t consumed = 0;   // bytes read from the input
};

// Parses one length at the start of `in`; nullopt if truncated or malformed.
std::optional<RdbLength> ParseRdbLength(std::string_view in);

}  // namespace rill::persistence
