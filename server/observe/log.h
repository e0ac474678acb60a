// Redis-style log lines: "pid:M 22 Nov 2026 04:40:18.123 * message", filtered by loglevel and
// written to logfile (stdout when empty).
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/str_format.h"

namespace rill {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

void LogInit(std::string_view level, std::string_view logfile);
void LogSetLevel(std::string_view level);
// The role letter after the pid: 'M' (the server) by default, 'C' in a forked child.
void LogSetRole(char role);
void LogRaw(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, const absl::FormatSpec<Args...>& format, const Args&... args) {
  LogRaw(level, absl::StrFormat(format, args...));
}

}  // namespace rill
