// FUNCTION DUMP's payload, byte-compatible with Redis 7.0's: each library as an
// RDB_OPCODE_FUNCTION2 record (the opcode and its code as an RDB string), then the RDB
// version (2 bytes, little endian) and the CRC64 of everything before it (8 bytes, little
// endian), as DUMP's payloads end.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill::persistence {

// `compression`: rdbcompression (LZF for codes where it saves space, as Redis).
std::string EncodeFunctionPayload(std::span<const std::string> codes, bool compression);

// The libraries' codes of a payload. False with Redis's FUNCTION RESTORE error (code included:
// "ERR DUMP payload version or checksum are wrong", "ERR given type is not a function" ...).
bool DecodeFunctionPayload(std::string_view payload, std::vector<std::string>* codes,
                           std::string* error);

}  // namespace rill::persistence
