// Doubles as Redis 7.0 prints them: printf's "%.17g", with infinities as "inf" / "-inf". It is
// the form of score replies (addReplyDouble) and, for every finite value, of the strings Redis
// keeps in a sorted set's listpack (d2string: integers below 2^52 print the same either way).
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

namespace rill {

// Longest output: sign, 17 digits, point, "e-308".
inline constexpr size_t kDouble17Max = 32;

// Writes `d` into buf (at least kDouble17Max bytes); returns the length.
inline size_t FormatDouble17(char* buf, double d) {
  if (std::isinf(d)) {
    const char* text = d > 0 ? "inf" : "-inf";
    const size_t len = std::strlen(text);
    std::memcpy(buf, text, len);
    return len;
  }
  // to_chars with general format and a precision behaves as printf's "%.17g" (also for NaN,
  // written "nan" or "-nan" like glibc), without locale or format-string parsing.
  return static_cast<size_t>(
      std::to_chars(buf, buf + kDouble17Max, d, std::chars_format::general, 17).ptr - buf);
}

}  // namespace rill
