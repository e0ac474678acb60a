#include "server/persist/aof_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/observe/log.h"

namespace rill::aof_files {

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path.push_back('/');
  path.append(name);
  return path;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool DirExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool CreateDirIfMissing(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == 0) return true;
  return errno == EEXIST && DirExists(path);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

ssize_t WriteAll(int fd, std::string_view data) {
  ssize_t total = 0;
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return total > 0 ? total : -1;
    }
    total += n;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return total;
}

bool FsyncDirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".")
                          : slash == 0               ? std::string("/")
                                                     : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return false;
  bool ok = fsync(fd) == 0;
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

bool WriteManifest(const std::string& dir, const std::string& name, const std::string& temp_name,
                   std::string_view text) {
  const std::string path = JoinPath(dir, name);
  const std::string temp_path = JoinPath(dir, temp_name);
  int fd = open(temp_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1) {
    Log(LogLevel::kWarning, "Can't open the AOF manifest file %s: %s", temp_name,
        std::strerror(errno));
    return false;
  }
  bool ok = false;
  if (WriteAll(fd, text) != static_cast<ssize_t>(text.size())) {
    Log(LogLevel::kWarning, "Error trying to write the temporary AOF manifest file %s: %s",
        temp_name, std::strerror(errno));
  } else if (fsync(fd) == -1) {
    Log(LogLevel::kWarning, "Fail to fsync the temp AOF file %s: %s.", temp_name,
        std::strerror(errno));
  } else if (rename(temp_path.c_str(), path.c_str()) != 0) {
    Log(LogLevel::kWarning, "Error trying to rename the temporary AOF manifest file %s into %s: %s",
        temp_name, name, std::strerror(errno));
  } else if (!FsyncDirOf(path)) {
    Log(LogLevel::kWarning, "Fail to fsync AOF directory %s: %s.", path, std::strerror(errno));
  } else {
    ok = true;
  }
  close(fd);
  return ok;
}

}  // namespace rill::aof_files
