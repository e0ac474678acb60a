// ParseCanonicalInt64: accepts exactly the strings that an int64 prints back as, so that storing
// a string as an integer never changes the bytes a client reads back.
#include <cstdint>
#include <string_view>

#include "datastructs/keyspace.h"

namespace rill::ds {

bool ParseCanonicalInt64(std::string_view s, int64_t* out) {
  // 20 = strlen("-9223372036854775808"), the longest int64.
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t pos = 0;
  const bool negative = s[0] == '-';
  if (negative) pos = 1;
  // The first digit must be 1-9: this rejects "", "-", "-0", leading zeros and '+'.
  if (pos >= s.size() || s[pos] < '1' || s[pos] > '9') return false;
  uint64_t magnitude = 0;
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (UINT64_MAX - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (magnitude > kMaxPositive + 1) return false;
    // Negate in unsigned space so that INT64_MIN does not overflow.
    *out = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > kMaxPositive) return false;
    *out = static_cast<int64_t>(magnitude);
  }
  return true;
}

}  // namespace rill::ds
