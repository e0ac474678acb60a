#include "server/observe/slowlog.h"

#include "absl/strings/str_cat.h"
#include "common/string_util.h"

namespace rill {
std::vector<std::string> SlowlogArgv(std::span<const std::string_view> args, uint64_t redacted) {
  size_t n = std::min(args.size(), Slowlog::kMaxArgc);
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (n != args.size() && i == n - 1) {
      // The last slot says how many arguments were left out.
      out.push_back(absl::StrCat("... (", args.size() - n + 1, " more arguments)"));
      break;
    }
    if (i < 64 && ((redacted >> i) & 1)) {
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

void Slowlog::MaybePush(std::span<const std::string_view> args, uint64_t redacted,
                        int64_t duration_us, int64_t slower_than, int64_t max_len,
                        std::string_view addr, std::string_view name, int64_t now_s) {
  if (slower_than < 0) return;
  if (duration_us >= slower_than) {
    SlowlogEntry e;
    e.id = next_id_++;
    e.time_s = now_s;
    e.duration_us = duration_us;
    e.argv = SlowlogArgv(args, redacted);
    e.addr = addr;
    e.name = name;
    entries_.push_front(std::move(e));
  }
  Trim(max_len);
}

}  // namespace rill
