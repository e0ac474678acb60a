#include "server/persist/rdb_persistence.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/string_util.h"
#include "persistence/rdb_file.h"
#include "persistence/rdb_loader.h"
#include "server/engine/engine.h"
#include "server/observe/alloc_counter.h"
#include "server/observe/log.h"
#include "server/persist/child_process.h"
#include "server/persist/child_temp_files.h"
#include "server/persist/persistence.h"
#include "server/repl/replication.h"
#include "server/scripting/scripting.h"

namespace rill {
namespace {

// Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points wait this long.
constexpr int64_t kBgsaveRetryDelayS = 5;

constexpr std::string_view kMisconfError =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";

std::string WorkingDir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string("unknown");
}

// `name` in directory `dir` (a name that is already a path stays as it is).
std::string InDir(const std::string& dir, const std::string& name) {
  return !name.empty() && name[0] == '/' ? name : dir + "/" + name;
}

// Redis's log line for the step of a save that failed.
void LogSaveFailure(const persistence::SaveFileResult& r, const std::string& tmp,
                    const std::string& filename) {
  switch (r.step) {
    case persistence::SaveFileResult::kOk:
      return;
    case persistence::SaveFileResult::kOpen:
      Log(LogLevel::kWarning,
          "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", tmp,
          WorkingDir(), r.message);
      return;
    case persistence::SaveFileResult::kWrite:
      Log(LogLevel::kWarning, "Write error saving DB on disk: %s", r.message);
      return;
    case persistence::SaveFileResult::kRename:
      Log(LogLevel::kWarning,
          "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
          tmp, filename, WorkingDir(), r.message);
      return;
  }
}

}  // namespace

RdbPersistence::RdbPersistence(Engine& engine) : engine_(engine) {
  ParseSaveParams();
  engine_.config().OnChange("save", [this] { ParseSaveParams(); });
}

void RdbPersistence::ParseSaveParams() {
  save_params_.clear();
  std::vector<std::string> words =
      absl::StrSplit(engine_.config().String("save"), ' ', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < words.size(); i += 2) {
    SaveParam p;
    if (absl::SimpleAtoi(words[i], &p.seconds) && absl::SimpleAtoi(words[i + 1], &p.changes)) {
      save_params_.push_back(p);
    }
  }
}

std::vector<const ds::Database*> RdbPersistence::Databases() const {
  std::vector<const ds::Database*> dbs;
  for (int i = 0; i < engine_.num_databases(); ++i) dbs.push_back(&engine_.db(i));
  return dbs;
}

persistence::RdbLoadOptions RdbPersistence::PrepareLoad() {
  const Config& config = engine_.config();
  persistence::RdbLoadOptions options;
  options.list_limits.max_listpack_size = config.Int("list-max-listpack-size");
  options.stream_limits = {config.Int("stream-node-max-bytes"),
                           config.Int("stream-node-max-entries")};
  options.zset_limits = {static_cast<size_t>(config.Int("zset-max-listpack-entries")),
                         static_cast<size_t>(config.Int("zset-max-listpack-value"))};
  options.hash_limits = {static_cast<size_t>(config.Int("hash-max-listpack-entries")),
                         static_cast<size_t>(config.Int("hash-max-listpack-value"))};
  options.set_limits = {static_cast<size_t>(config.Int("set-max-intset-entries"))};
  options.now_ms = NowMs();
  options.verify_checksum = config.Bool("rdbchecksum");
  engine_.access_clock().Update(options.now_ms);
  // The clock knows the policy: a recorded LFU counter or idle time is kept when it uses it.
  options.access_clock = &engine_.access_clock();
  return options;
}

persistence::RdbSaveOptions RdbPersistence::SaveOptions() const {
  Config& config = engine_.config();
  persistence::RdbSaveOptions options;
  options.compression = config.Bool("rdbcompression");
  options.checksum = config.Bool("rdbchecksum");
  options.ctime = NowMs() / 1000;
  options.used_mem = AllocatedBytes();
  options.list_max_listpack_size = config.Int("list-max-listpack-size");
  options.key_save_delay_us = config.Int("rdb-key-save-delay");
  // Redis keeps each key's LRU idle time or LFU counter in the file when the policy uses it.
  const std::string policy = config.String("maxmemory-policy");
  if (policy.find("lru") != std::string::npos) {
    options.access_hint = persistence::RdbSaveOptions::AccessHint::kLruIdle;
  } else if (policy.find("lfu") != std::string::npos) {
    options.access_hint = persistence::RdbSaveOptions::AccessHint::kLfuFreq;
  }
  options.access_clock = &engine_.access_clock();
  for (const auto& library : engine_.scripting().libraries()) {
    options.functions.push_back(library->code);
  }
  return options;
}

bool RdbPersistence::LoadFunctions(const std::vector<std::string>& codes, std::string* error) {
  for (const std::string& code : codes) {
    std::string result;
    // A library of the same name is replaced (DEBUG RELOAD reads back what it saved).
    if (!engine_.scripting().LoadLibrary(code, /*replace=*/true, /*timeout=*/false, &result)) {
      *error = "Failed loading library: " + result;
      return false;
    }
  }
  return true;
}

bool RdbPersistence::bgsave_in_progress() const {
  return engine_.children().active_type() == ChildType::kRdb;
}

bool RdbPersistence::SaveTo(const std::string& filename, const std::string& tmp,
                            const persistence::RdbSaveOptions& options) {
  const auto dbs = Databases();
  const persistence::SaveFileResult r = persistence::SaveRdbFile(
      filename, tmp, dbs, options, engine_.config().Bool("rdb-save-incremental-fsync"));
  if (r.step != persistence::SaveFileResult::kOk) {
    LogSaveFailure(r, tmp, filename);
    return false;
  }
  Log(LogLevel::kNotice, "DB saved on disk");
  return true;
}

bool RdbPersistence::Save() {
  if (!SaveTo(engine_.config().String("dbfilename"), RdbTempFileName(getpid()), SaveOptions())) {
    return false;
  }
  engine_.stats().dirty = 0;
  engine_.stats().last_save_time = NowMs() / 1000;
  last_bgsave_ok_ = true;
  return true;
}

bool RdbPersistence::BackgroundSave() {
  ChildProcessManager& children = engine_.children();
  if (children.active()) return false;
  const int64_t now_s = NowMs() / 1000;
  ++saves_;
  dirty_before_bgsave_ = engine_.stats().dirty;
  last_bgsave_try_s_ = now_s;
  uint64_t keys = 0;
  for (int i = 0; i < engine_.num_databases(); ++i) keys += engine_.db(i).size();
  // Absolute paths: CONFIG SET dir may move the server elsewhere before the child is done, and
  // the file belongs where the snapshot was asked for (as Redis's child, which stays put).
  char cwd[PATH_MAX];
  const std::string dir = getcwd(cwd, sizeof(cwd)) != nullptr ? std::string(cwd) : ".";
  const std::string target = InDir(dir, engine_.config().String("dbfilename"));
  const bool incremental_sync = engine_.config().Bool("rdb-save-incremental-fsync");
  persistence::RdbSaveOptions options = SaveOptions();
  std::string error;
  const bool started = children.Start(
      ChildType::kRdb, keys,
      [this, dir, target, incremental_sync, options](ChildReporter& report) mutable {
        uint64_t done = 0;
        options.progress = [&](uint64_t n) {
          done = n;
          report.Progress(n);
        };
        // Only the temp file: the parent renames it once it has reaped this child. A child
        // that outlived its server (killed, restarted, saving newer data since) must not put
        // this snapshot over theirs.
        const std::string tmp = InDir(dir, RdbTempFileName(getpid()));
        const persistence::SaveFileResult r =
            persistence::WriteRdbTempFile(tmp, Databases(), options, incremental_sync);
        if (r.step != persistence::SaveFileResult::kOk) {
          LogSaveFailure(r, tmp, target);
          return 1;
        }
        // Redis's child logs this after its own rename; here the data is on disk, under the
        // name the parent moves.
        Log(LogLevel::kNotice, "DB saved on disk");
        report.Finish(done);
        Log(LogLevel::kNotice, "Fork CoW for RDB: current %d MB, peak %d MB, average %d MB",
            report.cow_last() >> 20, report.cow_peak() >> 20, report.cow_average() >> 20);
        return 0;
      },
      [this](const ChildResult& result) { BackgroundSaveDone(result); }, &error);
  if (!started) {
    last_bgsave_ok_ = false;
    Log(LogLevel::kWarning, "Can't save in background: fork: %s", error);
    return false;
  }
  bgsave_temp_path_ = InDir(dir, RdbTempFileName(children.pid()));
  bgsave_target_path_ = target;
  Log(LogLevel::kNotice, "Background saving started by pid %d", children.pid());
  save_time_start_s_ = now_s;
  return true;
}

void RdbPersistence::BackgroundSaveDone(const ChildResult& result) {
  const int64_t now_s = NowMs() / 1000;
  bool ok = result.ok;
  if (ok) {
    const persistence::SaveFileResult r =
        persistence::CommitRdbFile(bgsave_temp_path_, bgsave_target_path_);
    if (r.step != persistence::SaveFileResult::kOk) {
      LogSaveFailure(r, bgsave_temp_path_, bgsave_target_path_);
      ok = false;
    }
  }
  if (ok) {
    Log(LogLevel::kNotice, "Background saving terminated with success");
    Stats& stats = engine_.stats();
    stats.dirty = stats.dirty >= dirty_before_bgsave_ ? stats.dirty - dirty_before_bgsave_ : 0;
    stats.last_save_time = now_s;
    last_bgsave_ok_ = true;
    last_cow_bytes_ = result.cow_bytes;
  } else if (result.term_signal == 0) {
    Log(LogLevel::kWarning, "Background saving error");
    unlink(bgsave_temp_path_.c_str());
    last_bgsave_ok_ = false;
  } else {
    Log(LogLevel::kWarning, "Background saving terminated by signal %d", result.term_signal);
    unlink(bgsave_temp_path_.c_str());
    // SIGUSR1 is how the server itself stops a child: not a failed save.
    if (result.term_signal != SIGUSR1) last_bgsave_ok_ = false;
  }
  save_time_last_s_ = now_s - save_time_start_s_;
  save_time_start_s_ = -1;
  if (background_done_hook_) background_done_hook_(ok, bgsave_target_path_);
}

void RdbPersistence::Cron(int64_t now_ms) {
  if (engine_.children().active()) return;
  const int64_t now_s = now_ms / 1000;
  const Stats& stats = engine_.stats();
  const bool may_retry = now_s - last_bgsave_try_s_ > kBgsaveRetryDelayS || last_bgsave_ok_;
  for (const SaveParam& p : save_params_) {
    if (static_cast<int64_t>(stats.dirty) >= p.changes &&
        now_s - stats.last_save_time > p.seconds && may_retry) {
      Log(LogLevel::kNotice, "%d changes in %d seconds. Saving...", p.changes, p.seconds);
      BackgroundSave();
      break;
    }
  }
  if (!engine_.children().active() && bgsave_scheduled_ && may_retry) {
    if (BackgroundSave()) bgsave_scheduled_ = false;
  }
}

std::string_view RdbPersistence::WriteDeniedAfterFailedSave() const {
  if (!engine_.config().Bool("stop-writes-on-bgsave-error")) return {};
  return kMisconfError;
}

void RdbPersistence::RecordLoad(const persistence::RdbLoadInfo& info) {
  if (info.empty_keys_skipped > 0) {
    Log(LogLevel::kNotice,
        "Done loading RDB, keys loaded: %d, keys expired: %d, empty keys "
        "skipped: %d.",
        info.keys_loaded, info.keys_expired, info.empty_keys_skipped);
  } else {
    Log(LogLevel::kNotice, "Done loading RDB, keys loaded: %d, keys expired: %d.", info.keys_loaded,
        info.keys_expired);
  }
  last_load_keys_loaded_ = info.keys_loaded;
  last_load_keys_expired_ = info.keys_expired;
}

bool RdbPersistence::LoadSyncFile(std::vector<std::unique_ptr<ds::Database>>* fresh,
                                  std::string* error) {
  bool missing;
  if (!LoadFile(fresh, /*merge=*/false, &missing, error, /*keep_expired=*/true)) return false;
  if (missing) *error = "The RDB file received from the master is gone";
  return !missing;
}

bool RdbPersistence::LoadFile(std::vector<std::unique_ptr<ds::Database>>* target, bool merge,
                              bool* missing, std::string* error, bool keep_expired) {
  *missing = false;
  const std::string filename = engine_.config().String("dbfilename");
  const int64_t start_us = MonotonicUs();
  persistence::MappedFile file;
  int saved_errno = 0;
  if (!file.Open(filename, error, &saved_errno)) {
    if (saved_errno == ENOENT) {
      *missing = true;
      return true;
    }
    return false;
  }
  persistence::RdbLoadOptions options = PrepareLoad();
  options.allow_duplicates = merge;
  if (keep_expired) options.skip_expired = false;
  std::vector<ds::Database*> dbs;
  // The new databases stamp keys on the server's clock, not at the time 0 of their own.
  for (auto& db : *target) {
    db->set_access_clock(&engine_.access_clock());
    dbs.push_back(db.get());
  }
  persistence::RdbLoadInfo info;
  if (!persistence::LoadRdb(file.data(), dbs, options, &info, error)) return false;
  if (!LoadFunctions(info.functions, error)) return false;

  for (const auto& [key, value] : info.aux) {
    if (key == "redis-ver") {
      Log(LogLevel::kNotice, "Loading RDB produced by version %s", value);
    } else if (key == "ctime") {
      int64_t ctime = 0;
      if (absl::SimpleAtoi(value, &ctime)) {
        Log(LogLevel::kNotice, "RDB age %d seconds", std::max<int64_t>(0, NowMs() / 1000 - ctime));
      }
    } else if (key == "used-mem") {
      int64_t used = 0;
      if (absl::SimpleAtoi(value, &used)) {
        Log(LogLevel::kNotice, "RDB memory usage when created %.2f Mb",
            static_cast<double>(used) / (1024 * 1024));
      }
    } else if (key != "redis-bits" && key != "aof-base" && key != "lua" &&
               !key.starts_with("repl-")) {
      Log(LogLevel::kDebug, "Unrecognized RDB AUX field: '%s'", key);
    }
  }
  if (options.verify_checksum && info.version >= 5 && !info.checksum_verified) {
    Log(LogLevel::kNotice, "RDB file was saved with checksum disabled: no check performed.");
  }
  RecordLoad(info);
  Log(LogLevel::kNotice, "DB loaded from disk: %.3f seconds",
      static_cast<double>(MonotonicUs() - start_us) / 1e6);
  return true;
}

bool RdbPersistence::LoadAtStartup(std::string* error) {
  std::vector<std::unique_ptr<ds::Database>> fresh;
  for (int i = 0; i < engine_.num_databases(); ++i) {
    fresh.push_back(std::make_unique<ds::Database>());
  }
  bool missing;
  if (!LoadFile(&fresh, false, &missing, error)) return false;
  if (!missing) engine_.ReplaceDatabases(fresh);
  return true;
}

bool RdbPersistence::DebugReload(bool flush, bool save, bool merge, std::string* error) {
  if (save && !Save()) {
    *error = "ERR";
    return false;
  }
  std::vector<std::unique_ptr<ds::Database>> target;
  for (int i = 0; i < engine_.num_databases(); ++i) {
    target.push_back(std::make_unique<ds::Database>());
    // NOFLUSH loads on top of the current data: start from it.
    if (!flush) target.back()->Swap(engine_.db(i));
  }
  bool missing;
  std::string why;
  const bool ok = LoadFile(&target, merge, &missing, &why) && !missing;
  if (!ok) {
    if (!missing) Log(LogLevel::kWarning, "Error loading the RDB dump: %s", why);
    if (!flush) {
      for (int i = 0; i < engine_.num_databases(); ++i) target[i]->Swap(engine_.db(i));
    }
    *error = "ERR Error trying to load the RDB dump, check server logs.";
    return false;
  }
  engine_.ReplaceDatabases(target);
  Log(LogLevel::kWarning, "DB reloaded by DEBUG RELOAD");
  return true;
}

bool RdbPersistence::PrepareShutdown(bool nosave, bool force_save) {
  ChildProcessManager& children = engine_.children();
  if (children.active_type() == ChildType::kRdb) {
    Log(LogLevel::kWarning, "There is a child saving an .rdb. Killing it!");
    children.Kill(/*run_done=*/false);
    unlink(bgsave_temp_path_.c_str());
  }
  if ((!save_params_.empty() && !nosave) || force_save) {
    Log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    return Save();
  }
  return true;
}

void RdbPersistence::AppendInfo(std::string* out) const {
  const ChildProcessManager& children = engine_.children();
  const int64_t now_ms = NowMs();
  const bool child = children.active();
  const Replication::SyncLoad load = engine_.replication().sync_load();
  const double fork_perc = child && children.keys_total() > 0
                               ? 100.0 * static_cast<double>(children.keys_processed()) /
                                     static_cast<double>(children.keys_total())
                               : 0.0;
  absl::StrAppendFormat(
      out,
      "loading:%d\r\nasync_loading:%d\r\ncurrent_cow_peak:%d\r\ncurrent_cow_size:%d\r\n"
      "current_cow_size_age:%d\r\ncurrent_fork_perc:%.2f\r\ncurrent_save_keys_processed:%d\r\n"
      "current_save_keys_total:%d\r\nrdb_changes_since_last_save:%d\r\n"
      "rdb_bgsave_in_progress:%d\r\nrdb_last_save_time:%d\r\nrdb_last_bgsave_status:%s\r\n"
      "rdb_last_bgsave_time_sec:%d\r\nrdb_current_bgsave_time_sec:%d\r\nrdb_saves:%d\r\n"
      "rdb_last_cow_size:%d\r\nrdb_last_load_keys_expired:%d\r\nrdb_last_load_keys_loaded:%d\r\n",
      load == Replication::SyncLoad::kLoading ? 1 : 0,
      load == Replication::SyncLoad::kAsyncLoading ? 1 : 0, child ? children.cow_peak() : 0,
      child ? children.cow_size() : 0, child ? children.cow_size_age_s(now_ms) : 0, fork_perc,
      child ? children.keys_processed() : 0, child ? children.keys_total() : 0,
      engine_.stats().dirty, bgsave_in_progress() ? 1 : 0, engine_.stats().last_save_time,
      last_bgsave_ok_ ? "ok" : "err", save_time_last_s_,
      save_time_start_s_ >= 0 && bgsave_in_progress() ? now_ms / 1000 - save_time_start_s_ : -1,
      saves_, last_cow_bytes_, last_load_keys_expired_, last_load_keys_loaded_);
}

}  // namespace rill
