// File-system steps of the AOF (server/persist/aof.h), with Redis's log lines where a step can
// fail. Paths are relative to the working directory (the server's `dir`), as Redis keeps them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace rill::aof_files {

std::string JoinPath(std::string_view dir, std::string_view name);
bool FileExists(const std::string& path);
bool DirExists(const std::string& path);
// mkdir 0755 unless it exists; false with errno set on failure.
bool CreateDirIfMissing(const std::string& path);
// Size of a file, 0 when it cannot be stat'ed.
uint64_t FileSize(const std::string& path);
// write(2) until everything is written or an error: returns the bytes written, or -1 when
// nothing could be written (errno set). Retries EINTR.
ssize_t WriteAll(int fd, std::string_view data);
// fsync of the directory holding `path`, so that a rename or a new file in it is durable.
bool FsyncDirOf(const std::string& path);
// Writes a manifest atomically: temp file in `dir`, fsync, rename over `name`, fsync `dir`.
// Logs Redis's message for the failing step and returns false.
bool WriteManifest(const std::string& dir, const std::string& name, const std::string& temp_name,
                   std::string_view text);

}  // namespace rill::aof_files
