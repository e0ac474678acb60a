// The process's open-file limit sized for maxclients, as Redis's adjustOpenFilesLimit: room for
// every client plus a reserve for listeners, log and data files.
#pragma once

#include <cstdint>

namespace rill {

class Config;

// Descriptors kept for the server's own files and sockets beyond one per client.
inline constexpr int64_t kReservedFds = 32;

// Raises RLIMIT_NOFILE to maxclients + kReservedFds when it is lower, stepping down 16 at a time
// until the system accepts a value. Returns the maxclients the limit allows (lower than asked
// when the limit could not be raised enough, with Redis's log lines), or -1 when not even the
// reserve fits (Redis exits then).
int64_t AdjustOpenFilesLimit(int64_t maxclients);

// At start: sizes the limit for the configured maxclients and lowers maxclients to what the
// limit allows. Returns false when the server cannot start.
bool FitMaxClients(Config& config);
// CONFIG SET maxclients: sizes the limit again and refuses a value it cannot serve, with Redis's
// "try with N" error.
void WatchMaxClients(Config& config);

}  // namespace rill
