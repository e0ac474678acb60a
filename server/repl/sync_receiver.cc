#include "server/repl/sync_receiver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datastructs/keyspace.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_stream_loader.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"
#include "server/persist/aof.h"
#include "server/persist/child_process.h"
#include "server/persist/rdb_persistence.h"
#include "server/repl/replication.h"

namespace rill {
namespace {

constexpr size_t kEofMarkLength = 40;

enum DisklessLoad { kDisabled = 0, kOnEmptyDb = 1, kSwapDb = 2 };

int64_t NowS() { return NowMs() / 1000; }

}  // namespace

SyncReceiver::SyncReceiver(Engine& engine) : engine_(engine) {}

SyncReceiver::~SyncReceiver() { Abort(); }

bool SyncReceiver::Begin(const std::string& replid, int64_t offset) {
  Abort();
  replid_ = replid;
  offset_ = offset;
  length_ = -1;
  received_ = 0;
  carry_.clear();
  // Redis's useDisklessLoad.
  const int64_t mode = engine_.config().Int("repl-diskless-load");
  bool empty = true;
  for (int i = 0; i < engine_.num_databases() && empty; ++i) empty = engine_.db(i).size() == 0;
  swapdb_ = mode == kSwapDb;
  to_disk_ = !(swapdb_ || (mode == kOnEmptyDb && empty));
  Replication::SyncTransfer& transfer = engine_.replication().sync_transfer();
  transfer = Replication::SyncTransfer{};
  transfer.last_io_s = NowS();
  if (to_disk_) {
    temp_path_ = absl::StrFormat("temp-%d.%d.rdb", NowS(), static_cast<int64_t>(getpid()));
    fd_ = ::open(temp_path_.c_str(), O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      Log(LogLevel::kWarning,
          "Opening the temp file needed for MASTER <-> REPLICA synchronization: %s",
          std::strerror(errno));
      temp_path_.clear();
      return false;
    }
    sink_ = std::make_unique<persistence::FileSink>(fd_, /*incremental_sync=*/true);
  }
  active_ = true;
  return true;
}

void SyncReceiver::Header(int64_t length, const std::string& eof_mark) {
  length_ = eof_mark.empty() ? length : -1;
  eof_mark_ = eof_mark;
  const char* where = to_disk_ ? "to disk" : "to parser";
  if (eof_mark.empty()) {
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: receiving %d bytes from master %s", length,
        where);
  } else {
    Log(LogLevel::kNotice,
        "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF %s", where);
  }
  Replication& repl = engine_.replication();
  Replication::SyncTransfer& transfer = repl.sync_transfer();
  transfer.size = eof_mark.empty() ? length : 0;  // Redis sets 0 for the $EOF: form
  transfer.last_io_s = NowS();
  if (to_disk_) return;
  // Loading starts with the transfer, as Redis's diskless load does. Async (the old data
  // served meanwhile) only under swapdb with the history we already have.
  if (!swapdb_) {
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Flushing old data");
  }
  // A BGSAVE would copy pages while the load writes them (Redis kills it here too).
  if (engine_.children().active_type() == ChildType::kRdb) engine_.children().Kill();
  std::vector<ds::Database*> dbs;
  for (int i = 0; i < engine_.num_databases(); ++i) {
    fresh_.push_back(std::make_unique<ds::Database>());
    fresh_.back()->set_access_clock(&engine_.access_clock());
    dbs.push_back(fresh_.back().get());
  }
  load_options_ = engine_.rdb().PrepareLoad();
  // A replica keeps the keys that expired: the master's DELs remove them.
  load_options_.skip_expired = false;
  loader_ = std::make_unique<persistence::RdbStreamLoader>(
      dbs, load_options_, &load_info_, static_cast<uint64_t>(std::max<int64_t>(length_, 0)));
  Replication::LoadProgress& load = repl.load_progress();
  load.state = swapdb_ && replid_ == repl.replid() ? Replication::SyncLoad::kAsyncLoading
                                                   : Replication::SyncLoad::kLoading;
  load.start_s = NowS();
  load.total = transfer.size;
  load.loaded = 0;
  Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Loading DB in memory");
}

SyncReceiver::Result SyncReceiver::Take(std::string* in) {
  if (!active_) return Result::kFailed;
  // The bytes of this call that belong to the payload, and whether it ends here.
  std::string_view data = *in;
  size_t used = data.size();
  bool complete = false;
  std::string joined;  // carry_ + data, for an `$EOF:` mark split across reads
  if (length_ >= 0) {
    used = static_cast<size_t>(std::min<int64_t>(length_ - received_, data.size()));
    data = data.substr(0, used);
    complete = received_ + static_cast<int64_t>(used) == length_;
  } else {
    joined = carry_ + std::string(data);
    const size_t at = joined.find(eof_mark_);
    if (at != std::string::npos) {
      // The mark ends the payload; what follows it is the stream.
      used = at + kEofMarkLength - carry_.size();
      data = std::string_view(joined).substr(0, at);
      carry_.clear();
      complete = true;
    } else {
      // Everything but the last bytes, which may start the mark.
      const size_t keep = std::min(joined.size(), kEofMarkLength - 1);
      data = std::string_view(joined).substr(0, joined.size() - keep);
      carry_ = joined.substr(joined.size() - keep);
    }
  }
  received_ += static_cast<int64_t>(used);
  Replication& repl = engine_.replication();
  if (to_disk_) {
    if (!data.empty() && !sink_->Write(data)) {
      Log(LogLevel::kWarning,
          "Write error or short write writing to the DB dump file needed for MASTER <-> "
          "REPLICA synchronization: %s",
          std::strerror(sink_->saved_errno()));
      Abort();
      return Result::kFailed;
    }
    repl.sync_transfer().read += static_cast<int64_t>(used);
    repl.sync_transfer().last_io_s = NowS();
  } else {
    if (!loader_->Feed(data)) {
      SocketLoadFailed(loader_->error());
      return Result::kFailed;
    }
    Replication::LoadProgress& load = repl.load_progress();
    load.loaded = static_cast<int64_t>(loader_->bytes_parsed());
    load.rdb_used_mem = load_info_.used_mem;
  }
  in->erase(0, used);
  return complete ? Result::kComplete : Result::kMore;
}

bool SyncReceiver::Load() {
  const bool ok = to_disk_ ? LoadFromDisk() : LoadFromMemory();
  if (ok) {
    engine_.ReplicaModeChanged();
    engine_.replication().FullSyncDone(replid_, offset_);
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Finished with success");
    RestartAofAfterSync();
  }
  return ok;
}

void SyncReceiver::RestartAofAfterSync() {
  // The append-only file still describes the data the sync replaced: a restart would bring
  // that back and lose what the master sent. As Redis's restartAOFAfterSYNC: the AOF is
  // stopped and started again, which writes the new dataset as a fresh BASE by a rewrite
  // (the master's stream meanwhile goes to the rewrite's INCR file).
  AppendOnlyFile& aof = engine_.aof();
  if (aof.state() == AppendOnlyFile::State::kOff) return;
  aof.StopAtRuntime();
  if (!aof.StartAtRuntime()) {
    Log(LogLevel::kWarning,
        "Failed enabling the AOF after successful master synchronization! The AOF stays off.");
  }
}

bool SyncReceiver::LoadFromDisk() {
  active_ = false;
  sink_.reset();
  const bool synced = ::fsync(fd_) == 0;
  const int sync_errno = errno;
  ::close(fd_);
  fd_ = -1;
  const std::string temp = std::move(temp_path_);
  temp_path_.clear();
  if (!synced) {
    Log(LogLevel::kWarning,
        "Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: %s",
        std::strerror(sync_errno));
    ::unlink(temp.c_str());
    return false;
  }
  // A BGSAVE finishing later would put the old data back in dbfilename.
  if (engine_.children().active_type() == ChildType::kRdb) {
    Log(LogLevel::kNotice,
        "Replica is about to load the RDB file received from the master, but there is a "
        "pending RDB child running. Killing process %d and removing its temp file to avoid any "
        "race",
        static_cast<int64_t>(engine_.children().pid()));
    engine_.children().Kill();
  }
  Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Flushing old data");
  Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Loading DB in memory");
  const std::string target = engine_.config().String("dbfilename");
  const persistence::SaveFileResult renamed = persistence::CommitRdbFile(temp, target);
  if (renamed.step == persistence::SaveFileResult::kRename) {
    Log(LogLevel::kWarning,
        "Failed trying to rename the temp DB into %s in MASTER <-> REPLICA synchronization: %s",
        target, std::strerror(renamed.saved_errno));
    return false;
  }
  std::vector<std::unique_ptr<ds::Database>> fresh;
  for (int i = 0; i < engine_.num_databases(); ++i) {
    fresh.push_back(std::make_unique<ds::Database>());
  }
  std::string error;
  const bool ok = engine_.rdb().LoadSyncFile(&fresh, &error);
  // The old data is gone either way (Redis flushed it before loading): what loaded stays. It
  // is freed in the background under replica-lazy-flush, as Redis's emptyData(EMPTYDB_ASYNC).
  engine_.ReplaceDatabases(fresh);
  engine_.DiscardDatabases(fresh, engine_.config().Bool("replica-lazy-flush"));
  if (engine_.replication().DeleteSyncFiles()) {
    Log(LogLevel::kNotice,
        "Removing the RDB file obtained from the master. This replica has persistence disabled");
    ::unlink(target.c_str());
  }
  if (!ok) {
    Log(LogLevel::kWarning, "%s", error);
    Log(LogLevel::kWarning,
        "Failed trying to load the MASTER synchronization DB from disk, check server logs.");
    engine_.ReplicaModeChanged();
  }
  return ok;
}

bool SyncReceiver::LoadFromMemory() {
  std::string error;
  if (!loader_->Finish(&error) || !engine_.rdb().LoadFunctions(load_info_.functions, &error)) {
    SocketLoadFailed(error);
    return false;
  }
  active_ = false;
  loader_.reset();
  EndLoading();
  engine_.rdb().RecordLoad(load_info_);
  if (swapdb_) {
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
  }
  engine_.ReplaceDatabases(fresh_);
  if (swapdb_) Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Discarding old DB in background");
  // The old data: in the background after a swapdb load (Redis's discardTempDb), else as
  // replica-lazy-flush says.
  engine_.DiscardDatabases(fresh_, swapdb_ || engine_.config().Bool("replica-lazy-flush"));
  return true;
}

void SyncReceiver::SocketLoadFailed(const std::string& error) {
  Log(LogLevel::kWarning, "%s", error);
  Log(LogLevel::kWarning,
      "Failed trying to load the MASTER synchronization DB from socket, check server logs.");
  Abort();  // the fresh databases go; under swapdb the old data stays
}

void SyncReceiver::EndLoading() {
  engine_.replication().load_progress() = Replication::LoadProgress{};
}

void SyncReceiver::Abort() {
  if (!active_) return;
  active_ = false;
  sink_.reset();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  carry_.clear();
  loader_.reset();
  // What a socket load put in its fresh databases: freed in the background under swapdb
  // (Redis's discardTempDb) or replica-lazy-flush. (The engine's lazy-free thread and config
  // outlive the replication state, whose destruction may Abort a transfer.)
  engine_.DiscardDatabases(fresh_, swapdb_ || engine_.config().Bool("replica-lazy-flush"));
  if (swapdb_ && engine_.replication().sync_load() != Replication::SyncLoad::kNone) {
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Discarding temporary DB in background");
  }
  EndLoading();
}

}  // namespace rill
