// The temp files background children write in the working directory (the server's `dir`),
// named after the writing process as Redis 7.0 names them, and their removal at start.
//
// A child writes only under these names; the parent renames a finished file onto its final
// name after reaping a successful child (server/persist/child_process.h). A child whose server
// died (SIGKILL, a crash) dies too and leaves its temp file behind; RemoveStaleChildTempFiles,
// run at start, deletes the ones whose writer is gone. Redis 7.0 removes a child's temp file
// only when it kills or reaps the child, so its crashed servers leave them for good: this is
// Rill's addition.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace rill {

// BGSAVE's child, and the foreground SAVE of the server itself: temp-<pid>.rdb.
std::string RdbTempFileName(pid_t pid);
// An AOF rewrite writes temp-rewriteaof-<pid>.aof and, complete, renames it (in the child, as
// Redis) to temp-rewriteaof-bg-<pid>.aof, which the parent moves into the AOF directory.
std::string AofRewriteTempFileName(pid_t pid);
std::string AofRewriteDoneTempFileName(pid_t pid);

// Whether `pid` is a live process (not a zombie): a temp file named after it may be in use.
bool ProcessIsAlive(pid_t pid);

// Deletes the files of `dir` named as above whose pid is not a live process (never the files of
// a live one: a second server sharing the directory may be writing them). Logs and returns the
// names removed.
std::vector<std::string> RemoveStaleChildTempFiles(const std::string& dir);

}  // namespace rill
