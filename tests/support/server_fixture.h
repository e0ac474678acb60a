// Fixture for integration tests: one rill-server (or redis-server when RILL_TEST_AGAINST_REDIS=1)
// per test suite, and fresh clients on demand.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {

class ServerTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;

  int port() const { return server_->port(); }
  ServerProcess& server() { return *server_; }
  // A new connection to the suite's server; fails the test if it cannot connect.
  std::unique_ptr<RespClient> Connect();

 private:
  static ServerProcess* server_;
  static std::string* setup_error_;
};

// Runs a shell command with a bounded wall time; returns its exit status and fills `output`
// with stdout and stderr combined.
int RunShell(const std::string& command, std::string* output, int timeout_seconds = 60);

}  // namespace rill::testing
