// Error texts that carry request data. Redis formats these with printf-style "%.128s", which
// both cuts the argument at 128 bytes and ends it at its first NUL byte; the helpers below do
// the same so that replies match byte for byte.
#include "protocol/errors.h"

#include <cstring>
#include <initializer_list>

#include "common/string_util.h"

namespace rill::errors {
namespace {

constexpr size_t kShownArgMax = 128;

// The prefix a C "%.*s" would print: up to `max` bytes, stopping at a NUL.
std::string_view CString(std::string_view s, size_t max) {
  if (s.size() > max) s = s.substr(0, max);
  if (const void* nul = std::memchr(s.data(), '\0', s.size())) {
    s = s.substr(0, static_cast<const char*>(nul) - s.data());
  }
  return s;
}

// Concatenates string pieces with one allocation (absl::StrCat here would need absl's own
// string_view, which is not std::string_view in the installed build).
std::string Concat(std::initializer_list<std::string_view> parts) {
  size_t len = 0;
  for (std::string_view p : parts) len += p.size();
  std::string out;
  out.reserve(len);
  for (std::string_view p : parts) out.append(p);
  return out;
}

}  // namespace

std::string ProtoExpectedDollar(char got) {
  std::string msg = "ERR Protocol error: expected '$', got '";
  // Redis builds this with "%c" into a C string, so a NUL ends the text right there.
  if (got == '\0') return msg;
  msg.push_back(got);
  msg.push_back('\'');
  return msg;
}

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  // Arguments are listed until the list reaches 128 bytes; the last one shown is cut to fit.
  std::string listed;
  for (size_t i = 0; i < nargs && listed.size() < kShownArgMax; ++i) {
    std::string_view shown = CString(args[i], kShownArgMax - listed.size());
    listed.push_back('\'');
    listed.append(shown);
    listed.append("' ");
  }
  return Concat({"ERR unknown command '", CString(name, kShownArgMax),
                 "', with args beginning with: ", listed});
}

std::string WrongArity(std::string_view name) {
  return Concat({"ERR wrong number of arguments for '", name, "' command"});
}

std::string UnknownSubcommand(std::string_view subcommand, std::string_view command) {
  return Concat({"ERR unknown subcommand '", CString(subcommand, kShownArgMax), "'. Try ",
                 ToUpperAscii(command), " HELP."});
}

std::string SubcommandSyntax(std::string_view subcommand, std::string_view command) {
  return Concat({"ERR unknown subcommand or wrong number of arguments for '",
                 CString(subcommand, kShownArgMax), "'. Try ", ToUpperAscii(command), " HELP."});
}

std::string InvalidExpire(std::string_view command) {
  return Concat({"ERR invalid expire time in '", command, "' command"});
}

}  // namespace rill::errors
