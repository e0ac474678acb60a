#include "datastructs/stream_group.h"

namespace rill::ds {

ConsumerGroup::ConsumerGroup(const ConsumerGroup& other)
    : last_id(other.last_id), entries_read(other.entries_read), pel_(other.pel_) {
  for (const auto& [name, consumer] : other.consumers_) {
    auto copy = std::make_unique<StreamConsumer>(*consumer);
    consumers_.emplace(name, std::move(copy));
  }
  // Re-point every pending entry at the copied consumer that owns it.
  for (auto& [id, entry] : pel_)
    entry.consumer = consumers_.find(entry.consumer->name)->second.get();
}

StreamConsumer* ConsumerGroup::FindConsumer(std::string_view name) const {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? nullptr : it->second.get();
}

StreamConsumer* ConsumerGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers_.try_emplace(std::string(name), nullptr);
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

StreamConsumer* ConsumerGroup::FindOrCreateConsumer(std::string_view name, int64_t now_ms,
                                                    bool* created) {
  StreamConsumer* consumer = FindConsumer(name);
  *created = consumer == nullptr;
  return consumer != nullptr ? consumer : CreateConsumer(name, now_ms);
}

int64_t ConsumerGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  if (it == consumers_.end()) return -1;
  const auto count = static_cast<int64_t>(it->second->pending.size());
  for (StreamId id : it->second->pending) pel_.erase(id);
  consumers_.erase(it);
  return count;
}

PendingEntry* ConsumerGroup::FindPending(StreamId id) {
  auto it = pel_.find(id);
  return it == pel_.end() ? nullptr : &it->second;
}

void ConsumerGroup::Deliver(StreamId id, StreamConsumer* consumer, int64_t now_ms) {
  auto [it, inserted] = pel_.try_emplace(id);
  PendingEntry& entry = it->second;
  if (!inserted) entry.consumer->pending.erase(id);
  entry.consumer = consumer;
  entry.delivery_time = now_ms;
  entry.delivery_count = 1;
  consumer->pending.insert(id);
}

void ConsumerGroup::Transfer(PendingEntry& entry, StreamId id, StreamConsumer* consumer) {
  if (entry.consumer == consumer) return;
  if (entry.consumer != nullptr) entry.consumer->pending.erase(id);
  entry.consumer = consumer;
  consumer->pending.insert(id);
}

PendingEntry& ConsumerGroup::AddPending(StreamId id, StreamConsumer* consumer,
                                        int64_t delivery_time) {
  PendingEntry& entry = pel_[id];
  entry.consumer = consumer;
  entry.delivery_time = delivery_time;
  entry.delivery_count = 1;  // as Redis's streamCreateNACK
  consumer->pending.insert(id);
  return entry;
}

bool ConsumerGroup::Acknowledge(StreamId id) {
  auto it = pel_.find(id);
  if (it == pel_.end()) return false;
  it->second.consumer->pending.erase(id);
  pel_.erase(it);
  return true;
}

bool ConsumerGroup::CheckInvariants() const {
  size_t owned = 0;
  for (const auto& [name, consumer] : consumers_) {
    if (consumer->name != name) return false;
    for (StreamId id : consumer->pending) {
      auto it = pel_.find(id);
      if (it == pel_.end() || it->second.consumer != consumer.get()) return false;
    }
    owned += consumer->pending.size();
  }
  return owned == pel_.size();
}

}  // namespace rill::ds
