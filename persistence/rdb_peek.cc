#include "persistence/rdb_peek.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "persistence/rdb_format.h"
#include "persistence/rdb_length.h"

namespace rill::persistence {

bool PeekStringRecord(std::string_view in, size_t pos, std::string_view* key, size_t* end) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(in[i]); };
  if (pos < in.size() && byte(pos) == rdb::kOpExpireTimeMs) {
    pos += 9;
  } else if (pos < in.size() && byte(pos) == rdb::kOpExpireTime) {
    pos += 5;
  }
  if (pos >= in.size() || byte(pos) != rdb::kTypeString) return false;
  ++pos;
  std::optional<RdbLength> len = ParseRdbLength(in.substr(pos));
  if (!len || len->encoded || len->value > in.size() - pos - len->consumed) return false;
  *key = in.substr(pos + len->consumed, static_cast<size_t>(len->value));
  pos += len->consumed + static_cast<size_t>(len->value);
  len = ParseRdbLength(in.substr(std::min(pos, in.size())));
  if (!len) return false;
  pos += len->consumed;
  uint64_t bytes = len->value;
  if (len->encoded) {
    if (len->value == rdb::kEncLzf) {
      std::optional<RdbLength> compressed = ParseRdbLength(in.substr(std::min(pos, in.size())));
      if (!compressed || compressed->encoded) return false;
      pos += compressed->consumed;
      std::optional<RdbLength> original = ParseRdbLength(in.substr(std::min(pos, in.size())));
      if (!original || original->encoded) return false;
      pos += original->consumed;
      bytes = compressed->value;
    } else if (len->value <= 2) {
      bytes = uint64_t{1} << len->value;  // an 8, 16 or 32-bit integer
    } else {
      return false;
    }
  }
  if (pos > in.size() || bytes > in.size() - pos) return false;
  *end = pos + static_cast<size_t>(bytes);
  return true;
}

}  // namespace rill::persistence
