// CONFIG SET port / bind while the server runs: the same script against rill-server and
// redis-server, with the same replies expected of both. The new listener opens before the old
// one closes; when it cannot, the old one keeps serving and the reply says why.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

// A loopback socket listening on a free port, held for the test (a port that is taken).
class TakenPort {
 public:
  TakenPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~TakenPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class ConfigListenTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    const std::string binary = GetParam() ? RedisServerBinary() : RillServerBinary();
    if (binary.empty()) GTEST_SKIP() << "redis-server is not installed";
    std::string pattern = (std::filesystem::temp_directory_path() / "rill-listen-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    conf_dir_ = pattern;
    std::ofstream(conf_dir_ + "/redis.conf") << "appendonly no\n";
    server_ = std::make_unique<ServerProcess>(binary);
    server_->set_config_file(conf_dir_ + "/redis.conf");
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    ASSERT_TRUE(client_.Connect(server_->port()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop(SIGTERM);
    if (!conf_dir_.empty()) std::filesystem::remove_all(conf_dir_);
  }

  // A new connection on `port` answers PING.
  static bool Serves(int port) {
    RespClient probe;
    return probe.Connect(port, std::chrono::milliseconds(1000)) &&
           probe.Command({"PING"}) == "+PONG\r\n";
  }

  std::unique_ptr<ServerProcess> server_;
  RespClient client_;
  std::string conf_dir_;
};

TEST_P(ConfigListenTest, PortMovesTheListener) {
  const int old_port = server_->port();
  const int new_port = FindFreePort();
  ASSERT_EQ(client_.Command({"CONFIG", "SET", "port", std::to_string(new_port)}), "+OK\r\n");
  EXPECT_TRUE(Serves(new_port));
  EXPECT_FALSE(Serves(old_port));
  // The connection that asked stays.
  EXPECT_EQ(client_.Command({"CONFIG", "GET", "port"}),
            "*2\r\n$4\r\nport\r\n$" + std::to_string(std::to_string(new_port).size()) + "\r\n" +
                std::to_string(new_port) + "\r\n");
  const std::string info = client_.Command({"INFO", "server"});
  EXPECT_NE(info.find("tcp_port:" + std::to_string(new_port) + "\r\n"), std::string::npos);
  // CONFIG REWRITE writes the live port.
  ASSERT_EQ(client_.Command({"CONFIG", "REWRITE"}), "+OK\r\n");
  std::ifstream in(conf_dir_ + "/redis.conf");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\nport " + std::to_string(new_port) + "\n"), std::string::npos)
      << text.str();
  // Back to the old one works too.
  ASSERT_EQ(client_.Command({"CONFIG", "SET", "port", std::to_string(old_port)}), "+OK\r\n");
  EXPECT_TRUE(Serves(old_port));
  EXPECT_FALSE(Serves(new_port));
}

TEST_P(ConfigListenTest, TakenPortKeepsTheOldListener) {
  TakenPort taken;
  ASSERT_NE(taken.port(), 0);
  EXPECT_EQ(client_.Command({"CONFIG", "SET", "port", std::to_string(taken.port())}),
            "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port. Check server logs.\r\n");
  EXPECT_TRUE(Serves(server_->port()));
  EXPECT_EQ(client_.Command({"CONFIG", "GET", "port"}),
            "*2\r\n$4\r\nport\r\n$" + std::to_string(std::to_string(server_->port()).size()) +
                "\r\n" + std::to_string(server_->port()) + "\r\n");
}

// Another parameter of the same CONFIG SET fails after the port moved: the whole set is undone
// and the listener goes back to the old port.
TEST_P(ConfigListenTest, FailedSetPutsTheListenerBack) {
  const int old_port = server_->port();
  const int new_port = FindFreePort();
  const std::string reply =
      client_.Command({"CONFIG", "SET", "port", std::to_string(new_port), "maxclients", "2000000"});
  EXPECT_EQ(reply.rfind("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The "
                        "operating system is not able to handle the specified number of clients",
                        0),
            0u)
      << reply;
  EXPECT_TRUE(Serves(old_port));
  EXPECT_FALSE(Serves(new_port));
}

TEST_P(ConfigListenTest, BindMovesTheListener) {
  const int port = server_->port();
  ASSERT_EQ(client_.Command({"CONFIG", "SET", "bind", "127.0.0.1 -::1"}), "+OK\r\n");
  EXPECT_TRUE(Serves(port));
  EXPECT_EQ(client_.Command({"CONFIG", "GET", "bind"}),
            "*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n");
  // An address of no interface here: refused, the old listeners stay.
  EXPECT_EQ(client_.Command({"CONFIG", "SET", "bind", "127.0.0.1 192.0.2.1"}),
            "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
            "specified addresses.\r\n");
  EXPECT_TRUE(Serves(port));
  EXPECT_EQ(client_.Command({"CONFIG", "GET", "bind"}),
            "*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n");
  // Port and bind in one CONFIG SET.
  const int new_port = FindFreePort();
  ASSERT_EQ(
      client_.Command({"CONFIG", "SET", "port", std::to_string(new_port), "bind", "127.0.0.1"}),
      "+OK\r\n");
  EXPECT_TRUE(Serves(new_port));
  EXPECT_FALSE(Serves(port));
}

INSTANTIATE_TEST_SUITE_P(Servers, ConfigListenTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Redis") : std::string("Rill");
                         });

}  // namespace
}  // namespace rill::testing
