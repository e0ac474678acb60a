#include "persistence/rdb_peek.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "persistence/rdb_format.h"
#include "persistence/rdb_length.h"

namespace rill::persistence {

bool PeekStringRecord(std::string_view in, size_t pos, std::string_view* key, size_t* end) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(in[i]); };
  // The length at `pos` (advanced past it); nullopt when cut short or malformed.
  auto length = [&]() -> std::optional<RdbLength> {
    std::optional<RdbLength> len = ParseRdbLength(in.substr(std::min(pos, in.size())));
    if (len) pos += len->consumed;
    return len;
  };
  if (pos < in.size() && byte(pos) == rdb::kOpExpireTimeMs) {
    pos += 9;
  } else if (pos < in.size() && byte(pos) == rdb::kOpExpireTime) {
    pos += 5;
  }
  if (pos >= in.size() || byte(pos) != rdb::kTypeString) return false;
  ++pos;
  const std::optional<RdbLength> key_len = length();
  if (!key_len || key_len->encoded || key_len->value > in.size() - pos) return false;
  *key = in.substr(pos, static_cast<size_t>(key_len->value));
  pos += static_cast<size_t>(key_len->value);
  const std::optional<RdbLength> value = length();
  if (!value) return false;
  uint64_t bytes = value->value;
  if (value->encoded) {
    if (value->value == rdb::kEncLzf) {
      const std::optional<RdbLength> compressed = length();
      if (!compressed || compressed->encoded) return false;
      const std::optional<RdbLength> original = length();
      if (!original || original->encoded) return false;
      bytes = compressed->value;
    } else if (value->value <= 2) {
      bytes = uint64_t{1} << value->value;  // an 8, 16 or 32-bit integer
    } else {
      return false;
    }
  }
  if (pos > in.size() || bytes > in.size() - pos) return false;
  *end = pos + static_cast<size_t>(bytes);
  return true;
}

}  // namespace rill::persistence
