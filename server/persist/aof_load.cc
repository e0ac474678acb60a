// Loading the append-only directory at start and on DEBUG LOADAOF (server/persist/aof.h), as Redis
// 7.0's loadAppendOnlyFiles does: BASE first (RDB or AOF commands), then every INCR file in
// order, each command replayed through the engine for a client of the loader's own that gets
// no replies and never blocks.
//
// Bad files stop the server with Redis's messages and are left as they are, with one
// exception Redis makes too: with aof-load-truncated yes, an incomplete command (or MULTI
// without EXEC) at the end of the last file is cut off and the server starts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "persistence/aof_command.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_loader.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/aof.h"
#include "server/persist/aof_files.h"
#include "server/persist/persistence.h"

namespace rill {

namespace {

// A manifest is a few lines per file; anything bigger is not one.
constexpr uint64_t kMaxManifestBytes = 64 * 1024 * 1024;

bool ReadWholeFile(const std::string& path, uint64_t limit, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) return false;
  out->clear();
  char buf[64 * 1024];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || out->size() + static_cast<size_t>(n) > limit) {
      int saved = errno;
      close(fd);
      errno = saved;
      return n == 0;
    }
    out->append(buf, static_cast<size_t>(n));
  }
}

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool IsCommand(const std::string& arg, std::string_view name) {
  return EqualsIgnoreCase(arg, name);
}

}  // namespace

bool AppendOnlyFile::LoadManifestFromDisk() {
  manifest_ = persistence::AofManifest();
  const std::string dir = engine_.config().String("appenddirname");
  if (!aof_files::DirExists(dir)) {
    Log(LogLevel::kDebug, "The AOF directory %s doesn't exist", dir);
    return true;
  }
  const std::string name =
      persistence::AofManifestFileName(engine_.config().String("appendfilename"));
  const std::string path = PathOf(name);
  if (!aof_files::FileExists(path)) {
    Log(LogLevel::kDebug, "The AOF manifest file %s doesn't exist", name);
    return true;
  }
  std::string text;
  if (!ReadWholeFile(path, kMaxManifestBytes, &text)) {
    Log(LogLevel::kWarning, "Fatal error: can't open the AOF manifest file %s for reading: %s",
        path, std::strerror(errno));
    return false;
  }
  persistence::AofManifestError error;
  std::optional<persistence::AofManifest> manifest = persistence::ParseAofManifest(text, &error);
  if (!manifest) {
    Log(LogLevel::kWarning, "\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
    if (error.line != 0) {
      Log(LogLevel::kWarning, "Reading the manifest file, at line %d\n", error.line);
      Log(LogLevel::kWarning, ">>> '%s'\n", error.line_text);
    }
    Log(LogLevel::kWarning, "%s\n", error.message);
    return false;
  }
  manifest_ = std::move(*manifest);
  return true;
}

void AppendOnlyFile::UpgradeOldStyleAofIfNeeded() {
  // An `appendfilename` file in `dir` is an AOF of Redis before 7.0: it becomes the BASE of
  // a new directory (moved, not copied), unless a directory already holds newer data.
  const std::string dir = engine_.config().String("appenddirname");
  const std::string filename = engine_.config().String("appendfilename");
  if (!aof_files::FileExists(filename)) return;
  const bool no_files = !manifest_.has_data_files();
  const bool only_moved_base = manifest_.base && manifest_.incr.empty() &&
                               manifest_.base->name == filename &&
                               !aof_files::FileExists(PathOf(filename));
  if (aof_files::DirExists(dir) && !no_files && !only_moved_base) return;
  if (!aof_files::CreateDirIfMissing(dir)) {
    Log(LogLevel::kWarning, "Can't open or create append-only dir %s: %s", dir,
        std::strerror(errno));
    _exit(1);
  }
  manifest_.base = persistence::AofFileInfo{filename, 1, persistence::AofFileType::kBase};
  manifest_.base_seq = 1;
  if (!PersistManifest(manifest_)) _exit(1);
  if (rename(filename.c_str(), PathOf(filename).c_str()) == -1) {
    Log(LogLevel::kWarning, "Error trying to move the old AOF file %s into dir %s: %s", filename,
        dir, std::strerror(errno));
    _exit(1);
  }
  Log(LogLevel::kNotice,
      "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", filename,
      dir);
}

AppendOnlyFile::LoadStatus AppendOnlyFile::LoadFiles() {
  UpgradeOldStyleAofIfNeeded();
  if (!manifest_.has_data_files()) return LoadStatus::kNotExist;

  std::vector<const persistence::AofFileInfo*> files;
  if (manifest_.base) files.push_back(&*manifest_.base);
  for (const persistence::AofFileInfo& info : manifest_.incr) files.push_back(&info);
  uint64_t total_size = 0;
  for (const persistence::AofFileInfo* info : files) {
    struct stat st;
    if (stat(PathOf(info->name).c_str(), &st) == -1) {
      Log(LogLevel::kWarning, "Unable to obtain the AOF file %s length. stat: %s", info->name,
          std::strerror(errno));
      // A file the manifest lists but the disk lacks is fatal.
      return errno == ENOENT ? LoadStatus::kFailed : LoadStatus::kOpenError;
    }
    total_size += static_cast<uint64_t>(st.st_size);
  }
  if (total_size == 0) return LoadStatus::kEmpty;

  engine_.set_loading(true);
  LoadStatus result = LoadStatus::kOk;
  for (size_t i = 0; i < files.size(); ++i) {
    const bool is_base = manifest_.base && i == 0;
    const bool last_file = i + 1 == files.size();
    const int64_t start = MonotonicMs();
    LoadStatus status = LoadOneFile(files[i]->name, last_file);
    if (status == LoadStatus::kOk || (status == LoadStatus::kTruncated && last_file)) {
      Log(LogLevel::kNotice, "DB loaded from %s file %s: %.3f seconds", is_base ? "base" : "incr",
          files[i]->name, static_cast<double>(MonotonicMs() - start) / 1000);
    }
    // Only the last file may end early; an empty INCR file is fine once something had data.
    if (status == LoadStatus::kEmpty && !is_base) status = LoadStatus::kOk;
    if (status == LoadStatus::kTruncated && !last_file) status = LoadStatus::kFailed;
    if (status == LoadStatus::kOpenError || status == LoadStatus::kFailed) {
      result = status;
      break;
    }
    if (status == LoadStatus::kTruncated) result = status;
  }
  engine_.set_loading(false);
  if (result == LoadStatus::kOpenError || result == LoadStatus::kFailed) return result;
  current_size_ = total_size;
  // The size of the last rewrite is not stored anywhere; the BASE's size stands in for it (the
  // first automatic rewrite may come a little early, as in Redis).
  rewrite_base_size_ = manifest_.base ? aof_files::FileSize(PathOf(manifest_.base->name)) : 0;
  fsync_offset_ = current_size_;
  return result;
}

bool AppendOnlyFile::LoadRdbPart(int fd, const std::string& name, bool old_style,
                                 uint64_t* consumed) {
  Log(LogLevel::kNotice, "%s",
      old_style ? "Reading RDB preamble from AOF file..."
                : "Reading RDB base file on AOF loading...");
  persistence::MappedFile file;
  std::string error;
  int saved_errno = 0;
  bool ok = file.Open(PathOf(name), &error, &saved_errno);
  if (ok) {
    persistence::RdbLoadOptions options = engine_.rdb().PrepareLoad();
    options.skip_expired = false;  // the commands after it may still touch them
    std::vector<ds::Database*> dbs;
    for (int i = 0; i < engine_.num_databases(); ++i) dbs.push_back(&engine_.db(i));
    persistence::RdbLoadInfo info;
    ok = persistence::LoadRdb(file.data(), dbs, options, &info, &error) &&
         engine_.rdb().LoadFunctions(info.functions, &error);
    if (ok) {
      *consumed = info.bytes_consumed;
      Log(LogLevel::kNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.",
          info.keys_loaded, info.keys_expired);
    }
  }
  if (!ok) {
    Log(LogLevel::kWarning, "%s", error);
    if (old_style) {
      Log(LogLevel::kWarning,
          "Error reading the RDB preamble of the AOF file %s, AOF loading aborted", name);
    } else {
      Log(LogLevel::kWarning, "Error reading the RDB base file %s, AOF loading aborted", name);
    }
    return false;
  }
  return lseek(fd, static_cast<off_t>(*consumed), SEEK_SET) != -1;
}

AppendOnlyFile::LoadStatus AppendOnlyFile::LoadOneFile(const std::string& name, bool last_file) {
  const std::string path = PathOf(name);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    const int err = errno;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 || errno != ENOENT) {
      Log(LogLevel::kWarning, "Fatal error: can't open the append log file %s for reading: %s",
          name, std::strerror(err));
      return LoadStatus::kOpenError;
    }
    Log(LogLevel::kWarning, "The append log file %s doesn't exist: %s", name, std::strerror(err));
    return LoadStatus::kNotExist;
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size == 0) return LoadStatus::kEmpty;

  // An RDB (a BASE written with aof-use-rdb-preamble, or the preamble of a pre-7.0 AOF)?
  uint64_t start_offset = 0;
  char sig[5];
  if (pread(fd, sig, sizeof(sig), 0) == 5 && std::memcmp(sig, "REDIS", 5) == 0) {
    const bool old_style = name == engine_.config().String("appendfilename");
    if (!LoadRdbPart(fd, name, old_style, &start_offset)) return LoadStatus::kFailed;
    if (old_style) Log(LogLevel::kNotice, "Reading the remaining AOF tail...");
  }

  persistence::AofReader reader([fd](char* buf, size_t n) -> int64_t {
    while (true) {
      ssize_t r = read(fd, buf, n);
      if (r < 0 && errno == EINTR) continue;
      return r;
    }
  });
  Client loader;
  loader.id = std::numeric_limits<uint64_t>::max();  // Redis's CLIENT_ID_AOF
  loader.authenticated = true;
  loader.no_block = true;  // replay never waits
  loader.name = "";
  std::vector<std::string> argv;
  std::vector<std::string_view> views;
  std::string discarded_replies;
  uint64_t valid_up_to = start_offset;
  uint64_t valid_before_multi = start_offset;
  persistence::AofReader::Status status;
  while ((status = reader.Next(&argv)) == persistence::AofReader::Status::kCommand) {
    if (engine_.commands().Find(argv[0]) == nullptr) {
      Log(LogLevel::kWarning, "Unknown command '%s' reading the append only file %s", argv[0],
          name);
      return LoadStatus::kFailed;
    }
    if (IsCommand(argv[0], "multi")) valid_before_multi = valid_up_to;
    views.assign(argv.begin(), argv.end());
    engine_.Execute(loader, views, &discarded_replies);
    discarded_replies.clear();
    valid_up_to = start_offset + reader.valid_offset();
  }
  switch (status) {
    case persistence::AofReader::Status::kEnd:
      if (!loader.in_multi) return LoadStatus::kOk;
      // A transaction without its EXEC at the end is an incomplete tail too.
      Log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
      valid_up_to = valid_before_multi;
      break;
    case persistence::AofReader::Status::kTruncated:
      break;
    case persistence::AofReader::Status::kIoError:
      Log(LogLevel::kWarning, "Unrecoverable error reading the append only file %s: %s", name,
          std::strerror(errno));
      return LoadStatus::kFailed;
    case persistence::AofReader::Status::kFormatError:
    case persistence::AofReader::Status::kCommand:
      Log(LogLevel::kWarning,
          "Bad file format reading the append only file %s: make a backup of your AOF file, "
          "then use ./redis-check-aof --fix <filename.manifest>",
          name);
      return LoadStatus::kFailed;
  }
  // An incomplete tail. Only the last file may be cut: Redis cuts an earlier one too and then
  // refuses to start (so a second start finds it shortened and goes on); here it stays as it
  // is.
  if (engine_.config().Bool("aof-load-truncated")) {
    Log(LogLevel::kWarning, "!!! Warning: short read while loading the AOF file %s!!!", name);
    if (!last_file) {
      Log(LogLevel::kWarning, "Fatal error: the truncated file is not the last file");
      return LoadStatus::kFailed;
    }
    Log(LogLevel::kWarning, "!!! Truncating the AOF %s at offset %d !!!", name, valid_up_to);
    if (truncate(path.c_str(), static_cast<off_t>(valid_up_to)) == -1) {
      Log(LogLevel::kWarning, "Error truncating the AOF file %s: %s", name, std::strerror(errno));
    } else {
      Log(LogLevel::kWarning, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
      return LoadStatus::kTruncated;
    }
  }
  Log(LogLevel::kWarning,
      "Unexpected end of file reading the append only file %s. You can: 1) Make a backup of "
      "your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively "
      "you can set the 'aof-load-truncated' configuration option to yes and restart the "
      "server.",
      name);
  return LoadStatus::kFailed;
}

bool AppendOnlyFile::DebugReload() {
  if (state_ == State::kOn) WriteBuffer(true);
  engine_.tracking().InvalidateAllOnFlush();
  for (int i = 0; i < engine_.num_databases(); ++i) {
    engine_.DatabaseWillChange(i);
    engine_.db(i).Clear();
  }
  if (!LoadManifestFromDisk()) return false;
  DeleteHistoryFiles();
  LoadStatus status = LoadFiles();
  if (status != LoadStatus::kOk && status != LoadStatus::kEmpty) return false;
  Log(LogLevel::kWarning, "Append Only File loaded by DEBUG LOADAOF");
  return true;
}

}  // namespace rill
