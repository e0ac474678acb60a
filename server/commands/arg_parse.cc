#include "server/commands/arg_parse.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "datastructs/keyspace.h"
#include "protocol/errors.h"

namespace rill {

bool ParseInt64(std::string_view s, int64_t* out) { return ds::ParseCanonicalInt64(s, out); }

bool ParseLongDouble(std::string_view s, long double* out) {
  // Redis rejects empty strings, leading spaces and anything strtold leaves unparsed; it also
  // rejects NaN results.
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = std::strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v))
    return false;
  *out = v;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

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
