#include "server/net/socket_address.h"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rill {

namespace asio = boost::asio;

asio::ip::address ToAddress(const sockaddr_storage& sa) {
  if (sa.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(sa);
    return asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
  }
  if (sa.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(sa);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), in6.sin6_addr.s6_addr, bytes.size());
    return asio::ip::address_v6(bytes, in6.sin6_scope_id);
  }
  return {};
}

asio::ip::address Unmapped(const asio::ip::address& addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  return addr;
}

std::string EndpointString(const sockaddr_storage& sa) {
  int port = 0;
  if (sa.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in&>(sa).sin_port);
  if (sa.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6&>(sa).sin6_port);
  return Unmapped(ToAddress(sa)).to_string() + ":" + std::to_string(port);
}

std::string PeerEndpoint(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return "";
  return EndpointString(sa);
}

std::string LocalEndpoint(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return "";
  return EndpointString(sa);
}

bool IsLocalPeer(const asio::ip::address& peer) {
  if (peer.is_v4()) return peer.to_v4() == asio::ip::address_v4::loopback();
  // is_loopback() of an IPv6 address is ::1 exactly (any scope id), nothing else.
  return peer.is_v6() && peer.to_v6().is_loopback();
}

bool PeerIsLocal(int fd) {
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return false;
  return IsLocalPeer(ToAddress(sa));
}

int OpenListeningSocket(const asio::ip::address& ip, int port, int backlog, std::string* why) {
  sockaddr_storage sa{};
  socklen_t len = 0;
  if (ip.is_v4()) {
    auto& in = reinterpret_cast<sockaddr_in&>(sa);
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<uint16_t>(port));
    in.sin_addr.s_addr = htonl(ip.to_v4().to_uint());
    len = sizeof(in);
  } else {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(sa);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(static_cast<uint16_t>(port));
    const auto bytes = ip.to_v6().to_bytes();
    std::memcpy(in6.sin6_addr.s6_addr, bytes.data(), bytes.size());
    in6.sin6_scope_id = ip.to_v6().scope_id();
    len = sizeof(in6);
  }
  const int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *why = std::strerror(errno);
    return -1;
  }
  int yes = 1;
  bool ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) == 0;
  if (ok && ip.is_v6()) ok = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes)) == 0;
  if (ok) ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), len) == 0;
  if (ok) ok = ::listen(fd, backlog) == 0;
  if (!ok) {
    *why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace rill
