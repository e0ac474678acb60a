// One client connection: reads as much as the socket has, parses every complete command in
// the buffer, executes them in order, appends all replies to one output buffer and writes it
// with one syscall (DESIGN.md, execution model). Pipelining is the fast path.
//
// Two transports, chosen by the loop (server/net/event_loop.h): on epoll the connection reads
// when its socket is readable and sends at once; on io_uring (uring_ set) the bytes arrive as
// multishot-recv completions (OnReceived) and each flush queues one send, at most one in
// flight, submitted with the loop's next wait (OnSent continues it). The parsing, execution,
// limits and closing rules are the same code for both.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/shared_bytes.h"
#include "protocol/request_parser.h"
#include "server/engine/client.h"
#include "server/net/event_loop.h"
#include "server/net/read_buffer.h"
#include "server/net/uring_transport.h"

namespace rill {

class Engine;
class Server;

class Connection : public std::enable_shared_from_this<Connection>,
                   public EventLoop::Handler,
                   public UringTransport::Handler {
 public:
  // Takes ownership of `fd`, a connected non-blocking TCP socket.
  Connection(Server& server, int fd);
  ~Connection();

  void Start();
  // Closes the socket and releases the connection after the current event.
  void Close();
  void OnReady(bool readable, bool writable, bool failed) override;
  // The io_uring transport's completions.
  void OnReceived(std::string_view bytes) override;
  void OnReceiveEnded(int result) override;
  void OnSent(int result) override;

  Client& client() { return client_; }
  // Input that arrived before this connection owned its socket (a master's stream behind the
  // sync's reply): parsed and run as if just read.
  void InjectInput(std::string_view bytes);
  // The flush ScheduleFlush asked for, run by the server at the end of the event-loop turn.
  // With `may_defer`, output that is only pushes (pub/sub messages other clients published)
  // is handed to Server::DeferFlush instead: it goes out with the pushes of the turns to come.
  void FlushScheduled(bool may_defer);
  // The flush Server::DeferFlush held back, run when the loop goes idle or the deferral ends.
  void FlushDeferred();

 private:
  // Reads once (level-triggered: epoll reports the socket again if bytes are left).
  void OnReadable();
  // One recv into `into`, counted in the input statistics. Returns the bytes read, 0 when
  // there were none or the connection closed (it is then closed).
  ssize_t Receive(char* into, size_t room);
  // Reads into the read buffer, or into the big argument being filled. False when there is
  // nothing new to parse (no bytes, the argument is still incomplete, or the connection closed).
  bool ReadIntoBuffer();
  bool ReadBigArg();
  void CloseOutOfMemory();
  void OnWritable();
  // The socket took all of sending_ (either transport): frees it and sends what gathered since.
  void SendingDone();
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
  // Runs (and clears) Client::output_drained: everything queued so far has left.
  void NotifyDrained();
  // Flush's io_uring form: queues one send of the pending output (none may be in flight).
  void QueueSend();
  // One send of `bytes` (retried on EINTR), counted in the output statistics: the bytes the
  // socket took, 0 when it is full, -1 when the connection failed.
  ssize_t SendSome(std::string_view bytes);
  // Logs and returns true when `pending` unparsed bytes pass client-query-buffer-limit.
  bool OverQueryLimit(size_t pending) const;
  // The master client consumed `consumed` bytes from rstart_ (command `args`, or nothing for
  // keepalive newlines): its replies were dropped, the bytes go on as its replication stream.
  void MasterConsumed(size_t consumed, std::span<const std::string_view> args);
  // Bytes of input received and not yet executed: the read buffer's unparsed part and the
  // payloads of the current command's big arguments.
  size_t PendingInput() const { return rend_ - rstart_ + big_bytes_; }
  // Room for the next read in the read buffer; false when out of memory.
  bool EnsureReadSpace();
  // The parser waits for a big bulk's payload (protocol/request_parser.h): moves what already
  // arrived of it into a buffer of its own, where the next reads go. Returns false when out of
  // memory.
  bool StartBigArg();
  bool HasBigArgs() const { return big_length_ != 0; }
  // A big argument still receiving its payload.
  bool FillingBigArg() const { return big_filled_ < big_length_; }
  // Room in the big argument being filled for the next read; false when out of memory.
  bool MakeBigArgRoom();
  // The current command was consumed: its big arguments' buffers are let go (a key that kept
  // one holds its own reference).
  void DropBigArgs();
  // Frees a read buffer that grew for a big request once it holds nothing.
  void ShrinkReadBuffer();
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
  // Bytes the connection holds: its object and every buffer.
  size_t BufferMemory() const;
  // Whether the event loop is to report readability (see UpdateInterest).
  bool WantsRead() const;
  // CLIENT LIST's figures for this connection (Client::buffers).
  ClientBuffers Buffers() const;

  Server& server_;
  Engine& engine_;
  int fd_;
  EventLoop& loop_;
  // The io_uring transport and this socket's slot in it; nullptr on epoll.
  UringTransport* uring_;
  UringTransport::Slot slot_ = 0;
  // Under io_uring: the received bytes not yet taken by Receive (a completion's buffer, which
  // may hold more than one read's room).
  std::string_view received_;
  // Held while the connection is open; Close() hands it to the loop so that the object
  // outlives the event that closed it.
  std::shared_ptr<Connection> self_;
  Client client_;
  protocol::RequestParser parser_;

  ReadBuffer rbuf_;  // bytes read; [rstart_, rend_) not yet parsed
  size_t rstart_ = 0;
  size_t rend_ = 0;
  // Room the next read asks for: starts small, doubles (up to Redis's 16 KB read size) after a
  // read that filled all the room it had.
  size_t read_size_;
  // The current command's big arguments: each bulk of ParserLimits' kBigBulk bytes or more that
  // had not arrived when its header was parsed is read into a buffer of its own, exactly its
  // length once complete, and attached to the parser. While the last one fills
  // (big_filled_ < big_length_) reads go there. They are lent to the keyspace while the
  // command runs (common/shared_bytes.h), so SET keeps the value without a copy.
  std::vector<SharedBytes> big_args_;
  size_t big_filled_ = 0;  // payload bytes of big_args_.back() received
  size_t big_length_ = 0;  // its announced length (0: no big arguments)
  size_t big_bytes_ = 0;   // payload bytes received into all of big_args_
  std::string out_;        // replies being accumulated
  std::string sending_;    // replies the socket did not take yet; [sent_, size) left
  size_t sent_ = 0;
  bool writing_ = false;  // sending_ waits for the socket to become writable
  bool closing_ = false;  // close once output is flushed
  bool closed_ = false;
  enum class FlushState { kNone, kScheduled, kDeferred };
  FlushState flush_state_ = FlushState::kNone;
  // Nothing but pushes was queued since the last flush: nobody waits for a reply here.
  bool push_only_ = true;
  int64_t soft_limit_since_ms_ = 0;  // when pending output first passed the soft limit
  // CLIENT LIST: while a command runs, its arguments and the read buffer from where this batch
  // of commands started (Redis trims its query buffer only after the batch, so qbuf shows it);
  // the most bytes the reply buffer held since the buffers were last released (rbp).
  bool executing_ = false;
  // Pushes caused by the running command while its reply is muted (CLIENT REPLY OFF / SKIP);
  // appended to out_ once the reply was cut.
  std::string muted_pushes_;
  bool RepliesMuted() const {
    return client_.reply_mode == Client::ReplyMode::kOff ||
           client_.reply_mode == Client::ReplyMode::kSkip;
  }
  size_t batch_start_ = 0;
  size_t reply_peak_ = 0;
};

}  // namespace rill
