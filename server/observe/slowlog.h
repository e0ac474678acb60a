// SLOWLOG: the most recent commands that ran longer than slowlog-log-slower-than, newest
// first, bounded by slowlog-max-len. Arguments are trimmed as Redis does so that one huge
// command cannot make the log itself big.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

struct SlowlogEntry {
  int64_t id = 0;
  int64_t time_s = 0;       // unix seconds when the command ran
  int64_t duration_us = 0;  // execution time
  std::vector<std::string> argv;
  std::string addr;  // client "ip:port"
  std::string name;  // client name
};

class Slowlog {
 public:
  // Redis's limits: at most 32 arguments, each at most 128 bytes, with markers for the rest.
  static constexpr size_t kMaxArgc = 32;
  static constexpr size_t kMaxArgLen = 128;

  // Logs the command when `duration_us` >= `slower_than` (negative disables), then trims the
  // log to `max_len` entries. Bit i of `redacted` hides argument i (a secret the command
  // marked, as Redis's redactClientCommandArgument).
  void MaybePush(std::span<const std::string_view> args, uint64_t redacted, int64_t duration_us,
                 int64_t slower_than, int64_t max_len, std::string_view addr, std::string_view name,
                 int64_t now_s);

  const std::deque<SlowlogEntry>& entries() const { return entries_; }
  void Reset() { entries_.clear(); }
  void Trim(int64_t max_len) {
    while (static_cast<int64_t>(entries_.size()) > max_len) entries_.pop_back();
  }

 private:
  std::deque<SlowlogEntry> entries_;  // newest first
  int64_t next_id_ = 0;
};

// The arguments as a slowlog entry keeps them (trimmed, the `redacted` ones replaced).
std::vector<std::string> SlowlogArgv(std::span<const std::string_view> args, uint64_t redacted);

}  // namespace rill
