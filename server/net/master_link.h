// The replica's side of replication on the network (Redis's connectWithMaster /
// syncWithMaster / readSyncBulkPayload): a non-blocking socket to the master driven by the event
// loop, the 7.0 handshake (PING, AUTH with masterauth/masteruser, REPLCONF listening-port,
// REPLCONF capa eof capa psync2, PSYNC), the RDB of a full sync (`$<len>` or the diskless
// `$EOF:<40 bytes>` form) handed to a SyncReceiver (server/repl/sync_receiver.h: to disk or
// from the socket, as repl-diskless-load says), and then the hand-over of the socket to a
// Connection whose client is the master client (server/repl/replication.h has the state this
// reports to).
//
// A failed attempt (refused connection, error reply, broken RDB) closes the socket; the cron
// tries again about once a second, as Redis does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/net/event_loop.h"
#include "server/repl/sync_receiver.h"

namespace rill {

class Engine;
class Server;

class MasterLink final : public EventLoop::Handler {
 public:
  explicit MasterLink(Server& server);
  ~MasterLink();
  MasterLink(const MasterLink&) = delete;
  MasterLink& operator=(const MasterLink&) = delete;

  // Starts a connection to the master Replication names (dropping any earlier link).
  void Connect();
  // Drops the link: the handshake socket or the master client's connection.
  void Disconnect();
  // Retries a failed link and gives up on a handshake that stalled past repl-timeout.
  void Cron();
  void OnReady(bool readable, bool writable, bool failed) override;

 private:
  enum class Step { kIdle, kConnecting, kPong, kAuth, kPort, kCapa, kPsync, kBulkHeader, kPayload };
  void Fail(std::string_view why);
  void CloseSocket();
  void Send(const std::vector<std::string>& args);
  // Takes one line (without CR LF) off the input; false when none is complete.
  bool TakeLine(std::string* line);
  // Runs the handshake steps on what the input holds.
  void Advance();
  void SendAfterAuth();
  // The RDB of a full sync arrived: load it, then hand the socket over.
  void LoadPayload();
  void HandOver();

  Server& server_;
  Engine& engine_;
  int fd_ = -1;
  Step step_ = Step::kIdle;
  std::string in_;
  // The RDB of a full sync: to a file or memory as repl-diskless-load says.
  SyncReceiver receiver_;
  std::string sync_replid_;
  int64_t sync_offset_ = 0;
  int skip_replies_ = 0;  // handshake replies to skip before the current step's
  int64_t step_started_ms_ = 0;
  int64_t last_attempt_ms_ = 0;
};

}  // namespace rill
