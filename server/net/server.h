// The process's network side: the event loop on one thread (server/net/event_loop.h), listeners
// for every `bind` address, signal handling and the periodic cron (active expiry, idle-client
// timeout).
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/net/event_loop.h"
#include "server/observe/heap_trim.h"

namespace rill {

class Engine;
class Connection;
class MasterLink;
struct Client;

// protected-mode's decision: refuse a peer that is not local (IsLocalPeer: 127.0.0.1 or ::1)
// while the default user needs no password (Redis 7.0 applies it whatever the bind address).
bool ProtectedModeRefuses(bool protected_mode, bool default_user_nopass,
                          const boost::asio::ip::address& peer);

class Server {
 public:
  explicit Server(Engine& engine);
  ~Server();

  // Opens listeners as `bind`/`port` say. On failure returns false with Redis's log text.
  // From then on CONFIG SET port / bind reopen them (Rebind).
  bool Listen(std::string* error);
  // Runs the event loop until shutdown.
  void Run();
  // Stops accepting and ends Run() after the current event.
  void Stop();

  EventLoop& loop() { return loop_; }
  Engine& engine() { return engine_; }
  int port() const { return port_; }

  void OnConnectionClosed(Connection* conn);
  // Flushes `conn` at the end of the current event-loop turn, after every event of the batch:
  // before the loop waits again the AOF buffer is written once (Redis's beforeSleep) and then
  // the output of every connection that asked.
  void FlushAtEndOfTurn(std::shared_ptr<Connection> conn);
  // Holds back the flush of a connection whose output is only pub/sub pushes while the server
  // has more requests ready: they go out when a wait finds nothing ready, after a few turns
  // or 1 ms at most. Why: one PUBLISH turn to N subscribers costs N sends, and a busy fan-out
  // server would make them turn after turn for a message or two each; batched, the
  // subscribers' messages cost one send per subscriber for the whole burst, like TCP
  // autocorking but without its wait when the server is idle.
  void DeferFlush(std::shared_ptr<Connection> conn);
  size_t connection_count() const { return connections_; }
  // The replica's link to its master finished its handshake: its socket becomes a connection
  // whose client is the master client, and `received` (what followed the sync's reply) is its
  // first input.
  Client* AdoptMasterConnection(int fd, std::string_view received);

 private:
  class Listener;

  // Opens a listening socket for every address of `bind` (a space-separated list, "-" marking
  // an address that may fail) on `port`, appended to `listeners` (not yet watched). False,
  // after logging why, when a required address cannot be bound; what was opened is then
  // closed with `listeners` by the caller.
  bool OpenListeners(int port, const std::string& bind,
                     std::vector<std::unique_ptr<Listener>>* listeners);
  // Moves the listeners to the configured port and bind addresses. A new port: opens the new
  // sockets, and only when all of them opened closes the old ones. The same port on other
  // addresses: closes the old ones first, and opens them again when the new ones fail. False
  // (the old listeners serving) on failure.
  bool Rebind();
  // Starts accepting on every listener (an epoll watch, or a multishot accept on io_uring).
  void StartListeners();
  // Accepts what the listening socket has (at most a bounded batch per event, as Redis).
  void AcceptFrom(int listen_fd);
  // A connection the io_uring listener accepted.
  void AcceptedOnRing(int fd);
  // Takes an accepted socket in as a connection, or refuses it (maxclients, protected mode).
  void Admit(int fd, const sockaddr_storage& peer);
  // Writes `error` to a connection that is not accepted and closes it (rejected_connections).
  void Refuse(int fd, std::string_view error);
  void ScheduleCron();
  void Cron();
  void ArmBlockTimer(int64_t deadline_ms);
  void OnTerminationSignal(int signo);
  void BeforeSleep();
  void FlushDeferred();
  // Redis's processEventsWhileBlocked, for a busy script: a few rounds of ready events and
  // their replies; the connection of `caller_fd` (the script's caller) is left alone.
  void ProcessEventsWhileBlocked(int caller_fd);

  Engine& engine_;
  EventLoop loop_;
  EventLoop::TimerId cron_timer_ = 0;
  // Fires at the earliest deadline of a blocked client (BLPOP ... timeout).
  EventLoop::TimerId block_timer_ = 0;
  int64_t block_timer_deadline_ms_ = 0;  // 0 = not armed
  std::vector<std::unique_ptr<Listener>> listeners_;
  size_t connections_ = 0;
  std::vector<std::shared_ptr<Connection>> to_flush_;
  std::vector<std::shared_ptr<Connection>> flushing_;  // kept for its capacity
  std::vector<std::shared_ptr<Connection>> deferred_;
  std::vector<std::shared_ptr<Connection>> flushing_deferred_;  // kept for its capacity
  int deferred_turns_ = 0;  // event-loop turns the oldest deferred flush has waited
  int64_t deferred_since_us_ = 0;
  int64_t last_buffer_trim_ms_ = 0;
  HeapTrimmer heap_trimmer_;
  int port_ = 0;
  std::string bind_;  // the bind setting the listeners were opened with
  bool stopping_ = false;
  std::unique_ptr<MasterLink> master_link_;
};

}  // namespace rill
