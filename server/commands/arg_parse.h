// Argument parsing with replies, shared by command handlers (the parsing itself, with Redis's
// acceptance rules, is common/number_parse.h).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "protocol/reply_builder.h"

namespace rill {

// Parse or reply "ERR value is not an integer or out of range"; returns false after replying.
bool ParseInt64OrReply(std::string_view s, int64_t* out, protocol::ReplyBuilder& reply);

// A HELP reply: one status line per element (Redis's addReplyHelp shape).
void ReplyHelpLines(protocol::ReplyBuilder& reply, std::span<const std::string_view> lines);

}  // namespace rill
