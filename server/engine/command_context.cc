#include "server/engine/command_context.h"

#include "protocol/errors.h"
#include "server/engine/engine.h"

namespace rill {

ds::Database& CommandContext::db() { return engine.db(client.db); }

ds::KeySlot CommandContext::FindKey(std::string_view key, KeyAccess access) {
  ds::KeySlot slot = db().Locate(key, now_ms, access.touch);
  if (access.write) return slot;
  if (slot.entry() != nullptr) {
    ++engine.stats().keyspace_hits;
  } else {
    ++engine.stats().keyspace_misses;
    if (access.notify_miss) engine.NotifyKeyspaceEvent('m', "keymiss", key, client.db);
  }
  return slot;
}

void CommandContext::ReplyWrongType(bool& wrong_type) {
  wrong_type = true;
  reply.Error(errors::kWrongType);
}

void CommandContext::Modified(std::string_view key, char type_class, std::string_view event,
                              uint64_t changes) {
  Modified(client.db, key, type_class, event, changes);
}

void CommandContext::Modified(int db, std::string_view key, char type_class, std::string_view event,
                              uint64_t changes) {
  engine.CountKeySignal();
  engine.KeyModified(db, key, client.id);
  if (!event.empty()) engine.NotifyKeyspaceEvent(type_class, event, key, db);
  engine.stats().dirty += changes;
}

void CommandContext::ChangedUnwatched(std::string_view key, char type_class, std::string_view event,
                                      uint64_t changes) {
  engine.CountKeySignal();
  if (!event.empty()) engine.NotifyKeyspaceEvent(type_class, event, key, client.db);
  engine.stats().dirty += changes;
}

void CommandContext::Notify(char type_class, std::string_view event, std::string_view key) {
  engine.NotifyKeyspaceEvent(type_class, event, key, client.db);
}

void CommandContext::DatabaseChanged(uint64_t changes) {
  engine.CountKeySignal();
  engine.stats().dirty += changes;
}

void CommandContext::RewriteCommand(std::initializer_list<std::string_view> args) {
  rewritten_.assign(args.begin(), args.end());
}

void CommandContext::RewriteCommand(std::vector<std::string> args) { rewritten_ = std::move(args); }

bool CommandContext::propagating() const { return engine.propagation().active(); }

void CommandContext::RewriteArgument(size_t index, std::string_view value) {
  if (!propagating()) return;
  if (rewritten_.empty()) rewritten_.assign(args.begin(), args.end());
  if (index >= rewritten_.size()) rewritten_.resize(index + 1);
  rewritten_[index] = std::string(value);
}

}  // namespace rill
