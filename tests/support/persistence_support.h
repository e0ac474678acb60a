// Helpers for tests of files on disk (RDB, AOF): a data directory the test owns, servers
// started on it, file bytes, redis-check-rdb, and bounded waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {

// A fresh temporary directory, removed with everything in it on destruction.
class DataDir {
 public:
  DataDir();
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Starts `binary` with `--dir dir` plus `args`; nullptr (and the reason in *error) if it does
// not come up.
std::unique_ptr<ServerProcess> StartServerOn(const std::string& binary, const std::string& dir,
                                             std::vector<std::string> args, std::string* error);
std::unique_ptr<RespClient> ConnectTo(const ServerProcess& server);

std::string ReadFileBytes(const std::string& path);  // "" if unreadable
void WriteFileBytes(const std::string& path, const std::string& bytes);
bool FileExists(const std::string& path);

// Runs redis-check-rdb on `path`; true if it reports the file OK. *output gets its text.
bool RedisCheckRdb(const std::string& path, std::string* output);

// The integer of `argv`'s reply (OBJECT IDLETIME, OBJECT FREQ); any other reply fails the
// calling test (gtest) and reads as -1.
int64_t IntegerReply(RespClient& client, const std::vector<std::string>& argv);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Waits until no RDB child runs (INFO rdb_bgsave_in_progress:0).
bool WaitForBgsaveDone(RespClient& client,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace rill::testing
