// The replica's half of a full sync's RDB (Redis 7.0's readSyncBulkPayload and the load after
// it), fed by the master link (server/net/master_link.h) with the bytes it reads, and
// repl-diskless-load as Redis acts on it:
//
// * `disabled` (the default), and `on-empty-db` while the replica holds keys: the bytes go to a
//   temporary file, `temp-<unixtime>.<pid>.rdb` in the working directory, as they arrive (the
//   replica keeps serving its old data meanwhile). Once complete, the file is renamed onto
//   dbfilename, the old data flushed and the file loaded. A transfer that breaks leaves the
//   data as it was and removes the file; a file that fails to load leaves what it loaded
//   (Redis flushed before loading).
// * `on-empty-db` with an empty dataset, and `swapdb`: the RDB is loaded "from the socket", with
//   no file. The server is loading from the bulk header on, as Redis is: commands without the
//   `loading` flag get -LOADING and INFO persistence shows loading:1 and the loading_* fields;
//   under `swapdb` with the replication ID unchanged (the same history, a later point in it)
//   it is async loading instead: the old data is served until the new one replaces it. The
//   new data goes into fresh databases that replace the old ones only when the load succeeded,
//   so under `swapdb` a broken transfer keeps the old data.
//   As in Redis, the socket is parsed as bytes come (persistence/rdb_stream_loader.h): each
//   read's whole records go into the fresh databases, and only a record the read cut is held
//   until the rest arrives, so the replica never holds the RDB beside the data it becomes.
//   Corruption fails the transfer when the parser reaches it (Redis 7.0 exits then; Rill drops
//   the link and syncs again, the old data kept under swapdb); a payload that ends before the
//   RDB does, or an RDB without its EOF and checksum, fails at the end. Of an `$EOF:<mark>`
//   transfer the last 39 bytes read are held back until more arrive (they may start the mark).
//   INFO persistence's loading_loaded_bytes counts the bytes parsed, and loading_rdb_used_mem
//   is the RDB's used-mem aux field once parsed, as in Redis.
//
// Data a sync takes out of service (the old data it replaced, or what a failed socket load
// had loaded) is freed on the lazy-free thread, counted in lazyfreed_objects, after a swapdb
// load and under replica-lazy-flush, as Redis's emptyData(EMPTYDB_ASYNC) and discardTempDb;
// otherwise in place.
//
// INFO replication's master_sync_* fields come from here (Replication::SyncTransfer): the size
// announced (0 for the `$EOF:` form, as Redis), and the bytes read, which only the disk target
// counts (Redis's socket loader does not update them either).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "persistence/rdb_file.h"
#include "persistence/rdb_loader.h"

namespace rill {

namespace ds {
class Database;
}  // namespace ds
namespace persistence {
class RdbStreamLoader;
}  // namespace persistence

class Engine;

class SyncReceiver {
 public:
  explicit SyncReceiver(Engine& engine);
  ~SyncReceiver();  // Abort()s an unfinished transfer
  SyncReceiver(const SyncReceiver&) = delete;
  SyncReceiver& operator=(const SyncReceiver&) = delete;

  // +FULLRESYNC <replid> <offset> was accepted: chooses the target and, for the disk, creates
  // the temporary file. False (logged) when it cannot be created.
  bool Begin(const std::string& replid, int64_t offset);
  // The bulk header: `$<length>` (eof_mark empty) or `$EOF:<mark>`.
  void Header(int64_t length, const std::string& eof_mark);
  enum class Result { kMore, kComplete, kFailed };
  // Takes payload bytes from the front of *in. kComplete once the payload is whole (the bytes
  // after it stay in *in), kFailed (logged, the transfer abandoned) when the file could not be
  // written or the RDB parsed from the socket is corrupt.
  Result Take(std::string* in);
  // Loads the complete payload and installs it (Replication::FullSyncDone). False (logged, the
  // data as described above) when it did not load.
  bool Load();
  // Abandons the transfer: the temporary file is removed, loading ends, the data stays.
  void Abort();

 private:
  // After a successful sync with the AOF on: stops it and starts it again (a rewrite).
  void RestartAofAfterSync();
  bool LoadFromDisk();
  bool LoadFromMemory();
  // The socket's RDB did not load: logged as Redis does, and the transfer abandoned.
  void SocketLoadFailed(const std::string& error);
  void EndLoading();

  Engine& engine_;
  bool active_ = false;
  bool to_disk_ = false;
  bool swapdb_ = false;
  std::string replid_;
  int64_t offset_ = 0;
  int64_t length_ = -1;  // -1: the `$EOF:` form
  std::string eof_mark_;
  // The disk target: the temporary file and its writer; `carry_` holds the last bytes of an
  // `$EOF:` transfer, which may be the start of the mark, until more arrive.
  std::string temp_path_;
  int fd_ = -1;
  std::unique_ptr<persistence::FileSink> sink_;
  std::string carry_;
  // The memory target: the fresh databases the loader fills as the bytes arrive.
  std::vector<std::unique_ptr<ds::Database>> fresh_;
  persistence::RdbLoadOptions load_options_;
  persistence::RdbLoadInfo load_info_;
  std::unique_ptr<persistence::RdbStreamLoader> loader_;
  int64_t received_ = 0;  // payload bytes taken (both targets)
};

}  // namespace rill
