// Master-side diskless full sync (repl-diskless-sync yes, Redis 7.0's default): a fork child
// writes the RDB straight to the sockets of the replicas that wait for it, in the form Redis
// streams it (`$EOF:<40 random hex chars>\r\n`, the RDB, the same 40 chars again), with no
// file on disk.
//
// Redis 7.0's child writes into a pipe and the parent copies the bytes to the sockets; here
// the child writes to the sockets itself (it inherited them at fork, as Redis 5's child did):
// the parent spends nothing per byte and its event loop never waits for a slow replica. The
// parent must not write to those sockets while the child runs (Replication holds their stream
// until the transfer ended and the replica acknowledged it).
//
// Each replica gets its own preamble first (the `+FULLRESYNC <replid> <offset>` line, none
// for an old SYNC). A replica that fails (the connection broke, or it took nothing for
// repl-timeout) is dropped by the child while the others go on; the child's exit status says
// whether the RDB was written whole to at least one, and `Done` gets each target's outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rill {

class Engine;

struct DisklessTarget {
  uint64_t client_id = 0;
  int fd = -1;           // the replica's socket (the parent's; the child writes to its copy)
  std::string preamble;  // written before the `$EOF:` line (the +FULLRESYNC line, or nothing)
};

// Forks the child that streams the current data set to `targets`. `done(ok, delivered)` runs on
// the event-loop thread when the child was reaped: `ok` when it exited with success,
// delivered[i] whether targets[i] received the whole payload. False (logged) when no child
// could start; `done` is then never called.
bool StartDisklessTransfer(Engine& engine, const std::vector<DisklessTarget>& targets,
                           int64_t timeout_ms,
                           std::function<void(bool ok, const std::vector<bool>& delivered)> done);

}  // namespace rill
