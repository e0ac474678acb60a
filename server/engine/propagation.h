// How writes leave the engine for the append-only file (and, later, replicas) in a
// deterministic form: Redis 7.0's call() / alsoPropagate() / propagatePendingCommands().
//
// Execution units. Commands are propagated per execution unit: a top-level command (an EXEC
// with all its queued commands is one), one blocked client served by another client's write,
// or one key deleted by the server outside any command (active expiry, eviction). A unit's
// commands are collected while it runs and handed to the sinks when it ends; a unit of more than
// one command is wrapped in MULTI ... EXEC, so a replica or an AOF replay applies it atomically
// (a write on a key that had expired becomes MULTI, DEL key, the write, EXEC, as in Redis).
//
// What a command propagates (Engine::Execute decides, see CommandContext in command.h):
//   - by default, when the dirty counter grew while it ran: its arguments as sent;
//   - a handler whose effect is not deterministic on replay rewrites that form
//     (CommandContext::RewriteCommand / RewriteArgument: SET EX -> SET PXAT, XADD * -> XADD
//     <id> ...), or propagates other commands itself (Engine::Propagate, e.g. XREADGROUP as
//     XCLAIMs) and suppresses its own form (CommandContext::PreventPropagation);
//   - FLUSHALL/FLUSHDB are propagated even when nothing was removed (ForcePropagation);
//   - EXEC is never propagated itself (its commands are).
// Keys the server deletes on its own reach the sinks through Engine::PropagateServerDeletion.
//
// Sinks choose their own SELECT: each remembers the database it last wrote for.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

class Propagator {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // One command of a finished unit, RESP-encoded, for database `db`.
    virtual void Feed(int db, std::string_view resp_command) = 0;
    // Fast path for the common unit of one command: the buffer the command may be encoded
    // into directly (the sink has written what precedes it, such as a SELECT), or nullptr to
    // go through Feed. While the propagator holds it, the sink must call
    // Propagator::ReleaseDirect before it writes out or drops that buffer.
    virtual std::string* DirectBuffer(int db) { return nullptr; }
  };

  void AddSink(Sink* sink);
  void RemoveSink(Sink* sink);
  // False when nobody listens (or while paused): then propagation costs nothing.
  bool active() const { return !sinks_.empty() && !paused_; }
  // While an AOF is replayed nothing may be propagated again (Redis's server.loading).
  void set_paused(bool paused) { paused_ = paused; }

  // Units nest (EXEC runs commands inside one); only the outermost End hands them over.
  void BeginUnit() { ++depth_; }
  void EndUnit() {
    if (--depth_ == 0 && !ops_.empty()) Flush();
  }
  bool in_unit() const { return depth_ > 0; }

  // Adds a command to the current unit (outside any unit: propagates it right away, alone).
  void Add(int db, std::span<const std::string_view> args);
  void Add(int db, std::initializer_list<std::string_view> args) {
    Add(db, std::span<const std::string_view>(args.begin(), args.size()));
  }
  void Add(int db, const std::vector<std::string>& args);
  // Takes a command encoded straight into a sink's buffer back into the unit's own buffer
  // (see Sink::DirectBuffer). Cheap when there is none.
  void ReleaseDirect() {
    if (direct_ != nullptr) TakeBackDirect();
  }

 private:
  struct Op {
    int db;
    size_t begin;  // bytes of pending_
    size_t end;
  };
  void Flush();
  void TakeBackDirect();

  std::vector<Sink*> sinks_;
  std::string pending_;  // the unit's commands, RESP-encoded back to back
  std::vector<Op> ops_;
  int depth_ = 0;
  bool paused_ = false;
  // The unit's first command, encoded into the only sink's buffer from direct_begin_ on.
  std::string* direct_ = nullptr;
  size_t direct_begin_ = 0;
};

}  // namespace rill
