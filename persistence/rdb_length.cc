#include "persistence/rdb_length.h"

namespace rill::persistence {
namespace {

void AppendBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadBigEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

void AppendRdbLength(std::string& out, uint64_t len) {
  if (len < (1 << 6)) {
    out.push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out.push_back(static_cast<char>(0x40 | (len >> 8)));
    out.push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out.push_back(static_cast<char>(0x80));
    AppendBigEndian(out, len, 4);
  } else {
    out.push_back(static_cast<char>(0x81));
    AppendBigEndian(out, len, 8);
  }
}

std::optional<RdbLength> ParseRdbLength(std::string_view in) {
  if (in.empty()) return std::nullopt;
  const auto first = static_cast<unsigned char>(in[0]);
  switch (first >> 6) {
    case 0:
      return RdbLength{first & 0x3fu, false, 1};
    case 1:
      if (in.size() < 2) return std::nullopt;
      return RdbLength{((first & 0x3fu) << 8) | static_cast<unsigned char>(in[1]), false, 2};
    case 3:
      return RdbLength{first & 0x3fu, true, 1};
    default:
      if (first == 0x80) {
        if (in.size() < 5) return std::nullopt;
        return RdbLength{ReadBigEndian(in.substr(1), 4), false, 5};
      }
      if (first == 0x81) {
        if (in.size() < 9) return std::nullopt;
        return RdbLength{ReadBigEndian(in.substr(1), 8), false, 9};
      }
      return std::nullopt;
  }
}

}  // namespace rill::persistence
