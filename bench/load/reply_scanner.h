// Finds where one complete RESP reply ends in a receive buffer, without building it: the load
// generator only needs each reply's length and type (and an error's text). RESP2 and the
// RESP3 types, nested aggregates included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rill::load {

inline constexpr ptrdiff_t kIncomplete = 0;
inline constexpr ptrdiff_t kMalformed = -1;

// The length of the complete reply starting at `p`, kIncomplete when [p, end) holds only part
// of it, kMalformed when it is not RESP.
inline ptrdiff_t ScanReply(const char* p, const char* end, int depth = 0) {
  if (p >= end) return kIncomplete;
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
  if (nl == nullptr) return kIncomplete;
  if (nl < p + 2 || nl[-1] != '\r' || depth > 64) return kMalformed;
  const ptrdiff_t header = nl + 1 - p;
  switch (*p) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return header;
    default:
      break;
  }
  // A length or count: optional '-', digits.
  const char* q = p + 1;
  const bool negative = *q == '-';
  if (negative) ++q;
  int64_t n = 0;
  if (q >= nl - 1) return kMalformed;
  for (; q < nl - 1; ++q) {
    if (*q < '0' || *q > '9') return kMalformed;
    n = n * 10 + (*q - '0');
  }
  if (negative) return n == 1 ? header : kMalformed;  // nil bulk or nil array
  switch (*p) {
    case '$':
    case '=':
    case '!': {
      if (end - (nl + 1) < n + 2) return kIncomplete;
      const char* tail = nl + 1 + n;
      if (tail[0] != '\r' || tail[1] != '\n') return kMalformed;
      return header + n + 2;
    }
    case '%':
      n *= 2;
      [[fallthrough]];
    case '*':
    case '~':
    case '>': {
      const char* at = nl + 1;
      for (int64_t i = 0; i < n; ++i) {
        const ptrdiff_t len = ScanReply(at, end, depth + 1);
        if (len <= 0) return len;
        at += len;
      }
      return at - p;
    }
    default:
      return kMalformed;
  }
}

}  // namespace rill::load
