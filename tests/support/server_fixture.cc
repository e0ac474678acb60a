#include "tests/support/server_fixture.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace rill::testing {

ServerProcess* ServerTest::server_ = nullptr;
std::string* ServerTest::setup_error_ = nullptr;

void ServerTest::SetUpTestSuite() {
  setup_error_ = new std::string;
  server_ = new ServerProcess(RillServerBinary());
  std::string error;
  if (!server_->Start(&error)) *setup_error_ = "server failed to start: " + error;
}

void ServerTest::TearDownTestSuite() {
  delete server_;
  delete setup_error_;
  server_ = nullptr;
  setup_error_ = nullptr;
}

void ServerTest::SetUp() {
  ASSERT_TRUE(setup_error_ != nullptr && setup_error_->empty())
      << (setup_error_ ? *setup_error_ : "suite set-up did not run");
  ASSERT_TRUE(server_->running()) << "server died earlier; log:\n" << server_->ReadLog();
  auto client = Connect();
  ASSERT_TRUE(client != nullptr);
  ASSERT_EQ(client->Command({"FLUSHALL"}), "+OK\r\n");
}

std::unique_ptr<RespClient> ServerTest::Connect() {
  auto client = std::make_unique<RespClient>();
  if (!client->Connect(server_->port())) {
    ADD_FAILURE() << "connect to port " << server_->port() << ": " << client->last_error();
    return nullptr;
  }
  return client;
}

int RunShell(const std::string& command, std::string* output, int timeout_seconds) {
  std::string wrapped =
      "timeout " + std::to_string(timeout_seconds) + " sh -c '" + command + "' 2>&1";
  FILE* pipe = popen(wrapped.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> chunk;
  output->clear();
  size_t n;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) output->append(chunk.data(), n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace rill::testing
