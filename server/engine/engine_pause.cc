// Engine: CLIENT PAUSE / UNPAUSE (see engine.h). A postponed client keeps its command unread in
// its connection (Client::postponed) and runs it again, in pause order, when the pause ends.
#include <algorithm>
#include <limits>

#include "server/engine/engine.h"

namespace rill {

void Engine::PauseClients(PausePurpose purpose, PauseType type, int64_t end_ms) {
  PauseEvent& event = pauses_[static_cast<int>(purpose)];
  if (event.type == PauseType::kNone) {
    event = PauseEvent{type, end_ms};
  } else {
    event.type = std::max(event.type, type);
    event.end_ms = std::max(event.end_ms, end_ms);
  }
  UpdatePause(std::numeric_limits<int64_t>::min());
  ArmPauseTimer();
}

void Engine::ArmPauseTimer() {
  if (pause_type_ == PauseType::kNone) return;
  RunAfter(std::max<int64_t>(0, pause_end_ms_ - NowMs()), [this] {
    CheckPauseTimeout(NowMs());
    // Extended after this timer was armed: wait for the new end.
    if (pause_type_ != PauseType::kNone) ArmPauseTimer();
  });
}

void Engine::CheckPauseTimeout(int64_t now_ms) {
  if (pause_type_ == PauseType::kNone) return;
  if (now_ms >= pause_end_ms_) UpdatePause(now_ms + 1);
}

void Engine::UnpauseClients(PausePurpose purpose) {
  pauses_[static_cast<int>(purpose)] = PauseEvent{};
  // The other purpose's pause, if any, may have ended meanwhile (hidden behind this one).
  UpdatePause(NowMs());
  ArmPauseTimer();
}

void Engine::UpdatePause(int64_t expire_before) {
  const PauseType old_type = pause_type_;
  PauseType type = PauseType::kNone;
  int64_t end = 0;
  for (PauseEvent& event : pauses_) {
    if (event.type == PauseType::kNone) continue;
    if (event.end_ms < expire_before) {
      event = PauseEvent{};
    } else if (event.type > type) {
      type = event.type;
      end = event.end_ms;
    } else if (event.type == type) {
      end = std::max(end, event.end_ms);
    }
  }
  pause_type_ = type;
  pause_end_ms_ = end;
  if (type != PauseType::kNone) {
    // A paused server's dataset stands still: nothing expires (lazily or actively) or is
    // evicted.
    for (auto& db : databases_) db->set_expire_deletes(false);
  }
  if (type >= old_type) return;
  if (type == PauseType::kNone) ReplicaModeChanged();  // deletions back on, unless a replica
  std::vector<Client*> postponed = std::move(postponed_);
  postponed_.clear();
  // Each resume is posted by its connection, so they run in this order after the current
  // command, as Redis unblocks postponed clients in the order they came; a command still held
  // by the remaining pause is postponed again.
  for (Client* client : postponed) {
    client->postponed = false;
    client->blocked = false;
    if (client->resume) client->resume();
  }
  if (type == PauseType::kNone && evictor_.maxmemory() != 0) {
    RunAfter(0, [this] { evictor_.Perform(); });
  }
}

bool Engine::ShouldPostpone(const Client& client, const Command& cmd, uint32_t flags) {
  if (pause_type_ == PauseType::kAll) return true;
  constexpr uint32_t kMayChange = kCmdWrite | kCmdMayReplicate;
  if (flags & kMayChange) return true;
  return &cmd == exec_command_ && (client.multi_queue.flags() & kMayChange) != 0;
}

}  // namespace rill
