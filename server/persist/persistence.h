// The server's persistence, owned by the Engine behind one pointer: the background children
// (BGSAVE, BGREWRITEAOF), RDB snapshots and the append-only file, and the decisions that need
// all three: the MISCONF refusal of writes and the persistence steps of a shutdown.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/persist/aof.h"
#include "server/persist/child_process.h"
#include "server/persist/rdb_persistence.h"

namespace rill {

class Engine;

class Persistence {
 public:
  explicit Persistence(Engine& engine);
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  ChildProcessManager& children() { return children_; }
  const ChildProcessManager& children() const { return children_; }
  RdbPersistence& rdb() { return rdb_; }
  AppendOnlyFile& aof() { return *aof_; }
  const AppendOnlyFile& aof() const { return *aof_; }

  // The -MISCONF error that refuses writes (and PING) while the last background save failed or
  // the AOF cannot be written; empty when writes are accepted. `scratch` backs the AOF's text.
  std::string_view WriteDeniedError(std::string* scratch) const {
    const std::string_view denied = rdb_.WriteDeniedError();
    if (!denied.empty() || !aof_->write_error()) return denied;
    return AofWriteDeniedError(scratch);
  }

  // SHUTDOWN's persistence steps, in Redis's order (prepareForShutdown): the AOF written and
  // fsynced (a rewrite stopped, refused without `force` while that rewrite is turning the AOF
  // on), the final save as `nosave`/`save` say, then any other child killed. False (logged)
  // when a step failed without `force`: the server keeps running.
  bool PrepareShutdown(bool nosave, bool save, bool force);

 private:
  std::string_view AofWriteDeniedError(std::string* scratch) const;

  ChildProcessManager children_;
  RdbPersistence rdb_;
  std::unique_ptr<AppendOnlyFile> aof_;
};

}  // namespace rill
