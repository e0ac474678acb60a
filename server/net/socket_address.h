// Socket addresses between the kernel's sockaddr form and what Rill prints and checks
// (CLIENT LIST's addr/laddr, protected mode), and the listening sockets of `bind`.
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <string>

namespace rill {

// The address of an IPv4 or IPv6 sockaddr (IPv4-mapped IPv6 addresses stay IPv6 here).
boost::asio::ip::address ToAddress(const sockaddr_storage& sa);
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it carries; others as
// they are.
boost::asio::ip::address Unmapped(const boost::asio::ip::address& addr);
// "ip:port" as Redis prints it; an IPv4-mapped IPv6 address prints as IPv4.
std::string EndpointString(const sockaddr_storage& sa);
// The peer's / our own end of a connected socket, "" when the kernel does not say.
std::string PeerEndpoint(int fd);
std::string LocalEndpoint(int fd);
// Whether a peer counts as "local": for protected mode and the "local" value of
// enable-protected-configs / enable-debug-command. Exactly 127.0.0.1 or ::1, as Redis 7.0
// decides (it compares the peer's printed address with those two strings): not the rest of
// 127.0.0.0/8, not ::ffff:127.0.0.1 (Rill's IPv6 listeners are IPv6-only, so a mapped address
// never reaches them anyway), not an address whose text merely starts like one of them. The
// one rule for all three uses. (Unix-socket clients, local in Redis, need no address.)
bool IsLocalPeer(const boost::asio::ip::address& peer);
// IsLocalPeer of a connected socket's peer; false when the kernel does not say.
bool PeerIsLocal(int fd);
// A non-blocking listening TCP socket on ip:port (SO_REUSEADDR; IPv6 sockets IPv6-only, as
// Redis binds "::*" beside "*"). Returns the descriptor, or -1 with strerror's text in `why`.
int OpenListeningSocket(const boost::asio::ip::address& ip, int port, int backlog,
                        std::string* why);

}  // namespace rill
