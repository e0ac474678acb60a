#include "tests/support/resp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_format.h"

namespace rill::testing {
namespace {

// Parses one frame starting at `pos`; returns the end offset, nullopt if incomplete.
std::optional<size_t> FrameEnd(std::string_view buf, size_t pos) {
  if (pos >= buf.size()) return std::nullopt;
  size_t line_end = buf.find("\r\n", pos);
  if (line_end == std::string_view::npos) return std::nullopt;
  size_t after_line = line_end + 2;
  char type = buf[pos];
  std::string_view header = buf.substr(pos + 1, line_end - pos - 1);
  int64_t count = 0;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case '#':
    case ',':
    case '(':
      return after_line;
    case '$':
    case '!':
    case '=': {
      if (!ParseInt64(header, &count)) return after_line;
      if (count < 0) return after_line;  // RESP2 null bulk string.
      size_t end = after_line + static_cast<size_t>(count) + 2;
      if (end > buf.size()) return std::nullopt;
      return end;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      if (!ParseInt64(header, &count)) return after_line;
      if (count < 0) return after_line;  // RESP2 null array.
      int64_t elements = (type == '%' || type == '|') ? count * 2 : count;
      size_t cursor = after_line;
      for (int64_t i = 0; i < elements; ++i) {
        auto next = FrameEnd(buf, cursor);
        if (!next) return std::nullopt;
        cursor = *next;
      }
      if (type == '|') return FrameEnd(buf, cursor);  // The annotated reply follows.
      return cursor;
    }
    default:
      return after_line;  // Not RESP: surface the line as-is.
  }
}

}  // namespace

bool ParseInt64(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::string EncodeCommand(const std::vector<std::string>& argv) {
  std::string out = absl::StrFormat("*%d\r\n", argv.size());
  for (const auto& arg : argv) absl::StrAppendFormat(&out, "$%d\r\n%s\r\n", arg.size(), arg);
  return out;
}

std::optional<size_t> CompleteFrameLength(std::string_view buffer) { return FrameEnd(buffer, 0); }

std::string EscapeBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

RespClient::~RespClient() { Close(); }

void RespClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool RespClient::Connect(int port, std::chrono::milliseconds timeout) {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    last_error_ = "socket: " + std::string(strerror(errno));
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      last_error_ = "connect: " + std::string(strerror(errno));
      Close();
      return false;
    }
    pollfd pfd{fd_, POLLOUT, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) {
      last_error_ = "connect timed out";
      Close();
      return false;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last_error_ = "connect: " + std::string(strerror(err));
      Close();
      return false;
    }
  }
  return true;
}

bool RespClient::ShutdownWrite() { return fd_ >= 0 && ::shutdown(fd_, SHUT_WR) == 0; }

bool RespClient::SendRaw(std::string_view bytes) {
  size_t sent = 0;
  auto deadline = std::chrono::steady_clock::now() + kDefaultTimeout;
  while (sent < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The server may be writing replies back while we write; drain them into the buffer so
      // neither side blocks on a full socket.
      bool eof = false;
      pollfd pfd{fd_, POLLOUT | POLLIN, 0};
      poll(&pfd, 1, 100);
      if (pfd.revents & POLLIN) FillBuffer(std::chrono::steady_clock::now(), &eof);
      if (std::chrono::steady_clock::now() > deadline) {
        last_error_ = "send timed out";
        return false;
      }
      continue;
    }
    last_error_ = "send: " + std::string(strerror(errno));
    return false;
  }
  return true;
}

bool RespClient::FillBuffer(std::chrono::steady_clock::time_point deadline, bool* eof) {
  *eof = false;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd pfd{fd_, POLLIN, 0};
  int ready = poll(&pfd, 1, std::max<int>(0, static_cast<int>(remaining.count())));
  if (ready <= 0) {
    last_error_ = "read timed out";
    return false;
  }
  char chunk[65536];
  ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
  if (n > 0) {
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  if (n == 0 || errno == ECONNRESET) {
    *eof = true;
    last_error_ = "connection closed by server";
    return false;
  }
  if (errno == EAGAIN || errno == EINTR) return true;
  last_error_ = "recv: " + std::string(strerror(errno));
  return false;
}

std::string RespClient::ReadReply(std::chrono::milliseconds timeout) {
  if (fd_ < 0) {
    last_error_ = "not connected";
    return "";
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto length = CompleteFrameLength(buffer_)) {
      std::string reply = buffer_.substr(0, *length);
      buffer_.erase(0, *length);
      return reply;
    }
    bool eof = false;
    if (!FillBuffer(deadline, &eof)) {
      std::string partial = std::move(buffer_);
      buffer_.clear();
      return partial;
    }
  }
}

std::string RespClient::Command(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout) {
  if (!Send(argv)) return "";
  return ReadReply(timeout);
}

std::optional<std::string> RespClient::ReadUntilClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    bool eof = false;
    if (!FillBuffer(deadline, &eof)) {
      if (!eof) return std::nullopt;
      std::string all = std::move(buffer_);
      Close();
      return all;
    }
  }
}

}  // namespace rill::testing
