// "Local" clients on real sockets, against redis-server: protected mode and the "local" value
// of enable-debug-command / enable-protected-configs trust exactly 127.0.0.1 and ::1. Linux
// routes all of 127.0.0.0/8 to the loopback interface, so a client bound to 127.0.0.2 reaches a
// server on 127.0.0.1: Redis 7.0 treats it as remote, and so must Rill (it once trusted any
// address starting with "127." or "::1").
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Connects from `source` to `dest`:port (both IPv4 or both IPv6), sends `request` and returns
// the first reply line (or what came before the server closed); "<connect failed>" when the
// connection could not be made.
std::string ExchangeFrom(const std::string& source, const std::string& dest, int port,
                         const std::string& request) {
  const bool v6 = dest.find(':') != std::string::npos;
  const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage src{}, dst{};
  socklen_t len;
  if (v6) {
    auto& s = reinterpret_cast<sockaddr_in6&>(src);
    auto& d = reinterpret_cast<sockaddr_in6&>(dst);
    s.sin6_family = d.sin6_family = AF_INET6;
    inet_pton(AF_INET6, source.c_str(), &s.sin6_addr);
    inet_pton(AF_INET6, dest.c_str(), &d.sin6_addr);
    d.sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    auto& s = reinterpret_cast<sockaddr_in&>(src);
    auto& d = reinterpret_cast<sockaddr_in&>(dst);
    s.sin_family = d.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &s.sin_addr);
    inet_pton(AF_INET, dest.c_str(), &d.sin_addr);
    d.sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), len) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&dst), len) != 0) {
    close(fd);
    return "<connect failed>";
  }
  (void)!write(fd, request.data(), request.size());
  std::string got;
  const auto deadline = steady_clock::now() + milliseconds(3000);
  while (!got.ends_with("\r\n") && steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

// Whether this machine can connect over IPv6 loopback.
bool HaveIpv6Loopback() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// The replies each kind of peer gets, in order, from one server.
std::vector<std::string> Transcript(const std::string& binary, bool ipv6) {
  std::vector<std::string> out;
  ServerProcess server(binary,
                       {"--bind", ipv6 ? "127.0.0.1 ::1" : "127.0.0.1", "--protected-mode", "yes",
                        "--enable-debug-command", "local", "--enable-protected-configs", "local"});
  std::string error;
  if (!server.Start(&error)) {
    ADD_FAILURE() << error;
    return out;
  }
  const int port = server.port();
  const std::string set_dir = "CONFIG SET dir " + server.dir() + "\r\n";
  const std::string debug = "DEBUG SET-ACTIVE-EXPIRE 1\r\n";
  std::vector<std::pair<std::string, std::string>> peers = {
      {"127.0.0.1", "127.0.0.1"}, {"127.0.0.2", "127.0.0.1"}, {"127.8.9.10", "127.0.0.1"}};
  if (ipv6) peers.push_back({"::1", "::1"});
  // Protected mode (no password for the default user): only local peers are served.
  for (const auto& [from, to] : peers)
    out.push_back(from + " PING " + ExchangeFrom(from, to, port, "PING\r\n"));
  // Without it, everyone is served, but only local peers may DEBUG or set protected configs.
  RespClient local;
  if (!local.Connect(port)) {
    ADD_FAILURE() << "cannot connect";
    return out;
  }
  out.push_back("CONFIG SET protected-mode no: " +
                local.Command({"CONFIG", "SET", "protected-mode", "no"}));
  for (const auto& [from, to] : peers) {
    out.push_back(from + " PING " + ExchangeFrom(from, to, port, "PING\r\n"));
    out.push_back(from + " DEBUG " + ExchangeFrom(from, to, port, debug));
    out.push_back(from + " CONFIG " + ExchangeFrom(from, to, port, set_dir));
  }
  return out;
}

TEST(LocalPeer, OnlyExactLoopbackAddressesAreLocalAsInRedis) {
  const std::string redis = RedisServerBinary();
  if (redis.empty()) GTEST_SKIP() << "redis-server not installed";
  const bool ipv6 = HaveIpv6Loopback();
  const std::vector<std::string> rill = Transcript(RillServerBinary(), ipv6);
  const std::vector<std::string> oracle = Transcript(redis, ipv6);
  ASSERT_EQ(rill.size(), oracle.size());
  for (size_t i = 0; i < rill.size(); ++i) EXPECT_EQ(rill[i], oracle[i]) << i;
  // And the transcript says what it should (so that a harness bug making both sides fail alike
  // cannot pass): 127.0.0.2 denied in protected mode, refused DEBUG and protected configs.
  auto reply = [&rill](const std::string& label) {
    for (const std::string& line : rill) {
      if (line.starts_with(label + " ")) return line.substr(label.size() + 1);
    }
    return std::string("<missing>");
  };
  // (The first line of each label is the protected-mode one.)
  EXPECT_EQ(reply("127.0.0.1 PING"), "+PONG\r\n");
  EXPECT_EQ(reply("127.0.0.2 PING"), std::string(errors::kProtectedModeDenied));
  EXPECT_EQ(reply("127.8.9.10 PING"), std::string(errors::kProtectedModeDenied));
  EXPECT_EQ(reply("127.0.0.1 DEBUG"), "+OK\r\n");
  EXPECT_EQ(reply("127.0.0.1 CONFIG"), "+OK\r\n");
  for (const std::string peer : {"127.0.0.2", "127.8.9.10"}) {
    EXPECT_TRUE(reply(peer + " DEBUG").starts_with("-ERR DEBUG command not allowed.")) << peer;
    EXPECT_EQ(reply(peer + " CONFIG"),
              "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
              "config\r\n")
        << peer;
  }
  if (ipv6) {
    EXPECT_EQ(reply("::1 PING"), "+PONG\r\n");
    EXPECT_EQ(reply("::1 DEBUG"), "+OK\r\n");
    EXPECT_EQ(reply("::1 CONFIG"), "+OK\r\n");
  }
}

}  // namespace
}  // namespace rill::testing
