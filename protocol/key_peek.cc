#include "protocol/key_peek.h"

#include <cstdint>

namespace rill::protocol {

namespace {

// Reads "<digits>\r\n" at *p (after the type byte), up to 12 digits; false if it is not there in
// full. Pointers and no per-digit length check: this runs three times per GET, as often as the
// parser's own header reads.
inline bool ReadLength(const char** p, const char* end, int64_t* value) {
  const char* q = *p;
  const char* const limit = end - q > 12 ? q + 12 : end;
  int64_t v = 0;
  while (q < limit && static_cast<unsigned char>(*q - '0') <= 9) {
    v = v * 10 + (*q - '0');
    ++q;
  }
  if (q == *p || end - q < 2 || q[0] != '\r' || q[1] != '\n') return false;
  *p = q + 2;
  *value = v;
  return true;
}

}  // namespace

PeekedKeys PeekFirstKeys(std::string_view data) {
  PeekedKeys peeked;
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  const char* pos = begin;
  while (peeked.commands < PeekedKeys::kMax && pos < end && *pos == '*') {
    const char* p = pos + 1;
    int64_t elements;
    if (!ReadLength(&p, end, &elements) || elements < 1) break;
    std::string_view key;  // stays empty for a one-element command
    bool complete = true;
    for (int64_t e = 0; e < elements; ++e) {
      int64_t len;
      if (p >= end || *p != '$') {
        complete = false;
        break;
      }
      ++p;
      if (!ReadLength(&p, end, &len) ||
          static_cast<uint64_t>(len) + 2 > static_cast<uint64_t>(end - p)) {
        complete = false;
        break;
      }
      if (e == 1) key = std::string_view(p, static_cast<size_t>(len));
      p += len + 2;
    }
    if (!complete) break;
    ++peeked.commands;
    if (elements > 1) peeked.keys[peeked.count++] = key;
    pos = p;
  }
  peeked.end = static_cast<size_t>(pos - begin);
  return peeked;
}

}  // namespace rill::protocol
