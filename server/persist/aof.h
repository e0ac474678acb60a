// The append-only file, as Redis 7.0 keeps it: a directory (appenddirname) with a manifest, one
// BASE file and INCR files (persistence/aof_manifest.h), written through the propagation
// mechanism (server/engine/propagation.h) and replayed at start.
//
// Write path. Every propagated command is appended to an in-memory buffer (Feed, with a SELECT
// whenever the database changes). The buffer is written to the current INCR file before any
// reply of the same event-loop turn leaves the server (Server::FlushAtEndOfTurn writes it once
// per turn, then the replies of every connection that has some, like Redis's beforeSleep), so a
// client never sees the reply of a write the file does not have:
//   appendfsync always    write + fdatasync in the loop thread, then the replies go out;
//   appendfsync everysec  write; a background thread (BackgroundIo) fdatasyncs about once a
//                         second. While such an fsync is still running, writes are postponed for
//                         up to two seconds (a write would block behind it), then done anyway,
//                         counted in aof_delayed_fsync and logged, as Redis does;
//   appendfsync no        write; the kernel decides when it reaches the disk.
//
// States: off; on; wait-rewrite (CONFIG SET appendonly yes: the AOF becomes "on" once a rewrite
// has produced a BASE; commands meanwhile go to a temporary INCR file).
//
// Rewrite (BGREWRITEAOF, automatic growth trigger, turning AOF on). A forked child writes the
// dataset as a new BASE (RDB when aof-use-rdb-preamble is yes, AOF commands otherwise) into a
// temp file. When the rewrite starts the parent switches to a new INCR file (no rewrite
// buffer: everything after the fork goes to the new INCR); when the child succeeds the parent
// renames the temp file to the new BASE name, marks the old BASE and INCR files HISTORY,
// writes the new manifest atomically (temp file, fsync, rename, fsync of the directory) and
// deletes the HISTORY files in the background. A failed rewrite leaves the previous BASE and
// all INCR files in the manifest, so nothing is lost.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "persistence/aof_manifest.h"
#include "server/engine/propagation.h"
#include "server/persist/background_io.h"

namespace rill {

class Engine;
class ChildReporter;
struct ChildResult;

class AppendOnlyFile final : public Propagator::Sink {
 public:
  enum class State { kOff, kOn, kWaitRewrite };

  explicit AppendOnlyFile(Engine& engine);
  ~AppendOnlyFile() override;

  // ---- start-up, in Redis's order (main.cc) ----
  // Reads the manifest when the AOF directory has one, whether or not appendonly is on (a
  // broken manifest stops Redis too). False, after logging, when the server must not start.
  bool LoadManifestFromDisk();
  enum class LoadStatus { kOk, kNotExist, kEmpty, kOpenError, kFailed, kTruncated };
  // Replays the BASE and INCR files into the engine (appendonly yes). kOpenError / kFailed:
  // the server must not start; the files are left as they were (only a truncated tail of the
  // last file is cut, when aof-load-truncated allows it).
  LoadStatus LoadFiles();
  // With appendonly yes: writes a BASE when there is no AOF yet, opens the last INCR file for
  // appending (creating one if needed) and saves the manifest. Then removes HISTORY files.
  // False, after logging, when the server must not start.
  bool OpenOnStartup();

  // ---- the write path ----
  State state() const { return state_; }
  bool enabled() const { return state_ != State::kOff; }
  // Bytes waiting in the buffer for the next write.
  bool has_unwritten() const { return !buf_.empty(); }
  // Bytes the buffer holds (INFO mem_aof_buffer; not counted against maxmemory, as in Redis:
  // evicting to make room for the buffer of evictions would feed itself).
  size_t buffer_memory() const { return buf_.capacity(); }
  // Redis's flushAppendOnlyFile: writes the buffer (unless an everysec write is postponed
  // and `force` is false) and fsyncs as appendfsync says.
  void WriteBuffer(bool force);
  // Propagator::Sink.
  void Feed(int db, std::string_view resp_command) override;
  std::string* DirectBuffer(int db) override;

  // Once per cron tick: postponed writes, retries after write errors, the everysec fsync,
  // scheduled and automatic rewrites.
  void Cron();
  // Shutdown (Redis's prepareForShutdown, AOF part): a running rewrite is killed, the buffer
  // written and fsynced. False when a rewrite still has to produce the first BASE and `force`
  // is not given: stopping then would lose the dataset.
  bool PrepareShutdown(bool force);

  // ---- run-time switches ----
  // CONFIG SET appendonly yes / no. Start returns false (logged) when the rewrite that
  // creates the BASE could not start; the AOF then stays off.
  bool StartAtRuntime();
  void StopAtRuntime();

  // ---- rewrite ----
  enum class RewriteRequest { kStarted, kScheduled, kAlreadyRunning, kFailed };
  // BGREWRITEAOF.
  RewriteRequest RequestRewrite();
  bool rewrite_in_progress() const;
  bool rewrite_scheduled() const { return rewrite_scheduled_; }

  // DEBUG LOADAOF: flushes the buffer, empties the dataset and loads the files again. False
  // when loading failed (Redis then exits).
  bool DebugReload();

  // Writes refused with -MISCONF while the last write or background fsync failed.
  bool write_error() const {
    if (state_ == State::kOff) return false;
    return !last_write_ok_ || bio_.fsync_error() != 0;
  }
  int last_write_errno() const { return last_write_errno_; }

  // ---- INFO persistence ----
  // aof_enabled ... aof_last_cow_size, and (AOF on) aof_current_size ... aof_delayed_fsync.
  std::string InfoFields() const;
  std::string InfoTailFields() const;

 private:
  // Loading.
  LoadStatus LoadOneFile(const std::string& name, bool last_file);
  bool LoadRdbPart(int fd, const std::string& name, bool old_style, uint64_t* consumed);
  void UpgradeOldStyleAofIfNeeded();
  // Files.
  std::string PathOf(std::string_view name) const;
  bool PersistManifest(persistence::AofManifest& manifest);
  void DeleteHistoryFiles();
  // Writes the dataset (BASE format per aof-use-rdb-preamble) to `path` via a temp file;
  // `report` is the child's progress pipe when a forked child writes.
  bool WriteBaseFile(const std::string& path, ChildReporter* report);
  bool OpenNewIncrForAppend();
  bool StartRewrite();
  void RewriteDone(const ChildResult& result);
  void RemoveTempFiles(pid_t child_pid);
  void KillRewriteChild();
  bool RewriteLimited();
  bool FsyncInProgress() const { return bio_.pending_fsyncs() != 0; }
  // Whether propagated commands are collected now (on, or a rewrite turning it on runs).
  bool Collecting() const;
  // What precedes a collected command: the timestamp annotation and SELECT when due.
  void AppendPrefix(int db, bool collect);
  // Any background child (RDB save or AOF rewrite).
  bool ChildActive() const;
  // Scheduled and automatic rewrites (from Cron).
  void RewriteCron();

  Engine& engine_;
  BackgroundIo bio_;
  State state_ = State::kOff;
  persistence::AofManifest manifest_;
  bool manifest_dirty_ = false;
  int fd_ = -1;
  std::string buf_;
  int selected_db_ = -1;
  int64_t timestamp_annotated_s_ = 0;  // aof-timestamp-enabled: last "#TS:" second
  // Cached settings (appendfsync as Config's enum number, aof-timestamp-enabled,
  // no-appendfsync-on-rewrite).
  int fsync_policy_ = 2;
  bool timestamps_ = false;
  bool no_fsync_on_rewrite_ = false;

  // Sizes and fsync bookkeeping (Redis's aof_* server fields).
  uint64_t current_size_ = 0;
  uint64_t last_incr_size_ = 0;
  uint64_t rewrite_base_size_ = 0;
  uint64_t fsync_offset_ = 0;
  int64_t last_fsync_s_ = 0;
  int64_t flush_postponed_start_s_ = 0;
  uint64_t delayed_fsync_ = 0;
  bool last_write_ok_ = true;
  int last_write_errno_ = 0;
  int64_t last_write_error_log_s_ = 0;
  int64_t last_error_retry_s_ = 0;
  int logged_fsync_errno_ = 0;

  // Rewrite bookkeeping.
  bool rewrite_scheduled_ = false;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t consecutive_failures_ = 0;
  int64_t rewrite_time_start_s_ = -1;
  int64_t rewrite_time_last_s_ = -1;
  uint64_t last_cow_size_ = 0;
  int64_t limit_delay_minutes_ = 0;
  int64_t limit_next_rewrite_s_ = 0;
};

}  // namespace rill
