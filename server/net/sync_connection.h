// A blocking outbound TCP connection with per-call timeouts, as Redis's connBlockingConnect /
// connSyncWrite / connSyncReadLine (syncio.c): MIGRATE talks to the target server this way,
// holding the event loop like Redis does, for at most its timeout per step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rill {

class SyncConnection {
 public:
  // Resolves `host` (a name or an IPv4/IPv6 address) and starts a connection, waiting up to
  // `timeout_ms` for it. nullptr when no connect could even start (an unknown host, an
  // immediate refusal); a connection that then fails to come up fails its first write.
  static std::unique_ptr<SyncConnection> Connect(const std::string& host, int port,
                                                 int64_t timeout_ms);
  ~SyncConnection();
  SyncConnection(const SyncConnection&) = delete;
  SyncConnection& operator=(const SyncConnection&) = delete;

  // Writes all of `data` within `timeout_ms`; false on an error or the timeout (then
  // timed_out() tells which).
  bool WriteAll(std::string_view data, int64_t timeout_ms);
  // Reads one line (up to "\n", the "\r\n" dropped, at most `max` bytes kept) within
  // `timeout_ms`; false on an error, the peer closing, or the timeout.
  bool ReadLine(std::string* line, size_t max, int64_t timeout_ms);
  bool timed_out() const { return timed_out_; }

 private:
  explicit SyncConnection(int fd) : fd_(fd) {}
  // Waits until the socket is readable (or writable) or the deadline passes.
  bool Wait(bool writable, int64_t deadline_ms);

  int fd_;
  bool timed_out_ = false;
};

}  // namespace rill
