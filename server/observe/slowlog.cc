#include "server/observe/slowlog.h"

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "common/number_parse.h"
#include "common/string_util.h"

namespace rill {
namespace {

// Indexes of arguments Redis redacts (redactClientCommandArgument) before logging: passwords
// of AUTH and HELLO ... AUTH, and every rule of ACL SETUSER (they may hold passwords).
bool IsRedacted(std::span<const std::string_view> args, size_t i) {
  if (EqualsIgnoreCase(args[0], "auth")) return i >= 1;
  if (EqualsIgnoreCase(args[0], "acl") && args.size() > 1 && EqualsIgnoreCase(args[1], "setuser")) {
    return i >= 2;
  }
  if (EqualsIgnoreCase(args[0], "hello")) {
    // HELLO [protover [AUTH username password] [SETNAME name]]
    for (size_t j = 2; j < args.size();) {
      if (EqualsIgnoreCase(args[j], "auth")) {
        if (i == j + 1 || i == j + 2) return true;
        j += 3;
      } else {
        j += 2;
      }
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> SlowlogArgv(std::span<const std::string_view> args) {
  size_t n = std::min(args.size(), Slowlog::kMaxArgc);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (n != args.size() && i == n - 1) {
      // The last slot says how many arguments were left out.
      out.push_back(absl::StrCat("... (", args.size() - n + 1, " more arguments)"));
      break;
    }
    if (IsRedacted(args, i)) {
      out.emplace_back("(redacted)");
    } else if (args[i].size() > Slowlog::kMaxArgLen) {
      out.push_back(absl::StrCat(ToAbsl(args[i].substr(0, Slowlog::kMaxArgLen)), "... (",
                                 args[i].size() - Slowlog::kMaxArgLen, " more bytes)"));
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

void Slowlog::MaybePush(std::span<const std::string_view> args, int64_t duration_us,
                        int64_t slower_than, int64_t max_len, std::string_view addr,
                        std::string_view name, int64_t now_s) {
  if (slower_than < 0) return;
  if (duration_us >= slower_than) {
    SlowlogEntry e;
    e.id = next_id_++;
    e.time_s = now_s;
    e.duration_us = duration_us;
    e.argv = SlowlogArgv(args);
    e.addr = addr;
    e.name = name;
    entries_.push_front(std::move(e));
  }
  Trim(max_len);
}

}  // namespace rill
