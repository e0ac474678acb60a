#include "tests/support/persistence_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {

int64_t IntegerReply(RespClient& client, const std::vector<std::string>& argv) {
  const std::string reply = client.Command(argv);
  int64_t value;
  if (reply.size() < 4 || reply[0] != ':' || !reply.ends_with("\r\n") ||
      !ParseInt64(std::string_view(reply).substr(1, reply.size() - 3), &value)) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    ADD_FAILURE() << command << " replied " << EscapeBytes(reply);
    return -1;
  }
  return value;
}

DataDir::DataDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "rill-data-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

DataDir::~DataDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<ServerProcess> StartServerOn(const std::string& binary, const std::string& dir,
                                             std::vector<std::string> args, std::string* error) {
  args.insert(args.begin(), {"--dir", dir});
  auto server = std::make_unique<ServerProcess>(binary, args);
  if (!server->Start(error)) return nullptr;
  return server;
}

std::unique_ptr<RespClient> ConnectTo(const ServerProcess& server) {
  auto client = std::make_unique<RespClient>();
  if (!client->Connect(server.port())) return nullptr;
  return client;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

bool RedisCheckRdb(const std::string& path, std::string* output) {
  const int rc = RunShell("redis-check-rdb \"" + path + "\"", output, 120);
  return rc == 0 && output->find("RDB looks OK") != std::string::npos;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool WaitForBgsaveDone(RespClient& client, std::chrono::milliseconds timeout) {
  return WaitUntil(
      [&] { return InfoField(client, "persistence", "rdb_bgsave_in_progress") == "0"; }, timeout);
}

}  // namespace rill::testing
