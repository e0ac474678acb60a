// The process's network side: Asio io_context on one thread, listeners for every `bind`
// address, signal handling and the periodic cron (active expiry, idle-client timeout).
#pragma once

#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

class Engine;
class Connection;

// protected-mode's decision: refuse a peer that is not on loopback while the default user needs
// no password (Redis 7.0 applies it whatever the bind address).
bool ProtectedModeRefuses(bool protected_mode, bool default_user_nopass,
                          const boost::asio::ip::address& peer);

class Server {
 public:
  explicit Server(Engine& engine);
  ~Server();

  // Opens listeners as `bind`/`port` say. On failure returns false with Redis's log text.
  bool Listen(std::string* error);
  // Runs the event loop until shutdown.
  void Run();
  // Stops accepting and ends Run() after the current handler.
  void Stop();

  boost::asio::io_context& io() { return io_; }
  Engine& engine() { return engine_; }
  int port() const { return port_; }

  void OnConnectionClosed(Connection* conn);
  // Flushes `conn` at the end of the current event-loop turn, after every handler already
  // queued: one posted handler per turn writes the AOF buffer once (Redis's beforeSleep) and
  // then the output of every connection that asked.
  void FlushAtEndOfTurn(std::shared_ptr<Connection> conn);
  size_t connection_count() const { return connections_; }

 private:
  void StartAccept(boost::asio::ip::tcp::acceptor& acceptor);
  // Writes `error` to a connection that is not accepted and closes it (rejected_connections).
  void Refuse(boost::asio::ip::tcp::socket& sock, std::string_view error);
  bool RefusedByProtectedMode(const boost::asio::ip::tcp::socket& sock) const;
  void ScheduleCron();
  void Cron();
  void ArmBlockTimer(int64_t deadline_ms);
  void WaitForTermination();
  void WaitForChildren();

  Engine& engine_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  // SIGCHLD: a background child (BGSAVE, BGREWRITEAOF) exited.
  boost::asio::signal_set child_signals_;
  boost::asio::steady_timer cron_timer_;
  // Fires at the earliest deadline of a blocked client (BLPOP ... timeout).
  boost::asio::steady_timer block_timer_;
  int64_t block_timer_deadline_ms_ = 0;  // 0 = not armed
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  size_t connections_ = 0;
  std::vector<std::shared_ptr<Connection>> to_flush_;
  std::vector<std::shared_ptr<Connection>> flushing_;  // kept for its capacity
  bool flush_posted_ = false;
  int64_t last_buffer_trim_ms_ = 0;
  int port_ = 0;
  bool stopping_ = false;
};

}  // namespace rill
