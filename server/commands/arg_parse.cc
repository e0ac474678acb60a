#include "server/commands/arg_parse.h"

#include "protocol/errors.h"

namespace rill {

bool ParseInt64OrReply(std::string_view s, int64_t* out, protocol::ReplyBuilder& reply) {
  if (ParseInt64(s, out)) return true;
  reply.Error(errors::kNotInteger);
  return false;
}

void ReplyHelpLines(protocol::ReplyBuilder& reply, std::span<const std::string_view> lines) {
  reply.ArrayHeader(lines.size());
  for (std::string_view line : lines) reply.Simple(line);
}

}  // namespace rill
