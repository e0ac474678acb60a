#include "server/server.h"

#include <malloc.h>
#include <unistd.h>

#include <csignal>

#include "absl/strings/str_split.h"
#include "protocol/errors.h"
#include "server/connection.h"
#include "server/engine.h"
#include "server/log.h"

namespace rill {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kTrimThreshold = 1 << 20;

}  // namespace

Server::Server(Engine& engine)
    : engine_(engine),
      io_(1),
      signals_(io_, SIGTERM, SIGINT),
      child_signals_(io_),
      cron_timer_(io_),
      block_timer_(io_) {
  engine_.blocking().set_arm_timer([this](int64_t deadline_ms) { ArmBlockTimer(deadline_ms); });
  engine_.set_run_after([this](int64_t delay_ms, std::function<void()> fn) {
    if (delay_ms <= 0) {
      asio::post(io_, [this, fn = std::move(fn)] {
        if (!stopping_) fn();
      });
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(delay_ms));
    timer->async_wait([this, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
      if (!ec && !stopping_) fn();
    });
  });
  child_signals_.add(SIGCHLD);
  // Asio installs its handler without SA_RESTART; a child's exit must not make a blocking call
  // of the loop thread (a SAVE's write, a log line) fail with EINTR.
  struct sigaction action;
  if (sigaction(SIGCHLD, nullptr, &action) == 0) {
    action.sa_flags |= SA_RESTART;
    sigaction(SIGCHLD, &action, nullptr);
  }
  // A forked child gives up the listening sockets at once (plain close(): an Asio call would
  // change the epoll set it shares with the parent).
  engine_.children().set_in_child_hook([this] {
    for (auto& acceptor : acceptors_) ::close(acceptor->native_handle());
  });
}

void Server::WaitForChildren() {
  child_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    engine_.children().Reap();
    if (!stopping_) WaitForChildren();
  });
}

void Server::WaitForTermination() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    Log(LogLevel::kWarning, "Received %s scheduling shutdown...",
        signo == SIGINT ? "SIGINT" : "SIGTERM");
    // shutdown-on-sigterm / shutdown-on-sigint: SHUTDOWN's flags (default: save if save
    // points are set). If the final save fails the server keeps running, as Redis does.
    const int flags = static_cast<int>(
        engine_.config().Int(signo == SIGINT ? "shutdown-on-sigint" : "shutdown-on-sigterm"));
    if (engine_.PrepareForShutdown(flags)) {
      engine_.RequestShutdown();
      Stop();
      return;
    }
    WaitForTermination();
  });
}

void Server::ArmBlockTimer(int64_t deadline_ms) {
  if (block_timer_deadline_ms_ != 0 && block_timer_deadline_ms_ <= deadline_ms) return;
  block_timer_deadline_ms_ = deadline_ms;
  int64_t wait_ms = std::max<int64_t>(0, deadline_ms - NowMs());
  block_timer_.expires_after(std::chrono::milliseconds(wait_ms));
  block_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier (cancelled) or stopping
    block_timer_deadline_ms_ = 0;
    if (stopping_) return;
    engine_.blocking().ExpireTimeouts(NowMs());
  });
}

Server::~Server() = default;

bool Server::Listen(std::string* error) {
  port_ = static_cast<int>(engine_.config().Int("port"));
  if (port_ == 0) return true;  // Redis: port 0 means no TCP listener.
  std::string bind = engine_.config().String("bind");
  std::vector<std::string> addrs = absl::StrSplit(bind, ' ', absl::SkipEmpty());
  if (addrs.empty()) addrs = {"*", "-::*"};
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
        *error = "Failed listening on port " + std::to_string(port_) + " (tcp), aborting.";
        Log(LogLevel::kWarning, "Could not create server TCP listening socket %s:%d: %s", addr,
            port_, ec.message());
        return false;
      }
    }
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    tcp::endpoint ep(ip, static_cast<unsigned short>(port_));
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(static_cast<int>(engine_.config().Int("tcp-backlog")), ec);
    if (ec) {
      if (optional) continue;
      Log(LogLevel::kWarning, "Warning: Could not create server TCP listening socket %s:%d: %s",
          addr, port_, ec.message());
      *error = "Failed listening on port " + std::to_string(port_) + " (tcp), aborting.";
      return false;
    }
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) {
    *error = "Failed listening on port " + std::to_string(port_) + " (tcp), aborting.";
    return false;
  }
  return true;
}

void Server::StartAccept(tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const boost::system::error_code& ec, tcp::socket sock) {
    if (stopping_) return;
    if (!ec) {
      auto max_clients = static_cast<size_t>(engine_.config().Int("maxclients"));
      if (connections_ >= max_clients) {
        Refuse(sock, "-ERR max number of clients reached\r\n");
      } else if (RefusedByProtectedMode(sock)) {
        Refuse(sock, errors::kProtectedModeDenied);
      } else {
        // As Redis, only accepted connections count as received.
        ++engine_.stats().total_connections_received;
        ++connections_;
        std::make_shared<Connection>(*this, std::move(sock))->Start();
      }
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    StartAccept(acceptor);
  });
}

void Server::FlushAtEndOfTurn(std::shared_ptr<Connection> conn) {
  to_flush_.push_back(std::move(conn));
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] {
    flush_posted_ = false;
    engine_.WritePendingAof();
    flushing_.swap(to_flush_);
    for (const std::shared_ptr<Connection>& conn : flushing_) conn->FlushScheduled();
    flushing_.clear();
  });
}

void Server::Refuse(tcp::socket& sock, std::string_view error) {
  ++engine_.stats().rejected_connections;
  boost::system::error_code ignored;
  asio::write(sock, asio::buffer(error), ignored);
  sock.close(ignored);
}

bool ProtectedModeRefuses(bool protected_mode, bool default_user_nopass,
                          const asio::ip::address& peer) {
  if (!protected_mode || !default_user_nopass) return false;
  asio::ip::address ip = peer;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  }
  return !ip.is_loopback();
}

bool Server::RefusedByProtectedMode(const tcp::socket& sock) const {
  boost::system::error_code ec;
  tcp::endpoint peer = sock.remote_endpoint(ec);
  if (ec) return false;
  return ProtectedModeRefuses(engine_.config().Bool("protected-mode"),
                              engine_.acl().default_user().nopass(), peer.address());
}

void Server::OnConnectionClosed(Connection* conn) {
  if (connections_ > 0) --connections_;
}

void Server::ScheduleCron() {
  int64_t hz = std::clamp<int64_t>(engine_.config().Int("hz"), 1, 500);
  cron_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
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
  engine_.CheckPauseTimeout(NowMs());

  const int64_t now = NowMs();
  const int64_t timeout = engine_.config().Int("timeout");
  // Once a second, clients idle for more than 2 seconds give their empty buffers back (Redis
  // frees idle clients' query buffers too): 10,000 idle connections then cost little memory.
  const bool trim = now - last_buffer_trim_ms_ >= 1000;
  if (trim) last_buffer_trim_ms_ = now;
  if (timeout <= 0 && !trim) return;
  std::vector<Client*> idle;
  size_t released = 0;
  for (const auto& [id, client] : engine_.clients()) {
    const int64_t idle_ms = now - client->last_interaction_ms;
    if (trim && idle_ms > 2000 && client->release_idle_buffers) {
      released += client->release_idle_buffers();
    }
    // As Redis, in whole seconds; blocked clients, subscribers and monitors wait on purpose.
    if (timeout > 0 && !client->blocked && !client->subscribed() && !client->monitor &&
        now / 1000 - client->last_interaction_ms / 1000 > timeout) {
      idle.push_back(client);
    }
  }
  // glibc keeps freed small blocks in the process; hand a large batch back to the OS.
  if (released >= kTrimThreshold) malloc_trim(0);
  for (Client* client : idle) {
    Log(LogLevel::kVerbose, "Closing idle client");
    if (client->kill) client->kill();
  }
}

void Server::Run() {
  WaitForTermination();
  WaitForChildren();
  for (auto& acceptor : acceptors_) StartAccept(*acceptor);
  ScheduleCron();
  io_.run();
}

void Server::Stop() {
  if (stopping_) return;
  stopping_ = true;
  boost::system::error_code ec;
  for (auto& acceptor : acceptors_) acceptor->close(ec);
  cron_timer_.cancel();
  block_timer_.cancel();
  boost::system::error_code ignored;
  child_signals_.cancel(ignored);
  io_.stop();
}

}  // namespace rill
