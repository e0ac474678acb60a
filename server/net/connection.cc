#include "server/net/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "persistence/aof_command.h"
#include "protocol/key_peek.h"
#include "server/engine/engine.h"
#include "server/net/server.h"
#include "server/net/socket_address.h"
#include "server/observe/log.h"
#include "server/repl/replication.h"

namespace rill {

namespace {

// A connection's first read buffer, allocated when its first bytes arrive: most clients send
// commands far smaller than this. It grows for longer requests and pipelines, reading up to
// kMaxReadSize per call as Redis does (PROTO_IOBUF_LEN).
constexpr size_t kInitialReadSize = 1024;
constexpr size_t kMaxReadSize = 16 * 1024;
// A read is not attempted with less room than this (a partial command at the end of the
// buffer moves to its start or the buffer grows).
constexpr size_t kMinReadSpace = 512;
// A read buffer that grew past this for one request is freed once it holds nothing.
constexpr size_t kKeepReadBuffer = 64 * 1024;
// A big argument's own buffer starts at this (or the argument's length when smaller) and
// doubles as its bytes arrive: a client that announces 512 MB and stops costs what it sent.
constexpr size_t kBigArgInitial = 256 * 1024;
// Above this much pending output we stop reading until the client drains it: a client that
// pipelines without reading cannot grow our memory without bound.
constexpr size_t kOutputHighWater = 64 * 1024 * 1024;
// A subscriber's deferred pushes go out once they reach this much (see Server::DeferFlush).
constexpr size_t kMaxDeferredPushBytes = 64 * 1024;

// tcp-keepalive as Redis's anetKeepAlive: probes after `interval` idle seconds, then every
// interval/3 seconds, the peer declared dead after 3 unanswered probes.
void SetKeepAlive(int fd, int64_t interval) {
  if (interval <= 0) return;
  int yes = 1;
  int idle = static_cast<int>(interval);
  int probe_interval = std::max(1, idle / 3);
  int probes = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &probe_interval, sizeof(probe_interval));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
}

}  // namespace

Connection::Connection(Server& server, int fd)
    : server_(server),
      engine_(server.engine()),
      fd_(fd),
      loop_(server.loop()),
      uring_(server.loop().uring()) {
  client_.id = engine_.clients().NextId();
  client_.fd = fd_;
  client_.addr = PeerEndpoint(fd_);
  client_.laddr = LocalEndpoint(fd_);
  client_.local_peer = PeerIsLocal(fd_);
  client_.created_ms = NowMs();
  client_.last_interaction_ms = client_.created_ms;
  // Every connection starts as the default user, authenticated when that needs no password.
  engine_.SetClientUser(client_, engine_.acl().default_user(),
                        engine_.acl().NewClientAuthenticated());
  int yes = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  SetKeepAlive(fd_, engine_.config().Int("tcp-keepalive"));
  protocol::ParserLimits limits;
  limits.max_bulk_len = engine_.config().Int("proto-max-bulk-len");
  parser_.set_limits(limits);
  // Before AUTH the parser refuses big multibulk/bulk headers, as Redis does for
  // unauthenticated clients, so a stranger cannot make the server allocate.
  parser_.set_auth_required(!client_.authenticated && engine_.acl().AuthRequired());
  // The read buffer is allocated when data first arrives (see OnReadable).
  read_size_ = kInitialReadSize;
  NoteBufferMemory();
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::Start() {
  client_.kill = [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Close();
  };
  client_.send = [weak = weak_from_this()](std::string_view bytes) {
    if (auto self = weak.lock()) self->Send(bytes, /*push=*/false);
  };
  client_.push = [weak = weak_from_this()](std::string_view bytes) {
    if (auto self = weak.lock()) self->Send(bytes, /*push=*/true);
  };
  client_.resume = [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Resume();
  };
  client_.buffers = [weak = weak_from_this()]() -> ClientBuffers {
    auto self = weak.lock();
    return self ? self->Buffers() : ClientBuffers{};
  };
  client_.release_idle_buffers = [weak = weak_from_this()]() -> size_t {
    auto self = weak.lock();
    return self ? self->ReleaseIdleBuffers() : 0;
  };
  engine_.clients().Add(&client_);
  self_ = shared_from_this();
  if (uring_ != nullptr) {
    slot_ = uring_->Attach(fd_, this);
    uring_->StartReceiving(slot_);
  } else if (!loop_.Watch(fd_, this, /*read=*/true, /*write=*/false)) {
    Log(LogLevel::kWarning, "Error registering fd event for the new client: %s",
        std::strerror(errno));
    Close();
  }
}

void Connection::OnReady(bool readable, bool writable, bool failed) {
  if (closed_) return;
  if (writable) OnWritable();
  if (readable && !closed_) {
    OnReadable();
  } else if (failed && !closed_) {
    Close();
  }
}

bool Connection::WantsRead() const {
  return !closing_ && !(writing_ && out_.size() > kOutputHighWater);
}

void Connection::UpdateInterest() {
  if (closed_) return;
  const bool read = WantsRead();
  if (uring_ == nullptr) {
    loop_.Update(fd_, read, writing_);
  } else if (read) {
    uring_->StartReceiving(slot_);
  } else {
    uring_->StopReceiving(slot_);
  }
}

ClientBuffers Connection::Buffers() const {
  ClientBuffers b;
  if (executing_) {
    // The running command's arguments are views into the batch (or its big arguments).
    b.qbuf = rend_ - batch_start_ + big_bytes_;
    for (std::string_view arg : parser_.args()) b.argv_mem += arg.size();
  } else {
    // A command still arriving: what the parser went past counts as arguments, as Redis moves
    // each complete bulk out of its query buffer into argv.
    b.qbuf = (rend_ - rstart_) - std::min(rend_ - rstart_, parser_.partial_parsed()) + big_bytes_;
    b.argv_mem = parser_.partial_arg_bytes();
  }
  b.qbuf_free = rbuf_.capacity() - rend_;
  b.rbs = out_.capacity();
  b.rbp = std::max(reply_peak_, out_.size());
  b.obl = out_.size();
  b.oll = writing_ ? 1 : 0;
  b.omem = writing_ ? sending_.capacity() : 0;
  b.memory = BufferMemory();
  b.read_event = !closed_ && WantsRead();
  b.write_event = !closed_ && writing_;
  return b;
}

void Connection::Send(std::string_view bytes, bool push) {
  if (closed_ || closing_) return;
  if (!push && client_.reply_mode == Client::ReplyMode::kOff) return;
  if (push && executing_ && RepliesMuted()) {
    // The running command's reply will be cut from out_ (CLIENT REPLY OFF / SKIP); a push it
    // caused, such as the invalidation of a key it wrote, is delivered all the same, as
    // Redis 7.0 does: it goes out after the cut.
    muted_pushes_.append(bytes);
    return;
  }
  out_.append(bytes);
  if (OverOutputLimit()) return;
  ScheduleFlush(push);
}

bool Connection::OverOutputLimit() {
  const OutputBufferLimit& limit = engine_.output_limit(client_);
  if (limit.hard == 0 && limit.soft == 0) return false;
  const uint64_t pending = out_.size() + (sending_.size() - sent_);
  bool over = limit.hard != 0 && pending > limit.hard;
  if (!over && limit.soft != 0 && pending > limit.soft) {
    const int64_t now = NowMs();
    if (soft_limit_since_ms_ == 0) {
      soft_limit_since_ms_ = now;
    } else if (now - soft_limit_since_ms_ > limit.soft_seconds * 1000) {
      over = true;
    }
  } else if (!over) {
    soft_limit_since_ms_ = 0;
  }
  if (!over) return false;
  // As Redis: the client is dropped with what it had not read yet, and the server's memory
  // goes back. Closed from the loop, not here: a publisher may be iterating subscribers.
  Log(LogLevel::kWarning,
      "Client id=%u addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.",
      client_.id, client_.addr);
  closing_ = true;
  out_.clear();
  out_.shrink_to_fit();
  UpdateInterest();
  loop_.Post([self = shared_from_this()] { self->Close(); });
  return true;
}

void Connection::ScheduleFlush(bool push) {
  if (!push) push_only_ = false;
  if (flush_state_ == FlushState::kScheduled) return;
  // A deferred flush takes more pushes along, up to a batch; a reply cannot wait for it.
  if (flush_state_ == FlushState::kDeferred && push && out_.size() < kMaxDeferredPushBytes) return;
  flush_state_ = FlushState::kScheduled;
  server_.FlushAtEndOfTurn(shared_from_this());
}

void Connection::FlushScheduled(bool may_defer) {
  if (flush_state_ != FlushState::kScheduled) return;  // flushed since it was scheduled
  if (may_defer && push_only_ && !writing_ && !closing_ && out_.size() < kMaxDeferredPushBytes) {
    flush_state_ = FlushState::kDeferred;
    server_.DeferFlush(shared_from_this());
    return;
  }
  flush_state_ = FlushState::kNone;
  Flush();
}

void Connection::FlushDeferred() {
  if (flush_state_ != FlushState::kDeferred) return;  // flushed or rescheduled since
  flush_state_ = FlushState::kNone;
  Flush();
}

void Connection::Resume() {
  // Posted rather than run inline: the caller is in the middle of serving another client's
  // command, and this client's pipelined commands must run after it completes.
  loop_.Post([self = shared_from_this()] {
    if (self->closed_ || self->client_.blocked) return;
    bool keep_open = self->ProcessInput();
    if (!keep_open) self->closing_ = true;
    self->Flush();
    if (self->engine_.shutdown_requested()) {
      self->server_.Stop();
      return;
    }
    self->UpdateInterest();
  });
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  engine_.RemoveClient(client_.id);
  if (uring_ != nullptr) {
    // Operations in flight are cancelled; a send's bytes (sending_) stay alive until the
    // kernel let go of them.
    uring_->Detach(slot_, self_);
  } else {
    loop_.Unwatch(fd_);
  }
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
  server_.OnConnectionClosed(this);
  // The caller may still be inside this object (an event handler, a command): release it
  // once the loop is back in control.
  loop_.Post([self = std::move(self_)] {});
}

// Inlined: the read path of every request.
[[gnu::always_inline]] inline bool Connection::EnsureReadSpace() {
  // Drop parsed bytes so that the unparsed tail starts at offset 0 (the parser keeps offsets
  // relative to the command start, so moving the tail is safe).
  const size_t capacity = rbuf_.capacity();
  if (rstart_ == rend_) {
    rstart_ = rend_ = 0;
  } else if (rstart_ > 0 && (capacity - rend_ < kMinReadSpace || rstart_ > capacity / 2)) {
    std::memmove(rbuf_.data(), rbuf_.data() + rstart_, rend_ - rstart_);
    rend_ -= rstart_;
    rstart_ = 0;
  }
  // Room for the rest of a bulk being read (under kBigBulk: a bigger one reads into a buffer
  // of its own), at least kMinReadSpace, and a whole read of read_size_ in an empty buffer.
  // realloc does not touch the new room: it costs memory once bytes arrive.
  const size_t wanted = std::min(parser_.bytes_wanted(), protocol::RequestParser::kBigBulk + 2);
  const size_t needed = std::max(read_size_, rend_ + std::max(kMinReadSpace, wanted));
  if (capacity >= needed) return true;
  return rbuf_.Grow(std::max(needed, capacity * 2));
}

void Connection::ShrinkReadBuffer() {
  if (rstart_ == rend_ && rbuf_.capacity() > kKeepReadBuffer) {
    rbuf_.Release();
    rstart_ = rend_ = 0;
  }
}

bool Connection::StartBigArg() {
  const size_t length = parser_.big_bulk_length();
  const size_t payload = rstart_ + parser_.big_bulk_offset();
  const size_t have = std::min(rend_ - payload, length);
  SharedBytes buffer = SharedBytes::Allocate(std::min(length, std::max(have, kBigArgInitial)));
  if (!buffer) return false;
  std::memcpy(buffer.data(), rbuf_.data() + payload, have);
  // What followed the payload (at most the first byte of its CRLF) moves up to the header.
  std::memmove(rbuf_.data() + payload, rbuf_.data() + payload + have, rend_ - payload - have);
  rend_ -= have;
  big_args_.push_back(std::move(buffer));
  big_filled_ = have;
  big_length_ = length;
  big_bytes_ += have;
  if (!FillingBigArg()) parser_.AttachBulk(big_args_.back().view());
  return true;
}

bool Connection::MakeBigArgRoom() {
  SharedBytes& buffer = big_args_.back();
  if (buffer.size() > big_filled_) return true;
  // Doubling, and exactly the argument's length at the end.
  return buffer.Resize(std::min(big_length_, std::max(kBigArgInitial, buffer.size() * 2)));
}

void Connection::DropBigArgs() {
  parser_.DropAttachedBulks();
  big_args_.clear();
  big_filled_ = big_length_ = big_bytes_ = 0;
}

size_t Connection::ReleaseIdleBuffers() {
  // Only buffers holding nothing: a half-read command or unsent output stays.
  size_t released = 0;
  if (rstart_ == rend_ && !HasBigArgs() && rbuf_.capacity() > 0) {
    released += rbuf_.capacity();
    rbuf_.Release();
    rstart_ = rend_ = 0;
  }
  if (out_.empty()) {
    released += out_.capacity();
    std::string().swap(out_);
  }
  if (!writing_ && sending_.empty()) {
    released += sending_.capacity();
    std::string().swap(sending_);
  }
  // INFO's mem_clients_normal and CLIENT LIST's qbuf-free show the release.
  client_.query_buffer_free = rbuf_.capacity() - rend_;
  reply_peak_ = out_.size();
  NoteBufferMemory();
  return released;
}

// Inlined: the read path of every request.
[[gnu::always_inline]] inline ssize_t Connection::Receive(char* into, size_t room) {
  if (uring_ != nullptr) {  // the bytes of the completion being handled (OnReceived)
    const size_t n = std::min(room, received_.size());
    if (n == 0) return 0;
    std::memcpy(into, received_.data(), n);
    received_.remove_prefix(n);
    client_.net_input_bytes += n;
    engine_.stats().total_net_input_bytes += n;
    client_.last_interaction_ms = NowMs();
    return static_cast<ssize_t>(n);
  }
  const ssize_t n = ::recv(fd_, into, room, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
  if (n <= 0) {  // the peer closed, or the connection failed
    Close();
    return 0;
  }
  ++engine_.stats().total_reads_processed;
  client_.net_input_bytes += n;
  engine_.stats().total_net_input_bytes += n;
  client_.last_interaction_ms = NowMs();
  return n;
}

// Inlined: the read path of every request.
[[gnu::always_inline]] inline bool Connection::ReadIntoBuffer() {
  if (!EnsureReadSpace()) {
    CloseOutOfMemory();
    return false;
  }
  const size_t room = rbuf_.capacity() - rend_;
  const ssize_t n = Receive(rbuf_.data() + rend_, room);
  if (n <= 0) return false;
  rend_ += static_cast<size_t>(n);
  if (static_cast<size_t>(n) == room && read_size_ < kMaxReadSize) read_size_ *= 2;
  return true;
}

bool Connection::ReadBigArg() {
  if (!MakeBigArgRoom()) {
    CloseOutOfMemory();
    return false;
  }
  const SharedBytes& arg = big_args_.back();
  const ssize_t n = Receive(arg.data() + big_filled_, arg.size() - big_filled_);
  if (n <= 0) return false;
  big_filled_ += static_cast<size_t>(n);
  big_bytes_ += static_cast<size_t>(n);
  if (FillingBigArg()) {  // nothing to parse before the argument is complete
    if (OverQueryLimit(PendingInput())) {
      Close();
    } else {
      client_.query_buffer_size = PendingInput();  // CLIENT LIST's qbuf
      NoteBufferMemory();
    }
    return false;
  }
  parser_.AttachBulk(arg.view());
  return true;
}

void Connection::OnReceived(std::string_view bytes) {
  // On epoll a closing connection no longer reads; here the bytes that still arrive are
  // dropped.
  if (closed_ || closing_) return;
  ++engine_.stats().total_reads_processed;
  // One completion may hold more than one read's room (the read buffer's, or a big
  // argument's): taken in as many steps, each as a read on epoll would have been.
  received_ = bytes;
  while (!received_.empty() && !closed_ && !closing_) OnReadable();
  received_ = {};
}

void Connection::OnReceiveEnded(int result) {
  if (closed_) return;
  // A peer that shut down its side after its last commands still gets the replies of this
  // turn: on epoll they left at the end of the turn, before the next turn's read saw the end;
  // here the end may come in the same batch as the commands. Then the connection closes. Output
  // already being sent from an earlier turn is dropped, as on epoll.
  if (result == 0 && !writing_ && flush_state_ != FlushState::kNone && !out_.empty()) {
    closing_ = true;
    return;
  }
  Close();
}

void Connection::CloseOutOfMemory() {
  Log(LogLevel::kWarning, "Out of memory reading from client id=%u: closing it", client_.id);
  Close();
}

void Connection::OnReadable() {
  // A big argument being filled takes the bytes until it is complete (and only its bytes).
  if (!(FillingBigArg() ? ReadBigArg() : ReadIntoBuffer())) return;
  // A blocked or paused client's commands wait unparsed; they still may not grow without
  // bound (ProcessInput, which checks the limit otherwise, does not run for it).
  if ((client_.blocked || client_.postponed) && OverQueryLimit(PendingInput())) {
    Close();
    return;
  }

  bool keep_open = ProcessInput();
  if (!keep_open) closing_ = true;
  if (!engine_.shutdown_requested()) {
    // Replies leave at the end of the turn, after every ready connection was served, as
    // Redis writes them in beforeSleep: the AOF is written once for the whole turn first (with
    // appendfsync always one fsync covers every connection served in it), and the clients get
    // their replies in one burst. Sent one by one between reads, each reply found its client
    // asleep again and paid a wake-up: perf showed 7% of the server's time in
    // sock_def_readable at MULTI/INCR/EXEC P1 against Redis's 1.6%.
    ScheduleFlush();
  } else {
    Flush();
  }
  if (engine_.shutdown_requested()) {
    server_.Stop();
    return;
  }
  UpdateInterest();
}

bool Connection::OverQueryLimit(size_t pending) const {
  static const Config::IntParam kQueryBufferLimit("client-query-buffer-limit");
  if (pending <= static_cast<size_t>(engine_.config().Int(kQueryBufferLimit))) {
    return false;
  }
  Log(LogLevel::kWarning, "Closing client that reached max query buffer length: id=%u", client_.id);
  return true;
}

size_t Connection::PrefetchAhead(size_t from) {
  const protocol::PeekedKeys peeked =
      protocol::PeekFirstKeys(std::string_view(rbuf_.data() + from, rend_ - from));
  if (peeked.count > 0) engine_.PrefetchKeys(client_.db, std::span(peeked.keys, peeked.count));
  // Nothing complete there: no new look until more bytes arrive.
  return peeked.commands == 0 ? rend_ : from + peeked.end;
}

bool Connection::ProcessInput() {
  size_t prefetched_to = rstart_;
  batch_start_ = rstart_;
  while (rstart_ < rend_ && !closed_ && !client_.blocked) {
    std::string_view data(rbuf_.data() + rstart_, rend_ - rstart_);
    protocol::ParseStatus status = parser_.Parse(data);
    if (status == protocol::ParseStatus::kNeedMore) {
      if (OverQueryLimit(PendingInput())) return false;
      if (!parser_.big_bulk_pending()) break;
      if (!StartBigArg()) {
        CloseOutOfMemory();
        return false;
      }
      // Complete already (all but the CRLF had arrived): parse on; else wait for the bytes.
      if (FillingBigArg()) break;
      continue;
    }
    if (status == protocol::ParseStatus::kError) {
      protocol::ReplyBuilder reply(&out_);
      reply.Error(parser_.error());
      Log(LogLevel::kVerbose, "Protocol error (%s) from client: id=%u addr=%s", parser_.error(),
          client_.id, client_.addr);
      return false;
    }
    const auto& args = parser_.args();
    size_t consumed = parser_.consumed();
    // The commands after this one are looked at before it runs, so that their keys' cache
    // misses overlap its work. A read of one command (pipeline 1) never pays for a peek.
    const size_t next = rstart_ + consumed;
    if (next >= prefetched_to && next < rend_) prefetched_to = PrefetchAhead(next);
    if (!args.empty()) {
      if (client_.reply_mode == Client::ReplyMode::kSkipNext) {
        client_.reply_mode = Client::ReplyMode::kSkip;
      }
      const size_t out_before = out_.size();
      executing_ = true;
      if (!HasBigArgs()) {
        engine_.Execute(client_, args, &out_);
      } else {
        LentBuffers::Scope lend(big_args_);
        engine_.Execute(client_, args, &out_);
      }
      executing_ = false;
      // CLIENT PAUSE held the command back: it stays in the buffer to be parsed again.
      if (client_.postponed) break;
      if (client_.master) out_.resize(out_before);
      // CLIENT REPLY OFF / SKIP: the command ran, its reply is dropped.
      if (RepliesMuted()) {
        out_.resize(out_before);
        if (client_.reply_mode == Client::ReplyMode::kSkip) {
          client_.reply_mode = Client::ReplyMode::kOn;
        }
      }
      if (!muted_pushes_.empty()) {
        out_.append(muted_pushes_);
        muted_pushes_.clear();
      }
      parser_.set_auth_required(!client_.authenticated && engine_.acl().AuthRequired());
    }
    if (client_.master) MasterConsumed(consumed, args);
    rstart_ += consumed;
    if (HasBigArgs()) DropBigArgs();
    if (client_.close_after_reply || engine_.shutdown_requested()) return false;
  }
  ShrinkReadBuffer();
  client_.query_buffer_size = PendingInput();
  client_.query_buffer_free = rbuf_.capacity() - rend_;
  NoteBufferMemory();
  return true;
}

void Connection::MasterConsumed(size_t consumed, std::span<const std::string_view> args) {
  if (!HasBigArgs()) {
    engine_.replication().MasterApplied(std::string_view(rbuf_.data() + rstart_, consumed));
    return;
  }
  // The big arguments' payloads left the read buffer: a master sends canonical multibulk, so
  // the command encoded again is the bytes it sent.
  std::string raw;
  persistence::AppendAofCommand(&raw, args);
  engine_.replication().MasterApplied(raw);
}

void Connection::InjectInput(std::string_view bytes) {
  if (bytes.empty() || closed_) return;
  if (rbuf_.capacity() - rend_ < bytes.size() && !rbuf_.Grow(rend_ + bytes.size())) {
    CloseOutOfMemory();
    return;
  }
  std::memcpy(rbuf_.data() + rend_, bytes.data(), bytes.size());
  rend_ += bytes.size();
  if (!ProcessInput()) closing_ = true;
  ScheduleFlush();
  UpdateInterest();
}

void Connection::NoteBufferMemory() { client_.buffer_memory = BufferMemory(); }

size_t Connection::BufferMemory() const {
  size_t big = 0;
  if (HasBigArgs()) {
    for (const SharedBytes& arg : big_args_) big += arg.size();
  }
  return sizeof(Connection) + rbuf_.capacity() + big + out_.capacity() + sending_.capacity();
}

ssize_t Connection::SendSome(std::string_view bytes) {
  ssize_t n;
  do {
    n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  client_.net_output_bytes += n;
  engine_.stats().total_net_output_bytes += n;
  return n;
}

void Connection::Flush() {
  if (closed_) return;
  push_only_ = true;
  // No reply may leave before the AOF has the writes it acknowledges (with appendfsync always,
  // before they are on disk).
  engine_.WritePendingAof();
  if (writing_ || out_.empty()) {
    if (!writing_ && closing_) {
      Close();
    } else if (!writing_ && client_.output_drained) {
      NotifyDrained();
    }
    return;
  }
  reply_peak_ = std::max(reply_peak_, out_.size());
  // Most replies fit in the socket buffer: one send, no wait for writability.
  ++engine_.stats().total_writes_processed;
  if (uring_ != nullptr) {
    QueueSend();
    return;
  }
  const ssize_t written = SendSome(out_);
  if (written < 0) {
    Close();
    return;
  }
  if (static_cast<size_t>(written) == out_.size()) {
    out_.clear();
    if (out_.capacity() > 1024 * 1024) out_.shrink_to_fit();
    if (closing_) {
      Close();
    } else if (client_.output_drained) {
      NotifyDrained();
    }
    return;
  }
  // The unsent replies change buffers instead of being copied (a 100 MB reply would be held
  // three times: the value, out_ and a copy in sending_).
  sending_.swap(out_);
  sent_ = static_cast<size_t>(written);
  out_.clear();
  writing_ = true;
  client_.output_buffer_size = sending_.size() - sent_;
  UpdateInterest();
}

void Connection::NotifyDrained() {
  // One-shot: the hook may queue more output and arm itself again.
  std::function<void()> hook = std::move(client_.output_drained);
  client_.output_drained = nullptr;
  hook();
}

void Connection::QueueSend() {
  // The output moves to sending_, which the kernel reads until OnSent; replies made meanwhile
  // gather in out_ and leave with the next send.
  sending_.swap(out_);
  sent_ = 0;
  out_.clear();
  writing_ = true;
  uring_->Send(slot_, sending_.data(), sending_.size());
}

void Connection::OnSent(int result) {
  if (closed_ || !writing_) return;
  if (result == -EINTR || result == -EAGAIN) {
    uring_->Send(slot_, sending_.data() + sent_, sending_.size() - sent_);
    return;
  }
  if (result < 0) {
    Close();
    return;
  }
  client_.net_output_bytes += result;
  engine_.stats().total_net_output_bytes += result;
  sent_ += static_cast<size_t>(result);
  if (sent_ < sending_.size()) {  // a short send: the rest, before anything newer
    client_.output_buffer_size = sending_.size() - sent_;
    uring_->Send(slot_, sending_.data() + sent_, sending_.size() - sent_);
    return;
  }
  SendingDone();
}

void Connection::SendingDone() {
  writing_ = false;
  client_.output_buffer_size = 0;
  sending_.clear();
  sent_ = 0;
  if (sending_.capacity() > 1024 * 1024) sending_.shrink_to_fit();
  NoteBufferMemory();
  Flush();
  UpdateInterest();
}

void Connection::OnWritable() {
  if (!writing_) return;
  while (sent_ < sending_.size()) {
    const ssize_t n = SendSome(std::string_view(sending_).substr(sent_));
    if (n < 0) {
      Close();
      return;
    }
    if (n == 0) {
      client_.output_buffer_size = sending_.size() - sent_;
      return;  // epoll reports the socket again when there is room
    }
    sent_ += static_cast<size_t>(n);
  }
  SendingDone();
}

}  // namespace rill
