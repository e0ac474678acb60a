// A RESP probe server on Boost.Asio (issue 24): the connection path a Rill transport on Asio
// would have, written the idiomatic Asio way, to measure Asio's backends against Rill's own
// transports. Built twice (bench/CMakeLists.txt):
//
//   asio_resp_probe_epoll  Asio's default Linux reactor (epoll, edge-triggered);
//   asio_resp_probe_uring  BOOST_ASIO_HAS_IO_URING + BOOST_ASIO_DISABLE_EPOLL: Boost 1.81 then
//                          runs sockets on its io_uring service
//                          (BOOST_ASIO_HAS_IO_URING_AS_DEFAULT; without DISABLE_EPOLL it uses
//                          io_uring for files only).
//
// One single-threaded io_context (concurrency hint 1); per connection one read buffer and one
// reply buffer: async_read_some, run every complete command (resp_probe.h), then one
// async_write of all the replies of that read, then the next read. Usage:
//   asio_resp_probe_{epoll,uring} --port N [ignored redis-server flags]
#include <boost/asio.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/transport_probe/resp_probe.h"

#if defined(RILL_PROBE_EXPECT_IO_URING) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#error "asio_resp_probe_uring must run sockets on Asio's io_uring service"
#endif
#if !defined(RILL_PROBE_EXPECT_IO_URING) && !defined(BOOST_ASIO_HAS_EPOLL)
#error "asio_resp_probe_epoll must run on Asio's epoll reactor"
#endif

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// redis-server's read size (PROTO_IOBUF_LEN); the buffer grows for a command that is larger.
constexpr size_t kReadSize = 16 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, rill::probe::Store* store)
      : socket_(std::move(socket)), store_(store), in_(kReadSize) {}

  void Read() {
    if (in_.size() - in_len_ < kReadSize / 2) in_.resize(in_.size() * 2);
    socket_.async_read_some(asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        size_t n) { self->OnRead(ec, n); });
  }

 private:
  void OnRead(const boost::system::error_code& ec, size_t n) {
    if (ec) return;  // EOF or reset: the last shared_ptr goes, the socket closes
    in_len_ += n;
    const size_t used = rill::probe::Execute(std::string_view(in_.data(), in_len_), &out_, store_);
    if (used == rill::probe::kProtocolError) return;
    if (used > 0) {
      std::memmove(in_.data(), in_.data() + used, in_len_ - used);
      in_len_ -= used;
    }
    if (out_.empty()) return Read();  // a partial command: read on
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec) return;
                        self->out_.clear();
                        self->Read();
                      });
  }

  tcp::socket socket_;
  rill::probe::Store* store_;
  std::vector<char> in_;
  size_t in_len_ = 0;
  std::string out_;
};

class Server {
 public:
  Server(asio::io_context* io, int port)
      : acceptor_(*io, tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                     static_cast<unsigned short>(port))) {}

  void Accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // as redis-server and Rill
        std::make_shared<Session>(std::move(socket), &store_)->Read();
      }
      Accept();
    });
  }

 private:
  tcp::acceptor acceptor_;  // reuse_address is on by default
  rill::probe::Store store_;
};

}  // namespace

int main(int argc, char** argv) {
  const int port = rill::probe::ParsePort(argc, argv);
  if (port < 0) return 2;
  try {
    asio::io_context io(1);
    Server server(&io, port);
    server.Accept();
#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
    std::fprintf(stderr, "asio_resp_probe: Boost %d, sockets on io_uring, port %d\n", BOOST_VERSION,
                 port);
#else
    std::fprintf(stderr, "asio_resp_probe: Boost %d, sockets on epoll, port %d\n", BOOST_VERSION,
                 port);
#endif
    io.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio_resp_probe: %s\n", e.what());
    return 1;
  }
  return 0;
}
