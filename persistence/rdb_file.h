// RDB files on disk: an atomic save (temp file, fsync, rename, fsync of the directory) and a
// read-only mapping of a file for the loader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "persistence/rdb_writer.h"

namespace rill::persistence {

// A ByteSink writing to a file descriptor (not owned). With `incremental_sync` it starts
// write-back every 4 MB (rdb-save-incremental-fsync), so the final fsync has little left.
class FileSink final : public ByteSink {
 public:
  FileSink(int fd, bool incremental_sync) : fd_(fd), incremental_sync_(incremental_sync) {}
  bool Write(std::string_view data) override;
  std::string error() const override;
  int saved_errno() const { return errno_; }
  uint64_t written() const { return written_; }

 private:
  int fd_;
  bool incremental_sync_;
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  int errno_ = 0;
};

struct SaveFileResult {
  // Which step failed, for the caller's log line (Redis words each differently).
  enum Step { kOk, kOpen, kWrite, kRename } step = kOk;
  int saved_errno = 0;
  std::string message;  // strerror text, or the writer's error
  uint64_t bytes = 0;
  uint64_t keys = 0;
};

// Writes `dbs` to `tmp_path` (created or truncated), fsyncs it, renames it onto `path` and
// fsyncs the directory. On failure the temp file is removed and `path` is left untouched.
// Relative paths are resolved against the working directory (the server's `dir`).
// WriteRdbTempFile then CommitRdbFile.
SaveFileResult SaveRdbFile(const std::string& path, const std::string& tmp_path,
                           std::span<const ds::Database* const> dbs, const RdbSaveOptions& options,
                           bool incremental_sync);

// The first half (what a BGSAVE child does): writes and fsyncs `tmp_path` only; removes it on
// failure (kOpen or kWrite).
SaveFileResult WriteRdbTempFile(const std::string& tmp_path,
                                std::span<const ds::Database* const> dbs,
                                const RdbSaveOptions& options, bool incremental_sync);

// The second half (what the parent does with a finished child's file): renames `tmp_path` onto
// `path` and fsyncs the directory. A failed rename removes `tmp_path` (kRename); a failed
// directory fsync is kWrite (the rename may not survive a crash).
SaveFileResult CommitRdbFile(const std::string& tmp_path, const std::string& path);

// A whole file mapped read-only (the loader reads it in place, without a copy).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // False with *error (strerror text) and *saved_errno on failure; ENOENT means "no file".
  bool Open(const std::string& path, std::string* error, int* saved_errno);
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace rill::persistence
