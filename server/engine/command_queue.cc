#include "server/engine/command_queue.h"

#include <utility>

namespace rill {
namespace {

// Buffers beyond this are freed by clear(): one huge transaction must not pin its memory for
// the rest of the connection's life.
constexpr size_t kKeptBytes = 64 * 1024;
constexpr size_t kKeptArgs = 4096;

}  // namespace

void CommandQueue::Add(Command* cmd, uint32_t flags, std::span<const std::string_view> args) {
  commands_.push_back(cmd);
  flags_ |= flags;
  first_arg_.push_back(arg_end_.size());
  for (std::string_view a : args) {
    bytes_.append(a);
    arg_end_.push_back(bytes_.size());
  }
}

void CommandQueue::clear() {
  flags_ = 0;
  if (bytes_.capacity() > kKeptBytes) {
    std::string().swap(bytes_);
  } else {
    bytes_.clear();
  }
  if (arg_end_.capacity() > kKeptArgs) {
    std::vector<size_t>().swap(arg_end_);
    std::vector<size_t>().swap(first_arg_);
    std::vector<std::string_view>().swap(views_);
    std::vector<Command*>().swap(commands_);
  } else {
    arg_end_.clear();
    first_arg_.clear();
    commands_.clear();
  }
}

void CommandQueue::swap(CommandQueue& other) noexcept {
  bytes_.swap(other.bytes_);
  arg_end_.swap(other.arg_end_);
  first_arg_.swap(other.first_arg_);
  views_.swap(other.views_);
  commands_.swap(other.commands_);
  std::swap(flags_, other.flags_);
}

std::string_view CommandQueue::arg(size_t command, size_t arg) const {
  const size_t index = first_arg_[command] + arg;
  const size_t start = index == 0 ? 0 : arg_end_[index - 1];
  return std::string_view(bytes_).substr(start, arg_end_[index] - start);
}

std::span<const std::string_view> CommandQueue::Args(size_t command) {
  views_.clear();
  const size_t n = argc(command);
  for (size_t a = 0; a < n; ++a) views_.push_back(arg(command, a));
  return views_;
}

}  // namespace rill
