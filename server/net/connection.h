// One client connection: reads as much as the socket has, parses every complete command in
// the buffer, executes them in order, appends all replies to one output buffer and writes it
// with one syscall (DESIGN.md, execution model). Pipelining is the fast path.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "protocol/request_parser.h"
#include "server/engine/client.h"
#include "server/net/event_loop.h"

namespace rill {

class Engine;
class Server;

class Connection : public std::enable_shared_from_this<Connection>, public EventLoop::Handler {
 public:
  // Takes ownership of `fd`, a connected non-blocking TCP socket.
  Connection(Server& server, int fd);
  ~Connection();

  void Start();
  // Closes the socket and releases the connection after the current event.
  void Close();
  void OnReady(bool readable, bool writable, bool failed) override;

  Client& client() { return client_; }
  // The flush ScheduleFlush asked for, run by the server at the end of the event-loop turn.
  // With `may_defer`, output that is only pushes (pub/sub messages other clients published)
  // is handed to Server::DeferFlush instead: it goes out with the pushes of the turns to come.
  void FlushScheduled(bool may_defer);
  // The flush Server::DeferFlush held back, run when the loop goes idle or the deferral ends.
  void FlushDeferred();

 private:
  // Reads once (level-triggered: epoll reports the socket again if bytes are left).
  void OnReadable();
  void OnWritable();
  // Whether epoll should report readability: not while closing, nor while a client that
  // does not read its replies has more than the high-water mark pending.
  void UpdateInterest();
  // Frees the read and write buffers when they hold nothing (the cron calls this for idle
  // clients, as Redis frees idle clients' query buffers). Returns the bytes freed.
  size_t ReleaseIdleBuffers();
  // Parses and executes every complete command in the read buffer. Returns false when the
  // connection must close after flushing (protocol error, QUIT, kill).
  bool ProcessInput();
  // Prefetches the keys of the commands in the read buffer from offset `from` on (at most a
  // batch, protocol/key_peek.h); returns the offset up to which they were covered, where the
  // next look ahead starts.
  size_t PrefetchAhead(size_t from);
  void Flush();
  // One send of `bytes` (retried on EINTR), counted in the output statistics: the bytes the
  // socket took, 0 when it is full, -1 when the connection failed.
  ssize_t SendSome(std::string_view bytes);
  // Logs and returns true when `pending` unparsed bytes pass client-query-buffer-limit.
  bool OverQueryLimit(size_t pending) const;
  void EnsureReadSpace();
  // Queues bytes produced outside this client's own commands (see Client::send and push);
  // replies but not pushes are dropped under CLIENT REPLY OFF.
  void Send(std::string_view bytes, bool push);
  // Runs the commands that were waiting behind a blocking command (see Client::resume).
  void Resume();
  // Flushes at the end of the current event-loop turn (once, however many sends). `push`:
  // the bytes are a pub/sub message from another client's command, which may wait for more.
  void ScheduleFlush(bool push = false);
  // Applies client-output-buffer-limit; true when the client was scheduled to close.
  bool OverOutputLimit();
  // Refreshes client_.buffer_memory.
  void NoteBufferMemory();

  Server& server_;
  Engine& engine_;
  int fd_;
  EventLoop& loop_;
  // Held while the connection is open; Close() hands it to the loop so that the object
  // outlives the event that closed it.
  std::shared_ptr<Connection> self_;
  Client client_;
  protocol::RequestParser parser_;

  std::string rbuf_;  // bytes read; [rstart_, rend_) not yet parsed
  size_t rstart_ = 0;
  size_t rend_ = 0;
  std::string out_;      // replies being accumulated
  std::string sending_;  // replies the socket did not take yet; [sent_, size) left
  size_t sent_ = 0;
  bool writing_ = false;  // sending_ waits for the socket to become writable
  bool closing_ = false;  // close once output is flushed
  bool closed_ = false;
  enum class FlushState { kNone, kScheduled, kDeferred };
  FlushState flush_state_ = FlushState::kNone;
  // Nothing but pushes was queued since the last flush: nobody waits for a reply here.
  bool push_only_ = true;
  int64_t soft_limit_since_ms_ = 0;  // when pending output first passed the soft limit
};

}  // namespace rill
