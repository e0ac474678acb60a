// CommandQueue: the commands a client queued inside MULTI, kept for EXEC, each with the command
// it resolved to when queued (EXEC does not look it up again) and the OR of their flags (Redis's
// mstate.cmd_flags: whether the transaction writes, may replicate, is denied on OOM).
//
// One byte buffer holds every argument back to back, with their end offsets beside it, instead
// of a vector of strings per command: queueing a command then costs no allocation once the
// buffers have grown, and a client running transactions in a loop reuses them (what that saved
// against a vector of strings per command: bench/README.md, levers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

struct Command;

class CommandQueue {
 public:
  void Add(Command* cmd, uint32_t flags, std::span<const std::string_view> args);
  size_t size() const { return first_arg_.size(); }
  bool empty() const { return first_arg_.empty(); }
  // Forgets the commands; keeps the buffers unless they grew past a few transactions' worth.
  void clear();
  void swap(CommandQueue& other) noexcept;

  Command* command(size_t command) const { return commands_[command]; }
  // CLIENT LIST's multi-mem as Redis 7.0 counts it (mstate.argv_len_sums): the queued
  // arguments' lengths plus a pointer per argument.
  size_t argv_len_sums() const { return bytes_.size() + sizeof(void*) * arg_end_.size(); }
  // Bytes the queue's buffers hold (a client's tot-mem).
  size_t MemoryUsage() const {
    return bytes_.capacity() + sizeof(size_t) * (arg_end_.capacity() + first_arg_.capacity()) +
           sizeof(std::string_view) * views_.capacity() + sizeof(Command*) * commands_.capacity();
  }
  // The flags of every queued command, or-ed.
  uint32_t flags() const { return flags_; }

  size_t argc(size_t command) const { return LastArg(command) - first_arg_[command]; }
  // Argument `arg` (< argc) of command `command`; valid until the next Add or clear.
  std::string_view arg(size_t command, size_t arg) const;
  // All arguments of `command`, valid until the next Args, Add or clear (the views live in a
  // buffer of the queue's, reused from command to command).
  std::span<const std::string_view> Args(size_t command);

 private:
  size_t LastArg(size_t command) const {
    return command + 1 < first_arg_.size() ? first_arg_[command + 1] : arg_end_.size();
  }

  std::string bytes_;
  std::vector<size_t> arg_end_;    // end offset in bytes_ of every argument, in order
  std::vector<size_t> first_arg_;  // index into arg_end_ of each command's first argument
  std::vector<std::string_view> views_;
  std::vector<Command*> commands_;
  uint32_t flags_ = 0;
};

}  // namespace rill
