#include "server/connection.h"

#include <algorithm>
#include <cstring>

#include "server/engine.h"
#include "server/log.h"
#include "server/server.h"

namespace rill {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr size_t kInitialReadBuffer = 16 * 1024;
constexpr size_t kMinReadSpace = 4 * 1024;
// Above this much pending output we stop reading until the client drains it: a client that
// pipelines without reading cannot grow our memory without bound.
constexpr size_t kOutputHighWater = 64 * 1024 * 1024;

std::string EndpointString(const tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  if (addr.is_v6()) return addr.to_string() + ":" + std::to_string(ep.port());
  return addr.to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

Connection::Connection(Server& server, tcp::socket socket)
    : server_(server), engine_(server.engine()), socket_(std::move(socket)) {
  boost::system::error_code ec;
  client_.id = engine_.NextClientId();
  client_.fd = socket_.native_handle();
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) client_.addr = EndpointString(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) client_.laddr = EndpointString(local);
  client_.created_ms = NowMs();
  client_.last_interaction_ms = client_.created_ms;
  client_.authenticated = engine_.config().String("requirepass").empty();
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  if (engine_.config().Int("tcp-keepalive") > 0) {
    socket_.set_option(asio::socket_base::keep_alive(true), ec);
  }
  protocol::ParserLimits limits;
  limits.max_bulk_len = engine_.config().Int("proto-max-bulk-len");
  parser_.set_limits(limits);
  // Before AUTH the parser refuses big multibulk/bulk headers, as Redis does for
  // unauthenticated clients, so a stranger cannot make the server allocate.
  parser_.set_auth_required(!client_.authenticated);
  rbuf_.resize(kInitialReadBuffer);
}

Connection::~Connection() = default;

void Connection::Start() {
  client_.kill = [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Close();
  };
  client_.send = [weak = weak_from_this()](std::string_view bytes) {
    if (auto self = weak.lock()) self->Send(bytes);
  };
  client_.resume = [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Resume();
  };
  engine_.AddClient(&client_);
  ReadSome();
}

void Connection::Send(std::string_view bytes) {
  if (closed_ || closing_) return;
  out_.append(bytes);
  if (OverOutputLimit()) return;
  ScheduleFlush();
}

bool Connection::OverOutputLimit() {
  const OutputBufferLimit& limit = engine_.output_limit(client_);
  if (limit.hard == 0 && limit.soft == 0) return false;
  const uint64_t pending = out_.size() + sending_.size();
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
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  return true;
}

void Connection::ScheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  server_.FlushAtEndOfTurn(shared_from_this());
}

void Connection::FlushScheduled() {
  flush_scheduled_ = false;
  Flush();
}

void Connection::Resume() {
  // Posted rather than run inline: the caller is in the middle of serving another client's
  // command, and this client's pipelined commands must run after it completes.
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->closed_ || self->client_.blocked) return;
    bool keep_open = self->ProcessInput();
    if (!keep_open) self->closing_ = true;
    self->Flush();
    if (self->engine_.shutdown_requested()) {
      self->server_.Stop();
      return;
    }
    if (!self->closing_ && !self->closed_ && !self->writing_) self->ReadSome();
  });
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  engine_.RemoveClient(client_.id);
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  server_.OnConnectionClosed(this);
}

void Connection::EnsureReadSpace() {
  // Drop parsed bytes so that the unparsed tail starts at offset 0 (the parser keeps offsets
  // relative to the command start, so moving the tail is safe).
  if (rstart_ == rend_) {
    rstart_ = rend_ = 0;
  } else if (rstart_ > 0 && (rbuf_.size() - rend_ < kMinReadSpace || rstart_ > rbuf_.size() / 2)) {
    std::memmove(rbuf_.data(), rbuf_.data() + rstart_, rend_ - rstart_);
    rend_ -= rstart_;
    rstart_ = 0;
  }
  size_t wanted = std::max(kMinReadSpace, parser_.bytes_wanted());
  if (rbuf_.size() - rend_ < wanted) {
    rbuf_.resize(std::max(rbuf_.size() * 2, rend_ + wanted));
  } else if (rend_ == 0 && rbuf_.size() > 4 * kInitialReadBuffer) {
    // A big request is done: give the memory back.
    rbuf_.resize(kInitialReadBuffer);
    rbuf_.shrink_to_fit();
  }
}

void Connection::ReadSome() {
  if (closed_ || reading_ || closing_) return;
  EnsureReadSpace();
  reading_ = true;
  socket_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      size_t n) { self->OnRead(ec, n); });
}

void Connection::OnRead(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  rend_ += n;
  client_.net_input_bytes += n;
  engine_.stats().total_net_input_bytes += n;
  client_.last_interaction_ms = NowMs();

  bool keep_open = ProcessInput();
  if (!keep_open) closing_ = true;
  if (engine_.aof().has_unwritten() && !engine_.shutdown_requested()) {
    // Writes of this turn wait in the AOF buffer: flush at the end of the turn, so that one
    // write (and with appendfsync always one fsync) covers every connection served in it,
    // as Redis writes its AOF once per event-loop iteration.
    ScheduleFlush();
  } else {
    Flush();
  }
  if (engine_.shutdown_requested()) {
    server_.Stop();
    return;
  }
  if (!closing_ && !closed_ && !(writing_ && out_.size() > kOutputHighWater)) ReadSome();
}

bool Connection::ProcessInput() {
  const size_t query_limit = static_cast<size_t>(engine_.config().Int("client-query-buffer-limit"));
  while (rstart_ < rend_ && !closed_ && !client_.blocked) {
    std::string_view data(rbuf_.data() + rstart_, rend_ - rstart_);
    protocol::ParseStatus status = parser_.Parse(data);
    if (status == protocol::ParseStatus::kNeedMore) {
      if (data.size() > query_limit) {
        Log(LogLevel::kWarning, "Closing client that reached max query buffer length: id=%u",
            client_.id);
        return false;
      }
      break;
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
    if (!args.empty()) {
      engine_.Execute(client_, args, &out_);
      parser_.set_auth_required(!client_.authenticated);
    }
    rstart_ += consumed;
    if (client_.close_after_reply || engine_.shutdown_requested()) return false;
  }
  client_.query_buffer_size = rend_ - rstart_;
  client_.query_buffer_free = rbuf_.size() - rend_;
  return true;
}

void Connection::Flush() {
  if (closed_) return;
  // No reply may leave before the AOF has the writes it acknowledges (with appendfsync always,
  // before they are on disk).
  engine_.WritePendingAof();
  if (writing_ || out_.empty()) {
    if (!writing_ && closing_) Close();
    return;
  }
  // Try a direct non-blocking write first: most replies fit in the socket buffer, and this
  // saves a round through the reactor.
  boost::system::error_code ec;
  size_t written = socket_.write_some(asio::buffer(out_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    Close();
    return;
  }
  client_.net_output_bytes += written;
  engine_.stats().total_net_output_bytes += written;
  if (written == out_.size()) {
    out_.clear();
    if (out_.capacity() > 1024 * 1024) out_.shrink_to_fit();
    if (closing_) Close();
    return;
  }
  sending_.assign(out_, written);
  out_.clear();
  writing_ = true;
  client_.output_buffer_size = sending_.size();
  asio::async_write(socket_, asio::buffer(sending_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
                      self->OnWritten(ec, n);
                    });
}

void Connection::OnWritten(const boost::system::error_code& ec, size_t n) {
  writing_ = false;
  client_.output_buffer_size = 0;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  client_.net_output_bytes += n;
  engine_.stats().total_net_output_bytes += n;
  sending_.clear();
  if (sending_.capacity() > 1024 * 1024) sending_.shrink_to_fit();
  Flush();
  if (!closing_ && !closed_ && !writing_) ReadSome();
}

}  // namespace rill
