#include "server/net/master_link.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/string_util.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "server/net/server.h"
#include "server/observe/log.h"
#include "server/repl/replication.h"

namespace rill {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// A full sync's RDB is read up to this much per readiness event.
constexpr size_t kPayloadReadChunk = 1024 * 1024;
constexpr size_t kEofMarkLength = 40;

std::string Encode(const std::vector<std::string>& args) {
  std::string out = absl::StrCat("*", args.size(), "\r\n");
  for (const std::string& a : args) absl::StrAppend(&out, "$", a.size(), "\r\n", a, "\r\n");
  return out;
}

// bind-source-addr: the link to the master leaves from this address, bound to the first of its
// addresses that takes (Redis's anetTcpGenericConnect). Best effort (ANET_CONNECT_BE_BINDING):
// when none takes, the socket stays unbound and the kernel picks the address.
void BindSource(int fd, const std::string& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo(address.c_str(), nullptr, &hints, &list) != 0) return;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
  }
  freeaddrinfo(list);
}

}  // namespace

MasterLink::MasterLink(Server& server)
    : server_(server), engine_(server.engine()), receiver_(server.engine()) {}

MasterLink::~MasterLink() { CloseSocket(); }

void MasterLink::CloseSocket() {
  if (fd_ < 0) return;
  server_.loop().Unwatch(fd_);
  ::close(fd_);
  fd_ = -1;
  step_ = Step::kIdle;
  std::string().swap(in_);
  receiver_.Abort();
}

void MasterLink::Fail(std::string_view why) {
  if (!why.empty()) Log(LogLevel::kWarning, "%s", why);
  CloseSocket();
  Replication& repl = engine_.replication();
  if (repl.is_replica()) repl.set_link_state(Replication::LinkState::kConnect);
}

void MasterLink::Disconnect() {
  CloseSocket();
  if (Client* master = engine_.replication().master_client(); master != nullptr && master->kill) {
    master->kill();
  }
}

void MasterLink::Connect() {
  Disconnect();
  Replication& repl = engine_.replication();
  if (!repl.is_replica()) return;
  last_attempt_ms_ = NowMs();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(repl.master_port());
  if (getaddrinfo(repl.master_host().c_str(), port.c_str(), &hints, &res) != 0 || res == nullptr) {
    Log(LogLevel::kWarning, "Unable to connect to MASTER: can't resolve %s", repl.master_host());
    repl.set_link_state(Replication::LinkState::kConnect);
    return;
  }
  fd_ = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const std::string source = engine_.config().String("bind-source-addr");
  if (fd_ >= 0 && !source.empty()) BindSource(fd_, source);
  int rc = fd_ < 0 ? -1 : ::connect(fd_, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (fd_ < 0 || (rc != 0 && errno != EINPROGRESS)) {
    Fail(absl::StrCat("Unable to connect to MASTER: ", std::strerror(errno)));
    return;
  }
  int yes = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  step_ = Step::kConnecting;
  step_started_ms_ = NowMs();
  repl.set_link_state(Replication::LinkState::kConnecting);
  server_.loop().Watch(fd_, this, /*read=*/false, /*write=*/true);
  Log(LogLevel::kNotice, "MASTER <-> REPLICA sync started");
}

void MasterLink::Cron() {
  Replication& repl = engine_.replication();
  if (!repl.is_replica()) return;
  const int64_t now = NowMs();
  if (fd_ >= 0 && now - step_started_ms_ > engine_.config().Int("repl-timeout") * 1000) {
    Fail("Timeout connecting to the MASTER...");
    return;
  }
  if (fd_ < 0 && repl.master_client() == nullptr && now - last_attempt_ms_ >= 1000) {
    Log(LogLevel::kNotice, "Connecting to MASTER %s:%d", repl.master_host(), repl.master_port());
    Connect();
  }
}

void MasterLink::Send(const std::vector<std::string>& args) {
  const std::string bytes = Encode(args);
  // Handshake commands are a few dozen bytes on a fresh socket: one send takes them.
  [[maybe_unused]] ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

bool MasterLink::TakeLine(std::string* line) {
  const size_t nl = in_.find('\n');
  if (nl == std::string::npos) return false;
  size_t end = nl;
  if (end > 0 && in_[end - 1] == '\r') --end;
  line->assign(in_, 0, end);
  in_.erase(0, nl + 1);
  return true;
}

void MasterLink::OnReady(bool readable, bool writable, bool failed) {
  if (fd_ < 0) return;
  if (step_ == Step::kConnecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || failed) {
      Fail(absl::StrCat("Error condition on socket for SYNC: ", std::strerror(err ? err : EIO)));
      return;
    }
    if (!writable) return;
    Log(LogLevel::kNotice, "Non blocking connect for SYNC fired the event.");
    server_.loop().Update(fd_, /*read=*/true, /*write=*/false);
    engine_.replication().set_link_state(Replication::LinkState::kHandshake);
    step_ = Step::kPong;
    step_started_ms_ = NowMs();
    Send({"PING"});
    return;
  }
  if (!readable && !failed) return;
  // The RDB is read in big steps straight into the input, which the receiver takes from.
  const size_t room = step_ == Step::kPayload ? kPayloadReadChunk : kReadChunk;
  const size_t old = in_.size();
  in_.resize(old + room);
  const ssize_t n = ::recv(fd_, in_.data() + old, room, 0);
  in_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (step_ == Step::kPayload || step_ == Step::kBulkHeader) {
      Fail(absl::StrCat("I/O error trying to sync with MASTER: ",
                        n < 0 ? std::strerror(errno) : "connection lost"));
    } else {
      Fail("Master closed the connection during the handshake");
    }
    return;
  }
  step_started_ms_ = NowMs();
  Advance();
}

void MasterLink::SendAfterAuth() {
  const int64_t announce = engine_.config().Int("replica-announce-port");
  Send({"REPLCONF", "listening-port",
        std::to_string(announce != 0 ? announce : engine_.config().Int("port"))});
  step_ = Step::kPort;
}

void MasterLink::Advance() {
  Replication& repl = engine_.replication();
  std::string line;
  while (fd_ >= 0) {
    switch (step_) {
      case Step::kIdle:
      case Step::kConnecting:
        return;
      case Step::kPong: {
        if (!TakeLine(&line)) return;
        // -NOAUTH and -NOPERM are fine: AUTH comes next.
        if (!line.empty() && line[0] == '-' && !line.starts_with("-NOAUTH") &&
            !line.starts_with("-NOPERM") && !line.starts_with("-ERR operation not permitted")) {
          Fail(absl::StrCat("Error reply to PING from master: '", line, "'"));
          return;
        }
        Log(LogLevel::kNotice, "Master replied to PING, replication can continue...");
        const std::string auth = engine_.config().String("masterauth");
        if (!auth.empty()) {
          const std::string user = engine_.config().String("masteruser");
          if (user.empty()) {
            Send({"AUTH", auth});
          } else {
            Send({"AUTH", user, auth});
          }
          step_ = Step::kAuth;
        } else {
          SendAfterAuth();
        }
        break;
      }
      case Step::kAuth:
        if (!TakeLine(&line)) return;
        if (!line.empty() && line[0] == '-') {
          Fail(absl::StrCat("Unable to AUTH to MASTER: ", line));
          return;
        }
        SendAfterAuth();
        break;
      case Step::kPort: {
        if (!TakeLine(&line)) return;
        if (!line.empty() && line[0] == '-') {
          Log(LogLevel::kNotice,
              "(Non critical) Master does not understand REPLCONF listening-port: %s", line);
        }
        const std::string ip = engine_.config().String("replica-announce-ip");
        if (!ip.empty()) Send({"REPLCONF", "ip-address", ip});
        Send({"REPLCONF", "capa", "eof", "capa", "psync2"});
        // With ip-address, its reply comes first and is skipped as non critical.
        skip_replies_ = ip.empty() ? 0 : 1;
        step_ = Step::kCapa;
        break;
      }
      case Step::kCapa: {
        if (!TakeLine(&line)) return;
        if (skip_replies_ > 0) {
          --skip_replies_;
          break;
        }
        if (!line.empty() && line[0] == '-') {
          Log(LogLevel::kNotice, "(Non critical) Master does not understand REPLCONF capa: %s",
              line);
        }
        auto [replid, offset] = repl.PsyncRequest();
        if (replid == "?") {
          Log(LogLevel::kNotice, "Partial resynchronization not possible (no cached master)");
        } else {
          Log(LogLevel::kNotice, "Trying a partial resynchronization (request %s:%d).", replid,
              offset);
        }
        // A master handing its role over (FAILOVER) asks the target to take it.
        if (repl.failover_state() == Replication::FailoverState::kInProgress) {
          Send({"PSYNC", replid, std::to_string(offset), "FAILOVER"});
        } else {
          Send({"PSYNC", replid, std::to_string(offset)});
        }
        step_ = Step::kPsync;
        break;
      }
      case Step::kPsync: {
        if (!TakeLine(&line)) return;
        if (line.empty()) break;  // a keepalive newline
        if (line.starts_with("+FULLRESYNC")) {
          std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
          if (words.size() != 3 || !absl::SimpleAtoi(words[2], &sync_offset_)) {
            Fail(absl::StrCat("Master replied with wrong +FULLRESYNC syntax: ", line));
            return;
          }
          sync_replid_ = words[1];
          Log(LogLevel::kNotice, "Full resync from master: %s:%d", sync_replid_, sync_offset_);
          repl.FailoverPsyncAnswered(true);
          if (!receiver_.Begin(sync_replid_, sync_offset_)) {
            Fail("");
            return;
          }
          step_ = Step::kBulkHeader;
          repl.set_link_state(Replication::LinkState::kTransfer);
          break;
        }
        if (line.starts_with("+CONTINUE")) {
          std::string id = line.size() > 10 ? line.substr(10) : std::string();
          Log(LogLevel::kNotice, "Successful partial resynchronization with master.");
          repl.FailoverPsyncAnswered(true);
          repl.PartialSyncAccepted(id);
          Log(LogLevel::kNotice,
              "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
          HandOver();
          return;
        }
        Fail(absl::StrCat("Unexpected reply to PSYNC from master: ", line));
        // During a FAILOVER the target said no: this server is the master again.
        repl.FailoverPsyncAnswered(false);
        return;
      }
      case Step::kBulkHeader: {
        if (!TakeLine(&line)) return;
        if (line.empty()) break;  // the master's newlines while it makes the snapshot
        if (line[0] == '-') {
          Fail(absl::StrCat("MASTER aborted replication with an error: ", line.substr(1)));
          return;
        }
        if (line[0] != '$') {
          Fail(absl::StrCat("Bad protocol from MASTER, the first byte is not '$' (we received '",
                            line, "'), are you sure the host and port are right?"));
          return;
        }
        if (line.starts_with("$EOF:") && line.size() == 5 + kEofMarkLength) {
          receiver_.Header(-1, line.substr(5));
          step_ = Step::kPayload;
          break;
        }
        int64_t length;
        if (!absl::SimpleAtoi(line.substr(1), &length) || length < 0) {
          Fail(absl::StrCat("Bad bulk length from MASTER: ", line));
          return;
        }
        receiver_.Header(length, "");
        step_ = Step::kPayload;
        break;
      }
      case Step::kPayload:
        switch (receiver_.Take(&in_)) {
          case SyncReceiver::Result::kMore:
            return;
          case SyncReceiver::Result::kFailed:
            Fail("");
            return;
          case SyncReceiver::Result::kComplete:
            LoadPayload();
            return;
        }
        return;
    }
  }
}

void MasterLink::LoadPayload() {
  if (!receiver_.Load()) {
    Fail("");
    return;
  }
  HandOver();
}

void MasterLink::HandOver() {
  server_.loop().Unwatch(fd_);
  const int fd = fd_;
  fd_ = -1;
  step_ = Step::kIdle;
  std::string leftover = std::move(in_);
  in_.clear();
  // The server makes it the master client before it runs what arrived with the reply.
  server_.AdoptMasterConnection(fd, leftover);
}

}  // namespace rill
