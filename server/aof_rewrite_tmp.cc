// AOF rewrites (server/aof.h): the BASE file writer, the background rewrite in a forked child
// (server/child_process.h) and its completion, scheduling and the automatic growth trigger.
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
#include "server/aof.h"
#include "server/aof_files.h"
#include "server/engine.h"
#include "server/log.h"

namespace rill {
namespace {
int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }
std::string TempRewriteName(pid_t pid) { return "temp-rewriteaof-" + std::to_string(pid) + ".aof"; }
}  // namespace
bool AppendOnlyFile::WriteBaseFile(const std::string& path, ChildReporter* report) {
  // Written under a name of this process's own in the working directory, then renamed, so a
  // crash never leaves a half-written file under a name the manifest uses.
  const std::string tmp = TempRewriteName(getpid());
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
    (void)report;
    (void)keys;
  };
  bool ok;
  std::string error;
  uint64_t keys = 0;
  for (const ds::Database* db : dbs) keys += db->size();
  if (config.Bool("aof-use-rdb-preamble")) {
    persistence::RdbSaveOptions options;
    options.compression = config.Bool("rdbcompression");
    options.checksum = config.Bool("rdbchecksum");
    options.aof_base = true;
    options.ctime = NowSeconds();
    options.list_max_listpack_size = config.Int("list-max-listpack-size");
    options.key_save_delay_us = config.Int("rdb-key-save-delay");
    options.progress = progress;
    std::vector<const ds::Database*> const_dbs(dbs.begin(), dbs.end());
    ok = persistence::WriteRdb(const_dbs, options, &sink, &error);
  } else {
    persistence::AofRewriteOptions options;
    options.timestamp_annotation = config.Bool("aof-timestamp-enabled");
    options.now_unix_seconds = NowSeconds();
    options.progress = progress;
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

  return true;
}

// TEMPORARY (uncommitted) until the rdb branch's child manager is merged.
bool AppendOnlyFile::ChildActive() const { return false; }
bool AppendOnlyFile::rewrite_in_progress() const { return false; }
bool AppendOnlyFile::OpenNewIncrForAppend() { return true; }
bool AppendOnlyFile::StartRewrite() { return false; }
void AppendOnlyFile::RewriteDone(const ChildResult&) {}
void AppendOnlyFile::RemoveTempFiles(pid_t) {}
void AppendOnlyFile::KillRewriteChild() {}
bool AppendOnlyFile::RewriteLimited() { return false; }
AppendOnlyFile::RewriteRequest AppendOnlyFile::RequestRewrite() { return RewriteRequest::kFailed; }
void AppendOnlyFile::RewriteCron() {}
}  // namespace rill
