// ACL LOG: the recent denials (commands, keys, channels) and failed authentications, newest
// first. A denial like one of the 10 most recent entries within a minute only bumps that entry's
// count, as Redis 7.0 groups them; the log keeps at most acllog-max-len entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "server/acl/selector.h"

namespace rill::acl {

enum class LogContext : uint8_t { kToplevel, kMulti, kLua, kModule };

struct LogEntry {
  uint64_t count = 1;
  Denial reason = Denial::kCommand;
  LogContext context = LogContext::kToplevel;
  std::string object;       // command name, key, channel, or the AUTH/HELLO as sent
  std::string username;     // the client's user, or the name tried for a failed auth
  int64_t time_ms = 0;      // last time this entry was bumped
  std::string client_info;  // CLIENT INFO line of the last client, without newline
};

class AclLog {
 public:
  void Add(LogEntry entry, size_t max_len);
  void Reset() { entries_.clear(); }
  const std::deque<LogEntry>& entries() const { return entries_; }

  static std::string_view ReasonName(Denial reason);
  static std::string_view ContextName(LogContext context);

 private:
  std::deque<LogEntry> entries_;  // newest first
};

}  // namespace rill::acl
