// The count argument of HRANDFIELD and SRANDMEMBER (Redis's getRangeLongFromObjectOrReply over
// [-LONG_MAX, LONG_MAX]): positive for distinct elements, negative for repeated picks.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

#include "common/number_parse.h"
#include "protocol/errors.h"
#include "protocol/reply_builder.h"

namespace rill {

inline constexpr int64_t kMaxRandomCount = std::numeric_limits<int64_t>::max();

inline bool ParseRandomCountOrReply(std::string_view arg, int64_t* count,
                                    protocol::ReplyBuilder& reply) {
  if (!ParseInt64(arg, count)) {
    reply.Error(errors::kNotInteger);
    return false;
  }
  if (*count < -kMaxRandomCount) {
    reply.Error(errors::kCountOutOfRange);
    return false;
  }
  return true;
}

}  // namespace rill
