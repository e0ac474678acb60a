// The "local peer" rule (server/net/socket_address.h) behind protected mode and the "local"
// value of enable-protected-configs / enable-debug-command: exactly 127.0.0.1 or ::1, as Redis
// 7.0 decides. Addresses whose text starts like a local one (the old prefix rule trusted
// "::10", "127.0.0.2" and even an empty address) are not local.
#include "server/net/socket_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cstring>

#include "server/engine/client.h"

namespace rill {
namespace {

namespace ip = boost::asio::ip;

TEST(LocalPeer, ExactlyTheTwoLoopbackAddresses) {
  EXPECT_TRUE(IsLocalPeer(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(IsLocalPeer(ip::make_address("::1")));
  EXPECT_TRUE(IsLocalPeer(ip::make_address("0:0:0:0:0:0:0:1")));  // ::1 written out
}

TEST(LocalPeer, LookAlikesAreNotLocal) {
  for (const char* text : {"127.0.0.2",
                           "127.0.0.10",
                           "127.0.0.100",
                           "127.1.0.1",
                           "127.255.255.255",  // 127/8
                           "::ffff:127.0.0.1",
                           "::ffff:7f00:1",  // IPv4-mapped 127.0.0.1 (Redis: not local)
                           "::127.0.0.1",    // IPv4-compatible form
                           "::10",
                           "::100",
                           "::1:0",
                           "::1:1",
                           "1::1",
                           "::11",
                           "fe80::1",  // text starts "::1"
                           "0.0.0.0",
                           "::",
                           "10.0.0.1",
                           "192.168.1.1",
                           "2001:db8::1",
                           "255.255.255.255"}) {
    EXPECT_FALSE(IsLocalPeer(ip::make_address(text))) << text;
  }
  EXPECT_FALSE(IsLocalPeer(ip::address()));  // no address at all (0.0.0.0)
}

TEST(LocalPeer, ConnectedSockets) {
  // A socket pair over loopback: the accepted side's peer is 127.0.0.1.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  auto peer_is_local_from = [&](const char* source) {
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source, &src.sin_addr);
    EXPECT_EQ(::bind(client, reinterpret_cast<sockaddr*>(&src), sizeof(src)), 0) << source;
    EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << source;
    const int accepted = ::accept(listener, nullptr, nullptr);
    const bool local = PeerIsLocal(accepted);
    ::close(accepted);
    ::close(client);
    return local;
  };
  EXPECT_TRUE(peer_is_local_from("127.0.0.1"));
  // Linux routes all of 127/8 to lo: a peer can really come from 127.0.0.2.
  EXPECT_FALSE(peer_is_local_from("127.0.0.2"));
  ::close(listener);

  EXPECT_FALSE(PeerIsLocal(-1));  // no socket: not local
  // Clients made without a connection (internal ones) are not local either.
  EXPECT_FALSE(Client().local_peer);
}

}  // namespace
}  // namespace rill
