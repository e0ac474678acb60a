#include "common/number_parse.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rill {

bool ParseInt64(std::string_view s, int64_t* out) {
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

bool ParseLongDouble(std::string_view s, long double* out) {
  // Redis rejects empty strings, leading spaces and anything strtold leaves unparsed; it also
  // rejects NaN results.
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  // A NUL-terminated copy for strtod: on the stack for the usual short numbers (a heap string
  // per ZADD score was a malloc and a free per request).
  char small[64];
  std::string big;
  const char* text;
  if (s.size() < sizeof(small)) {
    std::memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    text = small;
  } else {
    big.assign(s);
    text = big.c_str();
  }
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text, &end);
  if (end != text + s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v))
    return false;
  *out = v;
  return true;
}

bool ParseStrtodDouble(std::string_view s, double* out) {
  // A C string as Redis hands it to strtod: an embedded NUL ends it.
  char small[64];
  std::string big;
  const char* text;
  if (s.size() < sizeof(small)) {
    std::memcpy(small, s.data(), s.size());
    small[s.size()] = '\0';
    text = small;
  } else {
    big.assign(s);
    text = big.c_str();
  }
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

}  // namespace rill
