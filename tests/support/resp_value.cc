#include "tests/support/resp_value.h"

#include "tests/support/resp_client.h"

namespace rill::testing {
namespace {

// Parses the value at `pos`, advancing it; false if malformed or incomplete.
bool ParseAt(std::string_view in, size_t& pos, RespValue& out) {
  size_t line_end = in.find("\r\n", pos);
  if (pos >= in.size() || line_end == std::string_view::npos) return false;
  out.type = in[pos];
  std::string_view line = in.substr(pos + 1, line_end - pos - 1);
  pos = line_end + 2;
  int64_t n = 0;
  switch (out.type) {
    case '+':
    case '-':
    case ',':
    case '(':
    case '#':
      out.text = std::string(line);
      return true;
    case ':':
      out.text = std::string(line);
      return ParseInt64(line, &out.integer);
    case '_':
      out.null = true;
      return true;
    case '$':
    case '!':
    case '=':
      if (!ParseInt64(line, &n)) return false;
      if (n < 0) {
        out.null = true;
        return true;
      }
      if (pos + static_cast<size_t>(n) + 2 > in.size()) return false;
      out.text = std::string(in.substr(pos, static_cast<size_t>(n)));
      pos += static_cast<size_t>(n) + 2;
      return true;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      if (!ParseInt64(line, &n)) return false;
      if (n < 0) {
        out.null = true;
        return true;
      }
      const int64_t count = (out.type == '%' || out.type == '|') ? 2 * n : n;
      for (int64_t i = 0; i < count; ++i) {
        RespValue element;
        if (!ParseAt(in, pos, element)) return false;
        out.elements.push_back(std::move(element));
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

std::optional<RespValue> ParseResp(std::string_view bytes) {
  RespValue value;
  size_t pos = 0;
  if (!ParseAt(bytes, pos, value) || pos != bytes.size()) return std::nullopt;
  return value;
}

}  // namespace rill::testing
