#include "server/engine/propagation.h"

#include <algorithm>

#include "persistence/aof_command.h"

namespace rill {

namespace {
constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
// A unit's buffer is kept for reuse unless one huge command blew it up.
constexpr size_t kKeepCapacity = 64 * 1024;
}  // namespace

void Propagator::AddSink(Sink* sink) {
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
}

void Propagator::RemoveSink(Sink* sink) {
  ReleaseDirect();
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Propagator::Add(int db, std::span<const std::string_view> args) {
  if (!active()) return;
  if (ops_.empty() && sinks_.size() == 1) {
    // Most units are one command for one sink: encode it where it ends up. Should a second
    // command follow, the first is taken back to be wrapped in MULTI/EXEC with it.
    if (std::string* buffer = sinks_.front()->DirectBuffer(db)) {
      direct_begin_ = buffer->size();
      persistence::AppendAofCommand(buffer, args);
      if (depth_ == 0) return;
      direct_ = buffer;
      ops_.push_back(Op{db, 0, 0});
      return;
    }
  }
  ReleaseDirect();
  size_t begin = pending_.size();
  persistence::AppendAofCommand(&pending_, args);
  ops_.push_back(Op{db, begin, pending_.size()});
  if (depth_ == 0) Flush();
}

void Propagator::Add(int db, const std::vector<std::string>& args) {
  if (!active()) return;
  std::vector<std::string_view> views(args.begin(), args.end());
  Add(db, views);
}

void Propagator::TakeBackDirect() {
  // The SELECT the sink wrote before it stays: MULTI goes to the same database.
  pending_.assign(*direct_, direct_begin_);
  direct_->resize(direct_begin_);
  ops_.front().begin = 0;
  ops_.front().end = pending_.size();
  direct_ = nullptr;
}

void Propagator::Flush() {
  if (direct_ != nullptr) {  // the unit's only command is already in place
    direct_ = nullptr;
    ops_.clear();
    return;
  }
  std::string_view pending(pending_);
  // Redis takes MULTI's database from the first command and EXEC's from the last, so that
  // neither needs a SELECT of its own.
  const bool wrap = ops_.size() > 1;
  for (Sink* sink : sinks_) {
    if (wrap) sink->Feed(ops_.front().db, kMulti);
    for (const Op& op : ops_) sink->Feed(op.db, pending.substr(op.begin, op.end - op.begin));
    if (wrap) sink->Feed(ops_.back().db, kExec);
  }
  ops_.clear();
  pending_.clear();
  if (pending_.capacity() > kKeepCapacity) pending_.shrink_to_fit();
}

}  // namespace rill
