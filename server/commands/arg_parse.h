// Argument parsing shared by command handlers, with Redis's acceptance rules: integers as
// string2ll (no spaces, no '+', no leading zeros beyond "0"... exactly what Redis accepts),
// doubles as strtold on the whole argument (no spaces, no NaN).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "protocol/reply_builder.h"

namespace rill {

// Redis getLongLongFromObject: true if `s` is an int64 Redis accepts.
bool ParseInt64(std::string_view s, int64_t* out);
// Redis getLongDoubleFromObject / getDoubleFromObject semantics.
bool ParseLongDouble(std::string_view s, long double* out);
bool ParseDouble(std::string_view s, double* out);

// Case-insensitive ASCII comparison, for option keywords ("EX", "nx", ...).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parse or reply "ERR value is not an integer or out of range"; returns false after replying.
bool ParseInt64OrReply(std::string_view s, int64_t* out, protocol::ReplyBuilder& reply);

// A HELP reply: one status line per element (Redis's addReplyHelp shape).
void ReplyHelpLines(protocol::ReplyBuilder& reply, std::span<const std::string_view> lines);

}  // namespace rill
