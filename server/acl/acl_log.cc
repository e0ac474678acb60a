#include "server/acl/acl_log.h"

#include <cstdlib>

namespace rill::acl {
namespace {

constexpr int64_t kGroupingWindowMs = 60000;
constexpr size_t kEntriesScanned = 10;  // bounded work to find a similar entry

bool Similar(const LogEntry& a, const LogEntry& b) {
  return a.reason == b.reason && a.context == b.context &&
         std::llabs(a.time_ms - b.time_ms) <= kGroupingWindowMs && a.object == b.object &&
         a.username == b.username;
}

}  // namespace

void AclLog::Add(LogEntry entry, size_t max_len) {
  const size_t scan = std::min(kEntriesScanned, entries_.size());
  for (size_t i = 0; i < scan; ++i) {
    if (!Similar(entries_[i], entry)) continue;
    LogEntry match = std::move(entries_[i]);
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
    match.client_info = std::move(entry.client_info);
    match.time_ms = entry.time_ms;
    ++match.count;
    entries_.push_front(std::move(match));
    return;
  }
  entries_.push_front(std::move(entry));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::string_view AclLog::ReasonName(Denial reason) {
  switch (reason) {
    case Denial::kCommand:
      return "command";
    case Denial::kKey:
      return "key";
    case Denial::kChannel:
      return "channel";
    case Denial::kAuth:
      return "auth";
    case Denial::kNone:
      break;
  }
  return "unknown";
}

std::string_view AclLog::ContextName(LogContext context) {
  switch (context) {
    case LogContext::kToplevel:
      return "toplevel";
    case LogContext::kMulti:
      return "multi";
    case LogContext::kLua:
      return "lua";
    case LogContext::kModule:
      return "module";
  }
  return "unknown";
}

}  // namespace rill::acl
