// AOF rewrites (server/persist/aof.h): the BASE file writer, the background rewrite in a forked
// child (server/persist/child_process.h) and its completion, scheduling and the automatic growth
// trigger.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "persistence/aof_rewrite.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_writer.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/aof.h"
#include "server/persist/aof_files.h"
#include "server/persist/child_process.h"
#include "server/persist/child_temp_files.h"
#include "server/persist/persistence.h"
#include "server/scripting/scripting.h"

namespace rill {

namespace {

// Rewrites that failed this many times in a row are retried with a growing delay.
constexpr uint64_t kRewriteLimitThreshold = 3;
constexpr int64_t kRewriteLimitMaxMinutes = 60;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

bool AppendOnlyFile::WriteBaseFile(const std::string& path, ChildReporter* report) {
  // Written under a name of this process's own in the working directory, then renamed, so a
  // crash never leaves a half-written file under a name the manifest uses.
  const std::string tmp = AofRewriteTempFileName(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) {
    Log(LogLevel::kWarning, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s",
        std::strerror(errno));
    return false;
  }
  Config& config = engine_.config();
  persistence::FileSink sink(fd, config.Bool("aof-rewrite-incremental-fsync"));
  std::vector<ds::Database*> dbs;
  for (int i = 0; i < engine_.num_databases(); ++i) dbs.push_back(&engine_.db(i));
  auto progress = [report](uint64_t keys) {
    if (report) report->Progress(keys);
  };
  bool ok;
  std::string error;
  uint64_t keys = 0;
  for (const ds::Database* db : dbs) keys += db->size();
  if (config.Bool("aof-use-rdb-preamble")) {
    persistence::RdbSaveOptions options = engine_.rdb().SaveOptions();
    options.aof_base = true;
    options.progress = progress;
    std::vector<const ds::Database*> const_dbs(dbs.begin(), dbs.end());
    ok = persistence::WriteRdb(const_dbs, options, &sink, &error);
  } else {
    persistence::AofRewriteOptions options;
    options.key_save_delay_us = config.Int("rdb-key-save-delay");
    options.timestamp_annotation = config.Bool("aof-timestamp-enabled");
    options.now_unix_seconds = NowSeconds();
    options.progress = progress;
    for (const auto& library : engine_.scripting().libraries()) {
      options.functions.push_back(library->code);
    }
    ok = persistence::WriteAofRewrite(
        dbs, options, [&sink](std::string_view bytes) { return sink.Write(bytes); });
    if (!ok) error = sink.error();
  }
  if (ok && fsync(fd) == -1) {
    ok = false;
    error = std::strerror(errno);
  }
  if (close(fd) == -1 && ok) {
    ok = false;
    error = std::strerror(errno);
  }
  if (!ok) {
    Log(LogLevel::kWarning, "Write error writing append only file on disk: %s", error);
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), path.c_str()) == -1) {
    Log(LogLevel::kWarning, "Error moving temp append only file on the final destination: %s",
        std::strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  if (report) report->Finish(keys);
  return true;
}

// ---- the background rewrite ----

bool AppendOnlyFile::ChildActive() const { return engine_.children().active(); }

bool AppendOnlyFile::rewrite_in_progress() const {
  return engine_.children().active_type() == ChildType::kAof;
}

bool AppendOnlyFile::OpenNewIncrForAppend() {
  if (state_ == State::kOff) return true;
  const std::string filename = engine_.config().String("appendfilename");
  persistence::AofManifest next = manifest_;
  std::string name;
  if (state_ == State::kWaitRewrite) {
    // Commands since the snapshot go to a temporary INCR file; it gets its real name (and its
    // place in the manifest) only when the rewrite succeeds.
    name = persistence::AofTempIncrFileName(filename);
  } else {
    name = next.NewIncr(filename);
  }
  int fd = open(PathOf(name).c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
  if (fd == -1) {
    Log(LogLevel::kWarning, "Can't open the append-only file %s: %s", name, std::strerror(errno));
    return false;
  }
  if (state_ == State::kOn && !PersistManifest(next)) {
    close(fd);
    return false;
  }
  Log(LogLevel::kNotice, "Creating AOF incr file %s on background rewrite", name);
  if (fd_ != -1) {
    // Everything is already written; a last fsync of the old file can happen in the
    // background (with `always` it is already on disk).
    bio_.FsyncAndClose(fd_);
    fsync_offset_ = current_size_;
    last_fsync_s_ = NowSeconds();
  }
  fd_ = fd;
  last_incr_size_ = 0;
  manifest_ = std::move(next);
  return true;
}

bool AppendOnlyFile::StartRewrite() {
  if (ChildActive()) return false;
  const std::string dir = engine_.config().String("appenddirname");
  if (!aof_files::CreateDirIfMissing(dir)) {
    Log(LogLevel::kWarning, "Can't open or create append-only dir %s: %s", dir,
        std::strerror(errno));
    last_rewrite_ok_ = false;
    return false;
  }
  // The new INCR file starts with a SELECT of its own.
  selected_db_ = -1;
  WriteBuffer(true);
  if (!OpenNewIncrForAppend()) {
    last_rewrite_ok_ = false;
    return false;
  }
  ++rewrites_;
  uint64_t keys_total = 0;
  for (int i = 0; i < engine_.num_databases(); ++i) keys_total += engine_.db(i).size();
  std::string error;
  const bool started = engine_.children().Start(
      ChildType::kAof, keys_total,
      [this](ChildReporter& report) {
        const std::string tmp = AofRewriteDoneTempFileName(getpid());
        if (!WriteBaseFile(tmp, &report)) return 1;
        Log(LogLevel::kNotice, "Successfully created the temporary AOF base file %s", tmp);
        Log(LogLevel::kNotice, "Fork CoW for AOF rewrite: current %d MB, peak %d MB, average %d MB",
            report.cow_last() >> 20, report.cow_peak() >> 20, report.cow_average() >> 20);
        return 0;
      },
      [this](const ChildResult& result) { RewriteDone(result); }, &error);
  if (!started) {
    last_rewrite_ok_ = false;
    Log(LogLevel::kWarning, "Can't rewrite append only file in background: fork: %s", error);
    return false;
  }
  Log(LogLevel::kNotice, "Background append only file rewriting started by pid %d",
      static_cast<long>(engine_.children().pid()));
  rewrite_scheduled_ = false;
  rewrite_time_start_s_ = NowSeconds();
  return true;
}

void AppendOnlyFile::RewriteDone(const ChildResult& result) {
  const std::string filename = engine_.config().String("appendfilename");
  if (result.ok) {
    const int64_t start_us = NowUs();
    Log(LogLevel::kNotice, "Background AOF rewrite terminated with success");
    const std::string tmp = AofRewriteDoneTempFileName(result.pid);
    persistence::AofManifest next = manifest_;
    const std::string base = next.NewBase(filename, engine_.config().Bool("aof-use-rdb-preamble"));
    const std::string base_path = PathOf(base);
    std::string incr_path;
    bool ok = true;
    if (rename(tmp.c_str(), base_path.c_str()) == -1) {
      Log(LogLevel::kWarning, "Error trying to rename the temporary AOF base file %s into %s: %s",
          tmp, base_path, std::strerror(errno));
      ok = false;
    } else {
      Log(LogLevel::kNotice, "Successfully renamed the temporary AOF base file %s into %s", tmp,
          base);
    }
    if (ok && state_ == State::kWaitRewrite) {
      const std::string temp_incr = persistence::AofTempIncrFileName(filename);
      const std::string incr = next.NewIncr(filename);
      incr_path = PathOf(incr);
      if (rename(PathOf(temp_incr).c_str(), incr_path.c_str()) == -1) {
        Log(LogLevel::kWarning, "Error trying to rename the temporary AOF incr file %s into %s: %s",
            temp_incr, incr, std::strerror(errno));
        bio_.Unlink(base_path);
        incr_path.clear();
        ok = false;
      } else {
        Log(LogLevel::kNotice, "Successfully renamed the temporary AOF incr file %s into %s",
            temp_incr, incr);
      }
    }
    if (ok) {
      // The INCR being written (if AOF is on) stays; the others are covered by the new BASE.
      next.MarkIncrAsHistory(fd_ != -1);
      if (!PersistManifest(next)) {
        bio_.Unlink(base_path);
        if (!incr_path.empty()) bio_.Unlink(incr_path);
        ok = false;
      }
    }
    if (ok) {
      manifest_ = std::move(next);
      if (fd_ != -1) {
        selected_db_ = -1;  // the next command re-issues SELECT
        current_size_ = aof_files::FileSize(base_path) + last_incr_size_;
        rewrite_base_size_ = current_size_;
        fsync_offset_ = current_size_;
        last_fsync_s_ = NowSeconds();
      }
      DeleteHistoryFiles();
      last_rewrite_ok_ = true;
      consecutive_failures_ = 0;
      Log(LogLevel::kNotice, "Background AOF rewrite finished successfully");
      if (state_ == State::kWaitRewrite) state_ = State::kOn;
      Log(LogLevel::kVerbose, "Background AOF rewrite signal handler took %dus",
          NowUs() - start_us);
    } else {
      last_rewrite_ok_ = false;
      ++consecutive_failures_;
    }
  } else if (result.term_signal == 0) {
    last_rewrite_ok_ = false;
    ++consecutive_failures_;
    Log(LogLevel::kWarning, "Background AOF rewrite terminated with error");
  } else {
    // A kill of ours (SIGUSR1) is not a failure.
    if (!result.killed_by_us) {
      last_rewrite_ok_ = false;
      ++consecutive_failures_;
    }
    Log(LogLevel::kWarning, "Background AOF rewrite terminated by signal %d", result.term_signal);
  }
  last_cow_size_ = result.cow_bytes;
  RemoveTempFiles(result.pid);
  if (state_ == State::kWaitRewrite) {
    // The commands collected for a rewrite that failed are in its snapshot's successor.
    engine_.propagation().ReleaseDirect();
    buf_.clear();
    const std::string temp_incr = persistence::AofTempIncrFileName(filename);
    Log(LogLevel::kNotice, "Removing the temp incr aof file %s in the background", temp_incr);
    bio_.Unlink(PathOf(temp_incr));
  }
  rewrite_time_last_s_ = NowSeconds() - rewrite_time_start_s_;
  rewrite_time_start_s_ = -1;
  // Still waiting to turn on: try again.
  if (state_ == State::kWaitRewrite) rewrite_scheduled_ = true;
}

void AppendOnlyFile::RemoveTempFiles(pid_t child_pid) {
  bio_.Unlink(AofRewriteDoneTempFileName(child_pid));
  bio_.Unlink(AofRewriteTempFileName(child_pid));
}

void AppendOnlyFile::KillRewriteChild() {
  if (!rewrite_in_progress()) return;
  const pid_t pid = engine_.children().pid();
  Log(LogLevel::kNotice, "Killing running AOF rewrite child: %d", static_cast<long>(pid));
  engine_.children().Kill(/*run_done=*/false);
  RemoveTempFiles(pid);
  rewrite_time_start_s_ = -1;
}

bool AppendOnlyFile::RewriteLimited() {
  if (consecutive_failures_ < kRewriteLimitThreshold) {
    limit_delay_minutes_ = 0;
    limit_next_rewrite_s_ = 0;
    return false;
  }
  const int64_t now = NowSeconds();
  if (limit_next_rewrite_s_ != 0) {
    if (now < limit_next_rewrite_s_) return true;
    limit_next_rewrite_s_ = 0;
    return false;
  }
  limit_delay_minutes_ = limit_delay_minutes_ == 0 ? 1 : limit_delay_minutes_ * 2;
  if (limit_delay_minutes_ > kRewriteLimitMaxMinutes)
    limit_delay_minutes_ = kRewriteLimitMaxMinutes;
  limit_next_rewrite_s_ = now + limit_delay_minutes_ * 60;
  Log(LogLevel::kWarning,
      "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d "
      "minutes",
      limit_delay_minutes_);
  return true;
}

AppendOnlyFile::RewriteRequest AppendOnlyFile::RequestRewrite() {
  if (rewrite_in_progress()) return RewriteRequest::kAlreadyRunning;
  if (ChildActive() || engine_.in_exec()) {
    rewrite_scheduled_ = true;
    // A rewrite asked for by hand is not held back by earlier failures.
    consecutive_failures_ = 0;
    return RewriteRequest::kScheduled;
  }
  return StartRewrite() ? RewriteRequest::kStarted : RewriteRequest::kFailed;
}

void AppendOnlyFile::RewriteCron() {
  if (!ChildActive() && rewrite_scheduled_ && !RewriteLimited()) StartRewrite();
  if (state_ != State::kOn || ChildActive()) return;
  const int64_t percentage = engine_.config().Int("auto-aof-rewrite-percentage");
  const uint64_t min_size =
      static_cast<uint64_t>(engine_.config().Int("auto-aof-rewrite-min-size"));
  if (percentage == 0 || current_size_ <= min_size) return;
  const uint64_t base = rewrite_base_size_ != 0 ? rewrite_base_size_ : 1;
  const int64_t growth = static_cast<int64_t>(current_size_ * 100 / base) - 100;
  if (growth >= percentage && !RewriteLimited()) {
    Log(LogLevel::kNotice, "Starting automatic rewriting of AOF on %d%% growth", growth);
    StartRewrite();
  }
}

}  // namespace rill
