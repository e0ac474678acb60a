#include "server/net/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/strings/str_split.h"
#include "protocol/errors.h"
#include "server/engine/client_eviction.h"
#include "server/engine/engine.h"
#include "server/net/connection.h"
#include "server/net/master_link.h"
#include "server/net/socket_address.h"
#include "server/net/uring_transport.h"
#include "server/observe/cycle_clock.h"
#include "server/observe/log.h"
#include "server/persist/persistence.h"
#include "server/repl/replication.h"

namespace rill {

namespace asio = boost::asio;

namespace {

// Redis's MAX_ACCEPTS_PER_CALL: a flood of connections cannot starve the clients already in.
constexpr int kMaxAcceptsPerEvent = 1000;
// Bounds of Server::DeferFlush.
constexpr int kMaxDeferredTurns = 16;
constexpr int64_t kMaxDeferralUs = 1000;

}  // namespace

class Server::Listener : public EventLoop::Handler, public UringTransport::Handler {
 public:
  Listener(Server& server, int fd) : server_(server), fd_(fd) {}
  ~Listener() { Close(); }
  int fd() const { return fd_; }
  // Starts accepting: a readiness watch on epoll, a multishot accept on io_uring.
  void Start() {
    if (UringTransport* uring = server_.loop_.uring()) {
      slot_ = uring->Attach(fd_, this);
      attached_ = true;
      uring->Accept(slot_);
    } else {
      server_.loop_.Watch(fd_, this, /*read=*/true, /*write=*/false);
    }
  }
  void Close() {
    if (fd_ < 0) return;
    if (attached_) {
      // The ring's multishot accept holds the file until its cancellation completes, a turn
      // later; shutdown() stops the listening now, so that the port is free for a rebind.
      ::shutdown(fd_, SHUT_RDWR);
      server_.loop_.uring()->Detach(slot_);
      attached_ = false;
    } else {
      server_.loop_.Unwatch(fd_);
    }
    ::close(fd_);
    fd_ = -1;
  }
  void OnReady(bool, bool, bool) override {
    if (fd_ >= 0) server_.AcceptFrom(fd_);
  }
  void OnAccepted(int result, bool ended) override {
    if (result >= 0) {
      server_.AcceptedOnRing(result);
    } else if (result != -EAGAIN && result != -EINTR && result != -ECONNABORTED) {
      Log(LogLevel::kWarning, "Accepting client connection: %s", std::strerror(-result));
    }
    if (!ended || fd_ < 0) return;
    // The multishot accept stopped (out of descriptors or memory, as a rule): rest for
    // 100 ms, as the epoll listener does, so that a full descriptor table does not spin.
    const int delay_ms = result < 0 ? 100 : 0;
    server_.loop_.RunAfter(delay_ms, [this, slot = slot_] {
      if (attached_ && slot_ == slot && !server_.stopping_) server_.loop_.uring()->Accept(slot_);
    });
  }

 private:
  Server& server_;
  int fd_;
  UringTransport::Slot slot_ = 0;
  bool attached_ = false;
};

Server::Server(Engine& engine) : engine_(engine) {
  if (engine_.config().Bool("io-uring")) {
    std::string why;
    if (loop_.UseUring(&why)) {
      engine_.stats().multiplexing_api = "io_uring";
      Log(LogLevel::kVerbose, "Event loop on io_uring");
    } else {
      Log(LogLevel::kWarning, "io-uring yes: %s; the event loop uses epoll", why);
    }
  }
  engine_.blocking().set_arm_timer([this](int64_t deadline_ms) { ArmBlockTimer(deadline_ms); });
  engine_.set_run_after([this](int64_t delay_ms, std::function<void()> fn) {
    auto guarded = [this, fn = std::move(fn)] {
      if (!stopping_) fn();
    };
    if (delay_ms <= 0) {
      loop_.Post(std::move(guarded));
    } else {
      loop_.RunAfter(delay_ms, std::move(guarded));
    }
  });
  loop_.set_before_sleep([this] { BeforeSleep(); });
  engine_.set_process_events_while_blocked(
      [this](Client& caller) { ProcessEventsWhileBlocked(caller.fd); });
  loop_.set_on_idle([this] { FlushDeferred(); });
  // Installed now, before the data loads: a SIGTERM while loading waits for the loop.
  loop_.OnSignal(SIGTERM, [this] { OnTerminationSignal(SIGTERM); });
  loop_.OnSignal(SIGINT, [this] { OnTerminationSignal(SIGINT); });
  // SIGCHLD: a background child (BGSAVE, BGREWRITEAOF) exited.
  loop_.OnSignal(SIGCHLD, [this] { engine_.children().Reap(); });
  // A forked child gives up the listening sockets at once (plain close(): the epoll set is
  // shared with the parent and must not change).
  engine_.children().set_in_child_hook([this] {
    for (auto& listener : listeners_) ::close(listener->fd());
  });
  master_link_ = std::make_unique<MasterLink>(*this);
  engine_.replication().set_link_control({[this] { master_link_->Connect(); },
                                          [this] { master_link_->Disconnect(); },
                                          [this] { master_link_->Cron(); }});
}

Client* Server::AdoptMasterConnection(int fd, std::string_view received) {
  ++connections_;
  auto conn = std::make_shared<Connection>(*this, fd);
  Client& client = conn->client();
  // The master runs unrestricted and unauthenticated checks do not apply to it.
  client.master = true;
  client.authenticated = true;
  client.acl_user = nullptr;
  conn->Start();
  engine_.replication().SetMasterClient(&client);
  conn->InjectInput(received);
  return &client;
}

void Server::OnTerminationSignal(int signo) {
  Log(LogLevel::kWarning, "Received %s scheduling shutdown...",
      signo == SIGINT ? "SIGINT" : "SIGTERM");
  // shutdown-on-sigterm / shutdown-on-sigint: SHUTDOWN's flags (default: save if save
  // points are set). If the final save fails the server keeps running, as Redis does.
  const int flags = static_cast<int>(
      engine_.config().Int(signo == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm"));
  if (engine_.PrepareForShutdown(flags)) {
    engine_.RequestShutdown();
    Stop();
  }
}

void Server::ArmBlockTimer(int64_t deadline_ms) {
  if (block_timer_deadline_ms_ != 0 && block_timer_deadline_ms_ <= deadline_ms) return;
  if (block_timer_deadline_ms_ != 0) loop_.Cancel(block_timer_);
  block_timer_deadline_ms_ = deadline_ms;
  const int64_t wait_ms = std::max<int64_t>(0, deadline_ms - NowMs());
  block_timer_ = loop_.RunAfter(wait_ms, [this] {
    block_timer_deadline_ms_ = 0;
    if (stopping_) return;
    engine_.blocking().ExpireTimeouts(NowMs());
  });
}

Server::~Server() {
  engine_.replication().set_link_control({});
  master_link_.reset();
  // Open connections own themselves until closed: close them, then run the posted releases,
  // so that nothing outlives the loop.
  std::vector<std::function<void()>> kills;
  for (const auto& [id, client] : engine_.clients()) {
    if (client->kill) kills.push_back(client->kill);
  }
  for (auto& kill : kills) kill();
  loop_.RunPending();
}

bool Server::Listen(std::string* error) {
  port_ = static_cast<int>(engine_.config().Int("port"));
  bind_ = engine_.config().String("bind");
  // CONFIG SET port / bind move the listeners while the server runs.
  auto rebind = [this](std::string_view setting, std::string_view failure) {
    return [this, setting, failure](std::string* why) {
      if (Rebind()) return true;
      Log(LogLevel::kWarning,
          "Failed applying new configuration. Possibly related to new %s setting. Restoring "
          "previous settings.",
          setting);
      *why = failure;
      return false;
    };
  };
  engine_.config().OnApply("port",
                           rebind("port", "Unable to listen on this port. Check server logs."));
  engine_.config().OnApply("bind", rebind("bind", "Failed to bind to specified addresses."));
  if (port_ == 0) return true;  // Redis: port 0 means no TCP listener.
  if (!OpenListeners(port_, bind_, &listeners_) || listeners_.empty()) {
    *error = "Failed listening on port " + std::to_string(port_) + " (tcp), aborting.";
    return false;
  }
  return true;
}

bool Server::OpenListeners(int port, const std::string& bind,
                           std::vector<std::unique_ptr<Listener>>* listeners) {
  std::vector<std::string> addrs = absl::StrSplit(bind, ' ', absl::SkipEmpty());
  if (addrs.empty()) addrs = {"*", "-::*"};
  const int backlog = static_cast<int>(engine_.config().Int("tcp-backlog"));
  for (std::string addr : addrs) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    boost::system::error_code ec;
    asio::ip::address ip;
    if (addr == "*") {
      ip = asio::ip::address_v4::any();
    } else if (addr == "::*") {
      ip = asio::ip::address_v6::any();
    } else {
      ip = asio::ip::make_address(addr, ec);
      if (ec) {
        if (optional) continue;
        Log(LogLevel::kWarning, "Could not create server TCP listening socket %s:%d: %s", addr,
            port, ec.message());
        return false;
      }
    }
    std::string why;
    const int fd = OpenListeningSocket(ip, port, backlog, &why);
    if (fd < 0) {
      if (optional) continue;
      Log(LogLevel::kWarning, "Warning: Could not create server TCP listening socket %s:%d: %s",
          addr, port, why);
      return false;
    }
    listeners->push_back(std::make_unique<Listener>(*this, fd));
  }
  return true;
}

bool Server::Rebind() {
  const int port = static_cast<int>(engine_.config().Int("port"));
  const std::string bind = engine_.config().String("bind");
  // CONFIG SET port and bind together call this twice: the second finds nothing to do.
  if (port == port_ && bind == bind_) return true;
  std::vector<std::unique_ptr<Listener>> fresh;
  if (port != port_) {
    // The new sockets first: when they cannot all be opened the old ones keep serving.
    if (port != 0 && !OpenListeners(port, bind, &fresh)) return false;
    listeners_.swap(fresh);
    fresh.clear();  // closes the old listeners
  } else {
    // The same port on other addresses: an address kept would be taken by its old socket, so
    // the old ones close first (as Redis's changeBindAddr) and come back on failure.
    listeners_.clear();
    if (port != 0 && !OpenListeners(port, bind, &fresh)) {
      Log(LogLevel::kWarning, "Failed to bind");
      fresh.clear();
      if (!OpenListeners(port_, bind_, &listeners_)) {
        Log(LogLevel::kWarning, "Failed to restore the old listeners on port %d", port_);
      }
      StartListeners();
      return false;
    }
    listeners_.swap(fresh);
  }
  StartListeners();
  port_ = port;
  bind_ = bind;
  return true;
}

void Server::StartListeners() {
  for (auto& listener : listeners_) listener->Start();
}

void Server::AcceptFrom(int listen_fd) {
  for (int i = 0; i < kMaxAcceptsPerEvent && !stopping_; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      Log(LogLevel::kWarning, "Accepting client connection: %s", std::strerror(errno));
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: the pending connection stays ready, so a
        // level-triggered listener would spin. Rest it for 100 ms, then try again.
        loop_.Update(listen_fd, /*read=*/false, /*write=*/false);
        loop_.RunAfter(100, [this, listen_fd] {
          if (!stopping_) loop_.Update(listen_fd, /*read=*/true, /*write=*/false);
        });
      }
      return;
    }
    Admit(fd, peer);
  }
}

void Server::AcceptedOnRing(int fd) {
  if (stopping_) {
    ::close(fd);
    return;
  }
  // The multishot accept has no per-connection address buffer: ask the socket.
  sockaddr_storage peer{};
  socklen_t len = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    ::close(fd);  // gone already
    return;
  }
  Admit(fd, peer);
}

void Server::Admit(int fd, const sockaddr_storage& peer) {
  const auto max_clients = static_cast<size_t>(engine_.config().Int("maxclients"));
  if (connections_ >= max_clients) {
    Refuse(fd, "-ERR max number of clients reached\r\n");
  } else if (ProtectedModeRefuses(engine_.config().Bool("protected-mode"),
                                  engine_.acl().default_user().nopass(), ToAddress(peer))) {
    Refuse(fd, errors::kProtectedModeDenied);
  } else {
    // As Redis, only accepted connections count as received.
    ++engine_.stats().total_connections_received;
    ++connections_;
    std::make_shared<Connection>(*this, fd)->Start();
  }
}

void Server::FlushAtEndOfTurn(std::shared_ptr<Connection> conn) {
  to_flush_.push_back(std::move(conn));
}

void Server::DeferFlush(std::shared_ptr<Connection> conn) { deferred_.push_back(std::move(conn)); }

void Server::BeforeSleep() {
  // BCAST invalidations collected this turn go out before the replies are written, as
  // Redis's beforeSleep sends them.
  if (engine_.tracking().has_broadcasts()) engine_.tracking().SendBroadcasts();
  engine_.WritePendingAof();
  // Deferral is bounded: a server that always has input ready still flushes its
  // subscribers every few turns, or after 1 ms when turns are long.
  bool may_defer = true;
  if (!deferred_.empty()) {
    may_defer = ++deferred_turns_ < kMaxDeferredTurns &&
                MonotonicUs() - deferred_since_us_ < kMaxDeferralUs;
    if (!may_defer) FlushDeferred();
  }
  // Flushing can schedule more (a reply that completes a blocked client's wait); loop.
  while (!to_flush_.empty()) {
    flushing_.swap(to_flush_);
    for (const std::shared_ptr<Connection>& conn : flushing_) conn->FlushScheduled(may_defer);
    flushing_.clear();
  }
  // maxmemory-clients: between commands, once this turn's replies went out (as Redis, after
  // its pending writes), so that only output the clients did not take counts.
  EvictClients(engine_);
  if (!deferred_.empty()) {
    if (deferred_turns_ == 0) deferred_since_us_ = MonotonicUs();
    loop_.RequestIdleCallback();
  }
}

void Server::ProcessEventsWhileBlocked(int caller_fd) {
  for (int round = 0; round < 4; ++round) {
    const int n = loop_.PollOnce(caller_fd);
    engine_.WritePendingAof();
    // The caller's reply is still being built: its connection is flushed after the script.
    std::vector<std::shared_ptr<Connection>> kept;
    while (!to_flush_.empty()) {
      std::vector<std::shared_ptr<Connection>> batch;
      batch.swap(to_flush_);
      for (const std::shared_ptr<Connection>& conn : batch) {
        if (conn->client().fd == caller_fd) {
          kept.push_back(conn);
        } else {
          conn->FlushScheduled(/*may_defer=*/false);
        }
      }
    }
    to_flush_ = std::move(kept);
    if (n == 0) break;
  }
  // On io_uring the replies of the last round are queued sends: out with them now.
  loop_.SubmitQueued();
}

void Server::FlushDeferred() {
  deferred_turns_ = 0;
  flushing_deferred_.swap(deferred_);
  for (const std::shared_ptr<Connection>& conn : flushing_deferred_) conn->FlushDeferred();
  flushing_deferred_.clear();
}

void Server::Refuse(int fd, std::string_view error) {
  ++engine_.stats().rejected_connections;
  // Best effort, as Redis: a fresh socket's buffer takes the short error line.
  [[maybe_unused]] ssize_t n = ::send(fd, error.data(), error.size(), MSG_NOSIGNAL);
  ::close(fd);
}

bool ProtectedModeRefuses(bool protected_mode, bool default_user_nopass,
                          const asio::ip::address& peer) {
  if (!protected_mode || !default_user_nopass) return false;
  return !IsLocalPeer(peer);
}

void Server::OnConnectionClosed(Connection* conn) {
  if (connections_ > 0) --connections_;
}

void Server::ScheduleCron() {
  int64_t hz = std::clamp<int64_t>(engine_.config().Int("hz"), 1, 500);
  cron_timer_ = loop_.RunAfter(1000 / hz, [this] {
    if (stopping_) return;
    Cron();
    ScheduleCron();
  });
}

void Server::Cron() {
  int64_t hz = std::clamp<int64_t>(engine_.config().Int("hz"), 1, 500);
  // Redis spends at most 25% of each cron period on active expiry.
  engine_.ActiveExpireCycle(1000000 / hz / 4);
  // Backstop for the block timer (e.g. a clock step): deadlines are also checked here.
  engine_.blocking().ExpireTimeouts(NowMs());
  // Backstop for SIGCHLD, then save points and scheduled BGSAVEs.
  engine_.children().Reap();
  engine_.rdb().Cron(NowMs());
  // Postponed AOF writes, the everysec fsync, scheduled and automatic rewrites.
  engine_.aof().Cron();
  // Snapshots for replicas, PINGs, WAIT timeouts; on a replica its ACKs and link retries.
  engine_.replication().Cron(NowMs());
  engine_.CheckPauseTimeout(NowMs());
  CycleClock::Calibrate();

  const int64_t now = NowMs();
  const int64_t timeout = engine_.config().Int("timeout");
  // Once a second, clients idle for more than 2 seconds give their empty buffers back (Redis
  // frees idle clients' query buffers too): 10,000 idle connections then cost little memory.
  const bool trim = now - last_buffer_trim_ms_ >= 1000;
  if (trim) last_buffer_trim_ms_ = now;
  if (timeout <= 0 && !trim) return;
  std::vector<Client*> idle;
  for (const auto& [id, client] : engine_.clients()) {
    const int64_t idle_ms = now - client->last_interaction_ms;
    if (trim && idle_ms > 2000 && client->release_idle_buffers) client->release_idle_buffers();
    // As Redis, in whole seconds; blocked clients, subscribers and monitors wait on purpose.
    if (timeout > 0 && !client->blocked && !client->subscribed() && !client->monitor &&
        !client->replica && !client->master &&
        now / 1000 - client->last_interaction_ms / 1000 > timeout) {
      idle.push_back(client);
    }
  }
  // Freed memory (those buffers, closed connections, deleted keys, big requests done) goes
  // back to the system once enough of it piled up in glibc's heap.
  if (trim) heap_trimmer_.MaybeTrim();
  for (Client* client : idle) {
    Log(LogLevel::kVerbose, "Closing idle client");
    if (client->kill) client->kill();
  }
}

void Server::Run() {
  StartListeners();
  ScheduleCron();
  loop_.Run();
}

void Server::Stop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& listener : listeners_) listener->Close();
  loop_.Cancel(cron_timer_);
  loop_.Cancel(block_timer_);
  loop_.Stop();
}

}  // namespace rill
