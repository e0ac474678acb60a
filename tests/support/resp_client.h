// Blocking loopback client that speaks raw RESP: it returns each reply as the exact bytes the
// server sent, so tests can compare replies byte for byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rill::testing {

// Encodes argv as a RESP multibulk request: *<n>\r\n$<len>\r\n<arg>\r\n...
std::string EncodeCommand(const std::vector<std::string>& argv);

// Length of the first complete RESP2/RESP3 frame in `buffer` (an attribute frame `|` includes
// the reply it annotates), std::nullopt if the buffer holds only part of one. A malformed frame
// is reported as complete up to the end of its first line, so it surfaces in the test output
// instead of hanging the read.
std::optional<size_t> CompleteFrameLength(std::string_view buffer);

// Parses a whole decimal integer (no spaces); false if `text` is anything else.
bool ParseInt64(std::string_view text, int64_t* out);

// Escapes bytes for failure messages: \r \n \t \\ and non-printables as \xNN.
std::string EscapeBytes(std::string_view bytes);

class RespClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  RespClient() = default;
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Connects to 127.0.0.1:port; false if the connection is refused or times out.
  bool Connect(int port, std::chrono::milliseconds timeout = kDefaultTimeout);
  void Close();
  bool connected() const { return fd_ >= 0; }

  bool SendRaw(std::string_view bytes);
  // shutdown(SHUT_WR): the server reads the end of input; replies can still be read.
  bool ShutdownWrite();
  bool Send(const std::vector<std::string>& argv) { return SendRaw(EncodeCommand(argv)); }

  // Reads exactly one complete reply and returns its raw bytes. On timeout or a closed
  // connection returns what was read so far prefixed by nothing (possibly ""), and
  // last_error() says why.
  std::string ReadReply(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Send(argv) then ReadReply().
  std::string Command(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = kDefaultTimeout);

  // Switches the connection to RESP3 and returns the HELLO reply.
  std::string Hello3() { return Command({"HELLO", "3"}); }

  // Reads until the server closes the connection; returns every byte received before the close
  // (after any already-buffered bytes). std::nullopt if the connection stays open past timeout.
  std::optional<std::string> ReadUntilClosed(std::chrono::milliseconds timeout = kDefaultTimeout);

  const std::string& last_error() const { return last_error_; }

 private:
  // Appends what the socket has within the deadline. Returns false on timeout, error or EOF.
  bool FillBuffer(std::chrono::steady_clock::time_point deadline, bool* eof);

  int fd_ = -1;
  std::string buffer_;
  std::string last_error_;
};

}  // namespace rill::testing
