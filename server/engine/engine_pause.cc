// Engine: CLIENT PAUSE / UNPAUSE (see engine.h). A postponed client keeps its command unread in
// its connection (Client::postponed) and runs it again, in pause order, when the pause ends.
#include <algorithm>

#include "server/engine/engine.h"

namespace rill {

void Engine::PauseClients(PauseType type, int64_t end_ms) {
  if (static_cast<int>(type) > static_cast<int>(pause_type_)) pause_type_ = type;
  pause_end_ms_ = std::max(pause_end_ms_, end_ms);
  // A paused server's dataset stands still: nothing expires (lazily or actively) or is evicted.
  for (auto& db : databases_) db->set_expire_deletes(false);
  ArmPauseTimer();
}

void Engine::ArmPauseTimer() {
  RunAfter(std::max<int64_t>(0, pause_end_ms_ - NowMs()), [this] {
    CheckPauseTimeout(NowMs());
    // Extended after this timer was armed: wait for the new end.
    if (pause_type_ != PauseType::kNone) ArmPauseTimer();
  });
}

void Engine::CheckPauseTimeout(int64_t now_ms) {
  if (pause_type_ == PauseType::kNone) return;
  if (now_ms >= pause_end_ms_) UnpauseClients();
}

void Engine::UnpauseClients() {
  pause_type_ = PauseType::kNone;
  pause_end_ms_ = 0;
  ReplicaModeChanged();  // deletions back on, unless this is a replica
  std::vector<Client*> postponed = std::move(postponed_);
  postponed_.clear();
  // Each resume is posted by its connection, so they run in this order after the current
  // command, as Redis unblocks postponed clients in the order they came.
  for (Client* client : postponed) {
    client->postponed = false;
    client->blocked = false;
    if (client->resume) client->resume();
  }
  if (evictor_.maxmemory() != 0) RunAfter(0, [this] { evictor_.Perform(); });
}

bool Engine::ShouldPostpone(const Client& client, const Command& cmd, uint32_t flags) {
  if (pause_type_ == PauseType::kAll) return true;
  constexpr uint32_t kMayChange = kCmdWrite | kCmdMayReplicate;
  if (flags & kMayChange) return true;
  return &cmd == exec_command_ && (client.multi_queue.flags() & kMayChange) != 0;
}

}  // namespace rill
