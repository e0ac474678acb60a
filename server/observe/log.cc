#include "server/observe/log.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

namespace rill {
namespace {

LogLevel g_level = LogLevel::kNotice;
std::string g_logfile;
char g_role = 'M';

LogLevel ParseLevel(std::string_view s) {
  if (s == "debug") return LogLevel::kDebug;
  if (s == "verbose") return LogLevel::kVerbose;
  if (s == "warning") return LogLevel::kWarning;
  return LogLevel::kNotice;
}

}  // namespace

void LogInit(std::string_view level, std::string_view logfile) {
  g_level = ParseLevel(level);
  g_logfile = std::string(logfile);
}

void LogSetLevel(std::string_view level) { g_level = ParseLevel(level); }

void LogSetRole(char role) { g_role = role; }

void LogRaw(LogLevel level, std::string_view message) {
  if (level < g_level) return;
  // The log is process-wide by nature (like stderr); it holds no data the engine owns.
  static const char kMarks[] = ".-*#";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tm_buf;
  localtime_r(&tv.tv_sec, &tm_buf);
  char date[64];
  size_t n = strftime(date, sizeof(date), "%d %b %Y %H:%M:%S.", &tm_buf);
  snprintf(date + n, sizeof(date) - n, "%03d", static_cast<int>(tv.tv_usec / 1000));
  FILE* fp = g_logfile.empty() ? stdout : fopen(g_logfile.c_str(), "a");
  if (fp == nullptr) return;
  fprintf(fp, "%d:%c %s %c %.*s\n", static_cast<int>(getpid()), g_role, date,
          kMarks[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  fflush(fp);
  if (fp != stdout) fclose(fp);
}

}  // namespace rill
