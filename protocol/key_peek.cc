#include "protocol/key_peek.h"

#include <cstdint>

namespace rill::protocol {

namespace {

// Reads "<digits>\r\n" at data[*pos] (after the type byte); false if it is not there in full.
bool ReadLength(std::string_view data, size_t* pos, int64_t* value) {
  size_t i = *pos;
  int64_t v = 0;
  size_t digits = 0;
  while (i < data.size() && data[i] >= '0' && data[i] <= '9') {
    if (++digits > 12) return false;  // longer than any length we would follow
    v = v * 10 + (data[i] - '0');
    ++i;
  }
  if (digits == 0 || i + 1 >= data.size() || data[i] != '\r' || data[i + 1] != '\n') return false;
  *pos = i + 2;
  *value = v;
  return true;
}

}  // namespace

PeekedKeys PeekFirstKeys(std::string_view data) {
  PeekedKeys peeked;
  size_t pos = 0;
  while (peeked.commands < PeekedKeys::kMax && pos < data.size() && data[pos] == '*') {
    size_t p = pos + 1;
    int64_t elements;
    if (!ReadLength(data, &p, &elements) || elements < 1) break;
    std::string_view key;  // stays empty for a one-element command
    bool complete = true;
    for (int64_t e = 0; e < elements; ++e) {
      int64_t len;
      if (p >= data.size() || data[p] != '$') {
        complete = false;
        break;
      }
      ++p;
      if (!ReadLength(data, &p, &len) ||
          static_cast<uint64_t>(len) + 2 > static_cast<uint64_t>(data.size() - p)) {
        complete = false;
        break;
      }
      if (e == 1) key = data.substr(p, static_cast<size_t>(len));
      p += static_cast<size_t>(len) + 2;
    }
    if (!complete) break;
    ++peeked.commands;
    if (elements > 1) peeked.keys[peeked.count++] = key;
    pos = p;
  }
  peeked.end = pos;
  return peeked;
}

}  // namespace rill::protocol
