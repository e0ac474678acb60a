// Drives a RequestParser the way a connection does, for tests: bytes arrive in chunks, parsed
// commands are dropped from the front of the buffer, and the buffer moves in memory between
// calls (each call sees a fresh copy), so a parser that kept pointers instead of offsets fails.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

namespace rill::protocol::testing {

struct FeedResult {
  std::vector<std::vector<std::string>> commands;
  std::string error;      // empty unless the parser failed
  size_t unconsumed = 0;  // bytes left in the buffer at the end
  size_t parse_calls = 0;
};

inline FeedResult FeedChunks(const std::vector<std::string>& chunks, ParserLimits limits = {}) {
  RequestParser parser(limits);
  FeedResult result;
  std::string buffer;
  for (const std::string& chunk : chunks) {
    buffer += chunk;
    while (!buffer.empty()) {
      const std::string moved = buffer;  // new address on every call
      ++result.parse_calls;
      ParseStatus status = parser.Parse(moved);
      if (status == ParseStatus::kNeedMore) break;
      if (status == ParseStatus::kError) {
        result.error = parser.error();
        result.unconsumed = buffer.size();
        return result;
      }
      // Zero args: only empty commands (`*0`, blank lines) were consumed.
      if (!parser.args().empty()) {
        result.commands.emplace_back(parser.args().begin(), parser.args().end());
      }
      buffer.erase(0, parser.consumed());
    }
  }
  result.unconsumed = buffer.size();
  return result;
}

inline FeedResult FeedWhole(const std::string& bytes, ParserLimits limits = {}) {
  return FeedChunks({bytes}, limits);
}

// Splits `bytes` in two at `at`.
inline FeedResult FeedSplit(const std::string& bytes, size_t at) {
  return FeedChunks({bytes.substr(0, at), bytes.substr(at)});
}

inline FeedResult FeedByteByByte(const std::string& bytes) {
  std::vector<std::string> chunks;
  for (char c : bytes) chunks.emplace_back(1, c);
  return FeedChunks(chunks);
}

using Commands = std::vector<std::vector<std::string>>;

}  // namespace rill::protocol::testing
