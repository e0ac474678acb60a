// A parsed RESP2/RESP3 reply, for tests that need to look inside a reply (the COMMAND table,
// INFO-like arrays) rather than compare its bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rill::testing {

struct RespValue {
  char type = 0;        // the RESP type byte: '+', '-', ':', '$', '*', '%', '~', '_' ...
  std::string text;     // simple/bulk/error/verbatim text, or the integer's digits
  int64_t integer = 0;  // ':' replies
  bool null = false;    // $-1, *-1, _
  std::vector<RespValue> elements;  // aggregates; maps alternate key, value

  bool is_error() const { return type == '-' || type == '!'; }
};

// Parses one complete reply; nullopt if `bytes` is not exactly one well-formed reply.
std::optional<RespValue> ParseResp(std::string_view bytes);

}  // namespace rill::testing
