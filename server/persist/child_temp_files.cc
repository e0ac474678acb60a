#include "server/persist/child_temp_files.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "absl/strings/str_format.h"
#include "common/number_parse.h"
#include "server/observe/log.h"

namespace rill {
namespace {

// The pid in `name` when it is "<prefix><decimal pid><suffix>", else -1.
pid_t PidIn(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (!name.starts_with(prefix) || !name.ends_with(suffix)) return -1;
  name.remove_prefix(prefix.size());
  name.remove_suffix(suffix.size());
  // Digits only (ParseInt64 would take a sign).
  if (name.empty() || name.size() > 10) return -1;
  for (char c : name) {
    if (c < '0' || c > '9') return -1;
  }
  int64_t pid = 0;
  if (!ParseInt64(name, &pid) || pid <= 0 || pid > INT32_MAX) return -1;
  return static_cast<pid_t>(pid);
}

// The writer's pid when `name` is one of the children's temp file names, else -1.
pid_t WriterOf(std::string_view name) {
  // The longer prefix first: "temp-rewriteaof-bg-" also starts with "temp-rewriteaof-".
  if (pid_t pid = PidIn(name, "temp-rewriteaof-bg-", ".aof"); pid > 0) return pid;
  if (pid_t pid = PidIn(name, "temp-rewriteaof-", ".aof"); pid > 0) return pid;
  return PidIn(name, "temp-", ".rdb");
}

}  // namespace

std::string RdbTempFileName(pid_t pid) { return absl::StrFormat("temp-%d.rdb", pid); }
std::string AofRewriteTempFileName(pid_t pid) {
  return absl::StrFormat("temp-rewriteaof-%d.aof", pid);
}
std::string AofRewriteDoneTempFileName(pid_t pid) {
  return absl::StrFormat("temp-rewriteaof-bg-%d.aof", pid);
}

bool ProcessIsAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // An orphaned child that nobody reaped stays a zombie: dead, whatever kill(2) says.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return true;  // cannot tell: alive
  return text[paren + 2] != 'Z';
}

std::vector<std::string> RemoveStaleChildTempFiles(const std::string& dir) {
  std::vector<std::string> removed;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return removed;
  const pid_t self = ::getpid();
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const pid_t writer = WriterOf(name);
    if (writer <= 0 || writer == self || ProcessIsAlive(writer)) continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlink(path.c_str()) == 0) {
      Log(LogLevel::kNotice, "Removed the temp file %s of process %d, which is gone", name,
          static_cast<int>(writer));
      removed.push_back(name);
    } else {
      Log(LogLevel::kWarning, "Can't remove the temp file %s of process %d: %s", name,
          static_cast<int>(writer), std::strerror(errno));
    }
  }
  ::closedir(d);
  return removed;
}

}  // namespace rill
