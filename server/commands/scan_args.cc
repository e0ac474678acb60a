#include "server/commands/scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"

namespace rill {

bool ParseScanCursorOrReply(std::string_view arg, uint64_t* cursor, protocol::ReplyBuilder& reply) {
  const std::string buf(arg);
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf.c_str(), &end, 10);
  if ((!buf.empty() && std::isspace(static_cast<unsigned char>(buf[0]))) || errno == ERANGE ||
      *end != '\0') {
    reply.Error("ERR invalid cursor");
    return false;
  }
  *cursor = v;
  return true;
}

bool ParseScanOptionsOrReply(std::span<const std::string_view> args, bool allow_type,
                             ScanOptions* options, protocol::ReplyBuilder& reply) {
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string_view opt = args[i];
    const bool has_value = i + 1 < args.size();
    if (has_value && EqualsIgnoreCase(opt, "count")) {
      int64_t count;
      if (!ParseInt64OrReply(args[i + 1], &count, reply)) return false;
      if (count < 1) {
        reply.Error(errors::kSyntax);
        return false;
      }
      options->count = static_cast<size_t>(count);
    } else if (has_value && EqualsIgnoreCase(opt, "match")) {
      options->pattern = args[i + 1];
      options->use_pattern = options->pattern != "*";
    } else if (has_value && allow_type && EqualsIgnoreCase(opt, "type")) {
      options->type = args[i + 1];
      options->use_type = true;
    } else {
      reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyScanCursor(protocol::ReplyBuilder& reply, uint64_t next) {
  reply.ArrayHeader(2);
  reply.Bulk(std::to_string(next));
}

}  // namespace rill
