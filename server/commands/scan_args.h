// What SCAN, HSCAN, SSCAN (and ZSCAN) share: Redis's parseScanCursorOrReply and the option loop
// of scanGenericCommand (COUNT, MATCH, and TYPE for SCAN only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/reply_builder.h"

namespace rill {

// strtoul over the whole argument, as Redis: "+5" and "-1" (which wraps) are accepted, a leading
// space, trailing bytes or overflow are not. Replies "ERR invalid cursor" and returns false.
bool ParseScanCursorOrReply(std::string_view arg, uint64_t* cursor, protocol::ReplyBuilder& reply);

struct ScanOptions {
  size_t count = 10;
  std::string_view pattern;  // empty with use_pattern false: everything ("*" too)
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
};

// Parses the options in `args` (everything after the cursor). COUNT below 1, an unknown option,
// an option without its value, or TYPE when `allow_type` is false reply "ERR syntax error" (or
// the integer error for a COUNT that is not one) and return false.
bool ParseScanOptionsOrReply(std::span<const std::string_view> args, bool allow_type,
                             ScanOptions* options, protocol::ReplyBuilder& reply);

// The [cursor, [elements...]] reply: the header and the cursor; the caller then writes an
// array header and the elements.
void ReplyScanCursor(protocol::ReplyBuilder& reply, uint64_t next);

}  // namespace rill
