// The AOF write path, run-time switches, start-up opening and INFO fields (server/persist/aof.h).
// Loading lives in aof_load.cc, rewriting in aof_rewrite.cc.
#include "server/persist/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_format.h"
#include "persistence/aof_command.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/aof_files.h"

namespace rill {

namespace {

enum FsyncPolicy { kFsyncNo = 0, kFsyncAlways = 1, kFsyncEverysec = 2 };

// Seconds between two logs of the same AOF write error.
constexpr int64_t kWriteErrorLogRate = 30;
// A buffer grown past this by a burst is released after it was written.
constexpr size_t kKeepBufferCapacity = 4 * 1024 * 1024;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

AppendOnlyFile::AppendOnlyFile(Engine& engine) : engine_(engine) {
  Config& config = engine_.config();
  if (config.Bool("appendonly")) state_ = State::kOn;
  // Read on every write: cached, and refreshed when CONFIG SET changes them.
  auto read_settings = [this] {
    Config& c = engine_.config();
    fsync_policy_ = static_cast<int>(c.Int("appendfsync"));
    timestamps_ = c.Bool("aof-timestamp-enabled");
    no_fsync_on_rewrite_ = c.Bool("no-appendfsync-on-rewrite");
  };
  read_settings();
  for (std::string_view name :
       {"appendfsync", "aof-timestamp-enabled", "no-appendfsync-on-rewrite"}) {
    config.OnChange(name, read_settings);
  }
  engine_.AddNotCountedForEvictSource([this] { return buffer_memory(); });
}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ != -1) close(fd_);
}

std::string AppendOnlyFile::PathOf(std::string_view name) const {
  return aof_files::JoinPath(engine_.config().String("appenddirname"), name);
}

// ---- the write path ----

bool AppendOnlyFile::Collecting() const {
  // While waiting for the first rewrite, only a rewrite in progress collects commands: its
  // temporary INCR file holds what happened since its snapshot. Before it starts, its snapshot
  // will include them.
  return state_ == State::kOn || (state_ == State::kWaitRewrite && rewrite_in_progress());
}

void AppendOnlyFile::AppendPrefix(int db, bool collect) {
  if (timestamps_) {
    const int64_t now = NowSeconds();
    if (timestamp_annotated_s_ < now) {
      timestamp_annotated_s_ = now;
      if (collect) absl::StrAppendFormat(&buf_, "#TS:%d\r\n", now);
    }
  }
  // The SELECT bookkeeping follows every propagated command, written or not, as in Redis.
  if (db != selected_db_) {
    if (collect) persistence::AppendAofSelect(&buf_, db);
    selected_db_ = db;
  }
}

void AppendOnlyFile::Feed(int db, std::string_view resp_command) {
  const bool collect = Collecting();
  AppendPrefix(db, collect);
  if (collect) buf_.append(resp_command);
}

std::string* AppendOnlyFile::DirectBuffer(int db) {
  if (!Collecting()) return nullptr;
  AppendPrefix(db, true);
  return &buf_;
}

void AppendOnlyFile::WriteBuffer(bool force) {
  if (fd_ == -1) return;
  // A command still open in the propagator's unit must not leave with the buffer.
  engine_.propagation().ReleaseDirect();
  const int policy = fsync_policy_;
  const int64_t now = NowSeconds();
  bool sync_in_progress = false;
  if (buf_.empty()) {
    // Nothing new, but data written since the last everysec fsync must still reach the disk
    // within about a second even when the writes stop.
    if (policy == kFsyncEverysec && fsync_offset_ != current_size_ && now > last_fsync_s_ &&
        !(sync_in_progress = FsyncInProgress())) {
      // fall through to the fsync below
    } else {
      return;
    }
  } else {
    if (policy == kFsyncEverysec) sync_in_progress = FsyncInProgress();
    if (policy == kFsyncEverysec && !force && sync_in_progress) {
      // write(2) would block behind the running fsync: wait up to two seconds.
      if (flush_postponed_start_s_ == 0) {
        flush_postponed_start_s_ = now;
        return;
      }
      if (now - flush_postponed_start_s_ < 2) return;
      ++delayed_fsync_;
      Log(LogLevel::kNotice,
          "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
          "without waiting for fsync to complete, this may slow down Redis.");
    }
    const int64_t start_us = NowUs();
    ssize_t written = aof_files::WriteAll(fd_, buf_);
    const int64_t latency_ms = (NowUs() - start_us) / 1000;
    const int64_t threshold = engine_.latency_threshold_ms();
    const char* event = sync_in_progress ? "aof-write-pending-fsync"
                        : ChildActive()  ? "aof-write-active-child"
                                         : "aof-write-alone";
    engine_.latency().AddSampleIfNeeded(event, latency_ms, threshold, now);
    engine_.latency().AddSampleIfNeeded("aof-write", latency_ms, threshold, now);
    flush_postponed_start_s_ = 0;

    if (written != static_cast<ssize_t>(buf_.size())) {
      const bool can_log = now - last_write_error_log_s_ > kWriteErrorLogRate;
      if (can_log) last_write_error_log_s_ = now;
      if (written == -1) {
        if (can_log)
          Log(LogLevel::kWarning, "Error writing to the AOF file: %s", std::strerror(errno));
        last_write_errno_ = errno;
      } else {
        if (can_log) {
          Log(LogLevel::kWarning,
              "Short write while writing to the AOF file: (nwritten=%d, expected=%d)", written,
              buf_.size());
        }
        // Take the partial command back out, so that the file stays loadable.
        if (ftruncate(fd_, static_cast<off_t>(last_incr_size_)) == -1) {
          if (can_log) {
            Log(LogLevel::kWarning,
                "Could not remove short write from the append-only file.  Redis may refuse to "
                "load the AOF the next time it starts.  ftruncate: %s",
                std::strerror(errno));
          }
        } else {
          written = -1;
        }
        last_write_errno_ = ENOSPC;
      }
      if (policy == kFsyncAlways) {
        // The replies of this turn promise that the data is on disk; they must not go out.
        Log(LogLevel::kWarning,
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...");
        _exit(1);
      }
      // Keep the data for the next try; refuse writes meanwhile (-MISCONF).
      last_write_ok_ = false;
      if (written > 0) {
        current_size_ += static_cast<uint64_t>(written);
        last_incr_size_ += static_cast<uint64_t>(written);
        buf_.erase(0, static_cast<size_t>(written));
      }
      return;
    }
    if (!last_write_ok_) {
      Log(LogLevel::kWarning, "AOF write error looks solved, Redis can write again.");
      last_write_ok_ = true;
    }
    current_size_ += static_cast<uint64_t>(written);
    last_incr_size_ += static_cast<uint64_t>(written);
    buf_.clear();
    if (buf_.capacity() > kKeepBufferCapacity) buf_.shrink_to_fit();
  }

  // no-appendfsync-on-rewrite: a child writing a snapshot competes for the disk; skip.
  if (no_fsync_on_rewrite_ && ChildActive()) {
    return;
  }
  if (policy == kFsyncAlways) {
    const int64_t start_us = NowUs();
    if (fdatasync(fd_) == -1) {
      Log(LogLevel::kWarning,
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. "
          "Exiting...",
          std::strerror(errno));
      _exit(1);
    }
    engine_.latency().AddSampleIfNeeded("aof-fsync-always", (NowUs() - start_us) / 1000,
                                        engine_.latency_threshold_ms(), now);
    fsync_offset_ = current_size_;
    last_fsync_s_ = now;
  } else if (policy == kFsyncEverysec && now > last_fsync_s_) {
    if (!sync_in_progress) {
      bio_.Fsync(fd_);
      fsync_offset_ = current_size_;
    }
    last_fsync_s_ = now;
  }
}

void AppendOnlyFile::Cron() {
  if (int err = bio_.fsync_error(); err != 0 && err != logged_fsync_errno_) {
    Log(LogLevel::kWarning, "Fail to fsync the AOF file: %s", std::strerror(err));
    logged_fsync_errno_ = err;
    last_write_errno_ = err;
  } else if (err == 0) {
    logged_fsync_errno_ = 0;
  }
  if (state_ != State::kOff) {
    // Postponed writes, the everysec fsync when writes stopped, and (once a second) another
    // try after a write error.
    const int64_t now = NowSeconds();
    if (!last_write_ok_) {
      if (now != last_error_retry_s_) {
        last_error_retry_s_ = now;
        WriteBuffer(false);
      }
    } else {
      WriteBuffer(false);
    }
  }
  RewriteCron();
}

bool AppendOnlyFile::PrepareShutdown(bool force) {
  if (state_ == State::kOff) return true;
  if (rewrite_in_progress()) {
    if (state_ == State::kWaitRewrite) {
      if (!force) {
        Log(LogLevel::kWarning, "Writing initial AOF, can't exit.");
        return false;
      }
      Log(LogLevel::kWarning, "Writing initial AOF. Exit anyway.");
    }
    Log(LogLevel::kWarning, "There is a child rewriting the AOF. Killing it!");
    KillRewriteChild();
  }
  Log(LogLevel::kNotice, "Calling fsync() on the AOF file.");
  WriteBuffer(true);
  if (fd_ != -1 && fdatasync(fd_) == -1) {
    Log(LogLevel::kWarning, "Fail to fsync the AOF file: %s.", std::strerror(errno));
  }
  bio_.Drain();
  return true;
}

// ---- run-time switches ----

void AppendOnlyFile::StopAtRuntime() {
  if (state_ == State::kOff) return;
  engine_.propagation().ReleaseDirect();
  WriteBuffer(true);
  if (fd_ != -1) {
    if (fdatasync(fd_) == -1) {
      Log(LogLevel::kWarning, "Fail to fsync the AOF file: %s", std::strerror(errno));
    } else {
      fsync_offset_ = current_size_;
      last_fsync_s_ = NowSeconds();
    }
    close(fd_);
  }
  fd_ = -1;
  selected_db_ = -1;
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  last_incr_size_ = 0;
  KillRewriteChild();
  buf_.clear();
  buf_.shrink_to_fit();
  engine_.propagation().RemoveSink(this);
}

bool AppendOnlyFile::StartAtRuntime() {
  if (state_ != State::kOff) return true;
  state_ = State::kWaitRewrite;
  engine_.propagation().AddSink(this);
  if (ChildActive() && !rewrite_in_progress()) {
    rewrite_scheduled_ = true;
    Log(LogLevel::kWarning,
        "AOF was enabled but there is already another background operation. An AOF background "
        "was scheduled to start when possible.");
  } else if (engine_.in_exec()) {
    rewrite_scheduled_ = true;
    Log(LogLevel::kWarning,
        "AOF was enabled during a transaction. An AOF background was scheduled to start when "
        "possible.");
  } else {
    if (rewrite_in_progress()) {
      Log(LogLevel::kWarning,
          "AOF was enabled but there is already an AOF rewriting in background. Stopping "
          "background AOF and starting a rewrite now.");
      KillRewriteChild();
    }
    if (!StartRewrite()) {
      state_ = State::kOff;
      engine_.propagation().RemoveSink(this);
      Log(LogLevel::kWarning,
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
          "Check the above logs for more info about the error.");
      return false;
    }
  }
  last_fsync_s_ = NowSeconds();
  if (bio_.fsync_error() != 0) {
    Log(LogLevel::kWarning, "AOF reopen, just ignore the AOF fsync error in bio job");
    bio_.ClearFsyncError();
  }
  if (!last_write_ok_) {
    Log(LogLevel::kWarning, "AOF reopen, just ignore the last error.");
    last_write_ok_ = true;
  }
  return true;
}

// ---- start-up ----

bool AppendOnlyFile::OpenOnStartup() {
  if (state_ == State::kOn) {
    const std::string dir = engine_.config().String("appenddirname");
    const std::string filename = engine_.config().String("appendfilename");
    if (!aof_files::CreateDirIfMissing(dir)) {
      Log(LogLevel::kWarning, "Can't open or create append-only dir %s: %s", dir,
          std::strerror(errno));
      return false;
    }
    const bool had_incr = !manifest_.incr.empty();
    if (!manifest_.has_data_files()) {
      // A server starting with AOF on and no AOF at all writes the dataset it has (empty, as
      // Redis does not read the RDB then) as the first BASE.
      const std::string base =
          manifest_.NewBase(filename, engine_.config().Bool("aof-use-rdb-preamble"));
      manifest_dirty_ = true;
      if (!WriteBaseFile(PathOf(base), nullptr)) return false;
      Log(LogLevel::kNotice, "Creating AOF base file %s on server start", base);
    }
    const size_t incr_before = manifest_.incr.size();
    const std::string incr = manifest_.LastIncrOrNew(filename);
    if (manifest_.incr.size() != incr_before) manifest_dirty_ = true;
    fd_ = open(PathOf(incr).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ == -1) {
      Log(LogLevel::kWarning, "Can't open the append-only file %s: %s", incr, std::strerror(errno));
      return false;
    }
    if (manifest_dirty_ && !PersistManifest(manifest_)) return false;
    manifest_dirty_ = false;
    last_incr_size_ = aof_files::FileSize(PathOf(incr));
    // Two calls, not a chosen format: the format must be a constant (absl's check under clang).
    if (had_incr) {
      Log(LogLevel::kNotice, "Opening AOF incr file %s on server start", incr);
    } else {
      Log(LogLevel::kNotice, "Creating AOF incr file %s on server start", incr);
    }
    engine_.propagation().AddSink(this);
  }
  DeleteHistoryFiles();
  return true;
}

bool AppendOnlyFile::PersistManifest(persistence::AofManifest& manifest) {
  const std::string dir = engine_.config().String("appenddirname");
  const std::string filename = engine_.config().String("appendfilename");
  return aof_files::WriteManifest(dir, persistence::AofManifestFileName(filename),
                                  persistence::AofTempManifestFileName(filename),
                                  persistence::FormatAofManifest(manifest));
}

void AppendOnlyFile::DeleteHistoryFiles() {
  if (manifest_.history.empty() || engine_.config().Bool("aof-disable-auto-gc")) return;
  for (const persistence::AofFileInfo& info : manifest_.history) {
    Log(LogLevel::kNotice, "Removing the history file %s in the background", info.name);
    bio_.Unlink(PathOf(info.name));
  }
  manifest_.history.clear();
  PersistManifest(manifest_);
}

// ---- INFO ----

std::string AppendOnlyFile::InfoFields() const {
  const bool in_progress = rewrite_in_progress();
  const int64_t now = NowSeconds();
  std::string out = absl::StrFormat(
      "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
      "aof_last_rewrite_time_sec:%d\r\naof_current_rewrite_time_sec:%d\r\n"
      "aof_last_bgrewrite_status:%s\r\naof_rewrites:%d\r\naof_rewrites_consecutive_failures:%d\r\n"
      "aof_last_write_status:%s\r\naof_last_cow_size:%d\r\n",
      state_ != State::kOff ? 1 : 0, in_progress ? 1 : 0, rewrite_scheduled_ ? 1 : 0,
      rewrite_time_last_s_, in_progress ? now - rewrite_time_start_s_ : -1,
      last_rewrite_ok_ ? "ok" : "err", rewrites_, consecutive_failures_,
      (last_write_ok_ && bio_.fsync_error() == 0) ? "ok" : "err", last_cow_size_);
  return out;
}

std::string AppendOnlyFile::InfoTailFields() const {
  if (state_ == State::kOff) return {};
  return absl::StrFormat(
      "aof_current_size:%d\r\naof_base_size:%d\r\naof_pending_rewrite:%d\r\n"
      "aof_buffer_length:%d\r\naof_pending_bio_fsync:%d\r\naof_delayed_fsync:%d\r\n",
      current_size_, rewrite_base_size_, rewrite_scheduled_ ? 1 : 0, buf_.size(),
      bio_.pending_fsyncs(), delayed_fsync_);
}

}  // namespace rill
