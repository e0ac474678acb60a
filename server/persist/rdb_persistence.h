// The server's RDB snapshots: SAVE, BGSAVE (through the ChildProcessManager), save points,
// the final save at shutdown, loading at start and DEBUG RELOAD, the MISCONF refusal after a
// failed background save, and the rdb_* fields of INFO persistence — with Redis 7.0's rules,
// errors and log lines. The file format itself is persistence/ (rdb_writer.h, rdb_loader.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"

namespace rill {

class Engine;
struct ChildResult;

class RdbPersistence {
 public:
  explicit RdbPersistence(Engine& engine);

  // A save in the foreground (SHUTDOWN, DEBUG RELOAD): false after logging why.
  bool Save();
  // The SAVE command: counted in rdb_saves, then Save().
  bool SaveCommand() {
    ++saves_;
    return Save();
  }
  // BGSAVE: false when a child is active or fork failed (logged).
  bool BackgroundSave();
  // BGSAVE SCHEDULE, or BGSAVE inside MULTI while a child runs: start when possible.
  void ScheduleBackgroundSave() { bgsave_scheduled_ = true; }
  bool bgsave_in_progress() const;
  // Called after every BGSAVE child is reaped, with its success and the file it wrote (the
  // replication's full syncs send that file).
  void set_background_done_hook(std::function<void(bool ok, const std::string& path)> hook) {
    background_done_hook_ = std::move(hook);
  }

  // Cron: save points ("save" config) and a scheduled BGSAVE, when no child is active.
  void Cron(int64_t now_ms);

  // Loads dir/dbfilename into the engine's databases at start. A missing file is fine; a bad
  // one returns false with the reason (the file is never modified).
  bool LoadAtStartup(std::string* error);
  // DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: false with the error reply when it failed (the
  // data in memory is then unchanged unless NOFLUSH was given).
  bool DebugReload(bool flush, bool save, bool merge, std::string* error);

  // The final snapshot of a shutdown: kills a BGSAVE child (removing its temp file) and, with
  // save points or `force_save`, saves. False (logged) if that save failed.
  bool PrepareShutdown(bool nosave, bool force_save);

  // Redis's MISCONF error text while writes are refused after a failed background save, or ""
  // (stop-writes-on-bgsave-error yes, save points set, last BGSAVE failed).
  // (Inline: asked before every write.)
  std::string_view WriteDeniedError() const {
    if (last_bgsave_ok_ || save_params_.empty()) return {};
    return WriteDeniedAfterFailedSave();
  }

  // The loading/cow/rdb_* lines of INFO persistence (all lines before aof_enabled).
  void AppendInfo(std::string* out) const;

  // The options a save would use now (also for the AOF's RDB preamble).
  persistence::RdbSaveOptions SaveOptions() const;
  // A replica's full sync received into dbfilename (repl-diskless-load disabled): loads it into
  // `fresh` as Redis's rdbLoad does for a replica (expired keys kept, Redis's log lines). False
  // with the reason; `fresh` then holds what loaded.
  bool LoadSyncFile(std::vector<std::unique_ptr<ds::Database>>* fresh, std::string* error);
  // Options for loading a file now (config limits, checksum, the time), with the engine's
  // access clock set to that moment: loaded keys count as accessed at the load, on the
  // server's clock, as Redis stamps them, unless the file kept the idle time or LFU counter
  // the policy uses. Both the RDB and the AOF base load through this.
  persistence::RdbLoadOptions PrepareLoad();
  // An RDB loaded whole (from a file, or a replica's from the socket): Redis's "Done loading
  // RDB" log line and INFO's rdb_last_load_keys_loaded / _expired.
  void RecordLoad(const persistence::RdbLoadInfo& info);
  // Loads the FUNCTION libraries an RDB held (replacing same-named ones); false with the error.
  bool LoadFunctions(const std::vector<std::string>& codes, std::string* error);

 private:
  struct SaveParam {
    int64_t seconds;
    int64_t changes;
  };
  void ParseSaveParams();
  std::vector<const ds::Database*> Databases() const;
  // The foreground save of `filename` through `tmp`, logging as Redis does.
  bool SaveTo(const std::string& filename, const std::string& tmp,
              const persistence::RdbSaveOptions& options);
  void BackgroundSaveDone(const ChildResult& result);
  // Reads the configured file into fresh databases; logs as Redis.
  // `keep_expired`: a replica's load, which keeps keys that expired (its master deletes them).
  bool LoadFile(std::vector<std::unique_ptr<ds::Database>>* fresh, bool merge, bool* missing,
                std::string* error, bool keep_expired = false);

  Engine& engine_;
  std::string_view WriteDeniedAfterFailedSave() const;

  std::vector<SaveParam> save_params_;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_s_ = 0;
  uint64_t dirty_before_bgsave_ = 0;
  int64_t save_time_start_s_ = -1;
  int64_t save_time_last_s_ = -1;
  uint64_t saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
  bool bgsave_scheduled_ = false;
  // The running (or last) BGSAVE child's temp file and the file it becomes once the child
  // succeeded: absolute, fixed when the child starts.
  std::string bgsave_temp_path_;
  std::string bgsave_target_path_;
  std::function<void(bool ok, const std::string& path)> background_done_hook_;
};

}  // namespace rill
