// Server start/stop behaviour and timers that run without client traffic.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

// Each case owns its server: they end the process on purpose.
std::unique_ptr<ServerProcess> StartOwnServer() {
  auto server = std::make_unique<ServerProcess>(RillServerBinary());
  std::string error;
  if (!server->Start(&error)) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  return server;
}

TEST(LifecycleTest, SigtermShutsDownCleanly) {
  auto server = StartOwnServer();
  ASSERT_TRUE(server);
  RespClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_EQ(client.Command({"SET", "k", "v"}), "+OK\r\n");
  int status = server->Stop(SIGTERM, std::chrono::seconds(10));
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status << "; log:\n" << server->ReadLog();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server->ReadLog();
}

TEST(LifecycleTest, ShutdownNosaveExitsWithoutReply) {
  auto server = StartOwnServer();
  ASSERT_TRUE(server);
  RespClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_TRUE(client.Send({"SHUTDOWN", "NOSAVE"}));
  auto bytes = client.ReadUntilClosed(std::chrono::seconds(10));
  ASSERT_TRUE(bytes.has_value()) << "connection stayed open after SHUTDOWN NOSAVE";
  EXPECT_EQ(*bytes, "");
  int status = server->WaitForExit(std::chrono::seconds(10));
  ASSERT_NE(status, -1) << "server still running after SHUTDOWN NOSAVE; log:\n"
                        << server->ReadLog();
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << server->ReadLog();
}

TEST(LifecycleTest, ShutdownWithBadArgumentKeepsRunning) {
  auto server = StartOwnServer();
  ASSERT_TRUE(server);
  RespClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  EXPECT_EQ(client.Command({"SHUTDOWN", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(client.Command({"PING"}), "+PONG\r\n");
}

TEST(LifecycleTest, ActiveExpiryRemovesKeysWithoutReads) {
  auto server = StartOwnServer();
  ASSERT_TRUE(server);
  RespClient client;
  ASSERT_TRUE(client.Connect(server->port()));
  ASSERT_EQ(client.Command({"SET", "stays", "v"}), "+OK\r\n");
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client.Command({"SET", "short:" + std::to_string(i), "v", "PX", "50"}), "+OK\r\n");
  }
  ASSERT_EQ(client.Command({"DBSIZE"}), ":21\r\n");
  // DBSIZE counts keys still stored, expired or not, so only the active cycle can lower it.
  // Poll with a bounded deadline instead of asserting after a fixed sleep.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string dbsize;
  while (std::chrono::steady_clock::now() < deadline) {
    dbsize = client.Command({"DBSIZE"});
    if (dbsize == ":1\r\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(dbsize, ":1\r\n") << "expired keys were not reclaimed by active expiry within 5s";
  EXPECT_EQ(client.Command({"GET", "stays"}), "$1\r\nv\r\n");
}

}  // namespace
}  // namespace rill::testing
