// Per-connection state that commands read and change (selected db, protocol version, name...).
// Owned by the Connection; the Engine keeps a registry of all live clients for CLIENT LIST etc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/string_util.h"
#include "server/engine/command_queue.h"

namespace rill {

namespace acl {
class User;
}  // namespace acl
struct ClientTracking;

// A connection's buffers as CLIENT LIST shows them (Redis 7.0's fields of the same names), read
// from the connection when asked (Client::buffers) so that its read and write paths pay nothing.
struct ClientBuffers {
  size_t qbuf = 0;           // input received and not yet moved into a command's arguments
  size_t qbuf_free = 0;      // room left in the read buffer
  size_t argv_mem = 0;       // lengths of the arguments of the command running or being received
  size_t rbs = 0;            // capacity of the reply buffer, where replies accumulate
  size_t rbp = 0;            // the most bytes it held since the buffers were last released
  size_t obl = 0;            // bytes in the reply buffer not yet handed to the socket
  size_t oll = 0;            // blocks of output waiting for the socket to take them (0 or 1)
  size_t omem = 0;           // bytes those blocks hold
  size_t memory = 0;         // everything the connection holds: its object, every buffer
  bool read_event = false;   // the event loop reports readability (events=r)
  bool write_event = false;  // ... and writability (events=w)
};

struct Client {
  uint64_t id = 0;
  std::string name;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of the local side
  // The peer is 127.0.0.1 or ::1 exactly (IsLocalPeer, server/net/socket_address.h): what the
  // "local" setting of enable-protected-configs and enable-debug-command trusts. Internal
  // clients without a peer are not local.
  bool local_peer = false;
  int fd = -1;
  int db = 0;
  int resp = 2;
  bool authenticated = false;
  bool no_evict = false;  // CLIENT NO-EVICT (the 'e' flag): never chosen by client eviction
  bool monitor = false;   // MONITOR was sent
  // Replication (server/repl/replication.h): a replica that said SYNC/PSYNC (flags S), our
  // master's link applying its stream (flags M; its replies are dropped).
  bool replica = false;
  bool master = false;
  // The replication offset right after this client's last top-level command (WAIT waits for
  // replicas to acknowledge it, Redis's c->woff).
  int64_t repl_offset = 0;
  // The ACL user the client runs as, and its name (CLIENT LIST's user=, CLIENT KILL USER). Both
  // change together (Engine::SetClientUser). nullptr runs unrestricted, as Redis's internal
  // clients without a user do.
  const acl::User* acl_user = nullptr;
  std::string user = "default";
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_command = "NULL";
  // Sizes the connection reports for CLIENT LIST / INFO clients.
  size_t query_buffer_size = 0;
  size_t query_buffer_free = 0;
  size_t output_buffer_size = 0;
  // Bytes the connection holds for this client (buffers and its own object): INFO memory's
  // mem_clients_normal and MEMORY STATS clients.normal.
  size_t buffer_memory = 0;
  uint64_t total_commands = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;

  // CLIENT REPLY: kOff drops every reply (and message) to this client; kSkipNext drops the
  // reply of the next command, which runs as kSkip; the connection applies it.
  enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext, kSkip };
  ReplyMode reply_mode = ReplyMode::kOn;

  // Set by commands: close the connection after the reply is written (QUIT, CLIENT KILL).
  bool close_after_reply = false;
  // Asks the owning connection to close now (CLIENT KILL from another client).
  std::function<void()> kill;

  // Appends bytes to this client's output from outside its own command processing: the reply
  // of a blocking command served by another client's write, a pub/sub message. The connection
  // flushes them once per event-loop turn, so many sends in one command cost one write.
  std::function<void(std::string_view bytes)> send;
  // The connection's live buffer figures (see ClientBuffers); unset for clients without one.
  std::function<ClientBuffers()> buffers;
  // Gives back the connection's empty I/O buffers (called for clients idle a while); returns
  // the bytes freed.
  std::function<size_t()> release_idle_buffers;
  // Called once, then cleared, when the connection has handed all its output to the socket
  // (at its next flush if nothing is pending). The hook may queue more and arm itself again:
  // Replication sends a disk-based full sync's RDB this way, a chunk each time the socket took
  // the last one, instead of queueing the whole file.
  std::function<void()> output_drained;
  // The same for push messages (pub/sub): unlike replies, CLIENT REPLY OFF does not drop them,
  // as in Redis 7.0.
  std::function<void(std::string_view bytes)> push;

  // Set by a blocking command that has to wait (BLPOP, XREAD BLOCK ...): the connection runs
  // none of the commands pipelined behind it until the waiter clears `blocked` and calls
  // `resume`, which happens after the serving command's reply is sent with `send`.
  bool blocked = false;
  std::function<void()> resume;
  // Set with `blocked` by CLIENT PAUSE: the command that was about to run was not processed;
  // the connection keeps it in its buffer and runs it again on `resume`.
  bool postponed = false;
  // Set while EXEC runs queued commands: blocking commands then act as their non-blocking
  // form (reply as on timeout instead of waiting), as in Redis.
  bool no_block = false;

  // MULTI/EXEC (server/commands/transactions.cc). `in_exec` is set while EXEC runs the queued
  // commands (CLIENT LIST then still shows the transaction, and ACL refusals say that the rules
  // changed since queueing), `exec_count` being their number.
  bool in_multi = false;
  bool in_exec = false;
  size_t exec_count = 0;
  bool multi_aborted = false;  // a command failed to queue: EXEC replies EXECABORT
  CommandQueue multi_queue;
  // WATCH: keys by (db, key); `watch_dirty` is set when any of them is touched.
  std::vector<std::pair<int, std::string>> watched;
  bool watch_dirty = false;

  // Pub/Sub subscriptions (server/engine/pubsub.h).
  StringSet channels;
  StringSet patterns;
  StringSet shard_channels;
  size_t subscription_count() const { return channels.size() + patterns.size(); }
  bool subscribed() const { return subscription_count() + shard_channels.size() > 0; }

  // CLIENT TRACKING (server/engine/tracking.h): null until the client first turns it on; owned
  // by the engine's Tracking.
  ClientTracking* tracking = nullptr;
};

}  // namespace rill
