#include "persistence/rdb_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rill::persistence {
namespace {

constexpr uint64_t kSyncEvery = uint64_t{4} << 20;  // Redis's REDIS_AUTOSYNC_BYTES

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

SaveFileResult Failed(SaveFileResult::Step step, int err) {
  SaveFileResult result;
  result.step = step;
  result.saved_errno = err;
  result.message = std::strerror(err);
  return result;
}

}  // namespace

bool FileSink::Write(std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      return false;
    }
    if (n == 0) {
      errno_ = ENOSPC;
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  if (incremental_sync_ && written_ - synced_ >= kSyncEvery) {
    // Start write-back of what was written since the last call without waiting for it, so
    // that dirty pages do not pile up for one long fsync at the end.
    sync_file_range(fd_, static_cast<off64_t>(synced_), static_cast<off64_t>(written_ - synced_),
                    SYNC_FILE_RANGE_WRITE);
    synced_ = written_;
  }
  return true;
}

std::string FileSink::error() const { return std::strerror(errno_ != 0 ? errno_ : EIO); }

SaveFileResult WriteRdbTempFile(const std::string& tmp_path,
                                std::span<const ds::Database* const> dbs,
                                const RdbSaveOptions& options, bool incremental_sync) {
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Failed(SaveFileResult::kOpen, errno);

  SaveFileResult result;
  FileSink sink(fd, incremental_sync);
  std::string error;
  const bool written = WriteRdb(dbs, options, &sink, &error, &result.keys);
  int err = written ? 0 : (sink.saved_errno() != 0 ? sink.saved_errno() : EIO);
  if (written && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp_path.c_str());
    return Failed(SaveFileResult::kWrite, err);
  }
  result.bytes = sink.written();
  return result;
}

SaveFileResult CommitRdbFile(const std::string& tmp_path, const std::string& path) {
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_path.c_str());
    return Failed(SaveFileResult::kRename, err);
  }
  // The rename itself must reach the disk, or a crash could bring back the old file.
  const int dir = ::open(DirectoryOf(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (dir >= 0) {
    const int err = ::fsync(dir) != 0 ? errno : 0;
    ::close(dir);
    if (err != 0) return Failed(SaveFileResult::kWrite, err);
  }
  return SaveFileResult{};
}

SaveFileResult SaveRdbFile(const std::string& path, const std::string& tmp_path,
                           std::span<const ds::Database* const> dbs, const RdbSaveOptions& options,
                           bool incremental_sync) {
  SaveFileResult result = WriteRdbTempFile(tmp_path, dbs, options, incremental_sync);
  if (result.step != SaveFileResult::kOk) return result;
  SaveFileResult commit = CommitRdbFile(tmp_path, path);
  if (commit.step != SaveFileResult::kOk) return commit;
  return result;
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

bool MappedFile::Open(const std::string& path, std::string* error, int* saved_errno) {
  auto fail = [&](int err) {
    *saved_errno = err;
    *error = std::strerror(err);
    return false;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(err);
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    // Populated up front: the loader reads every byte once, in order.
    void* addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (addr == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      size_ = 0;
      return fail(err);
    }
    addr_ = addr;
    ::madvise(addr_, size_, MADV_SEQUENTIAL);
  }
  ::close(fd);
  return true;
}

}  // namespace rill::persistence
