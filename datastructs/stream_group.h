// Consumer groups of a stream: the group's pending entries list (PEL: delivered, not yet
// acknowledged entries, by ID) and its consumers, each with its own PEL. Every pending entry is
// owned by exactly one consumer: the group PEL and the consumer PELs always describe the same
// set, which only the methods below change (CheckInvariants verifies it in tests).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "common/string_util.h"
#include "datastructs/stream_id.h"

namespace rill::ds {

struct StreamConsumer;

// A delivered, unacknowledged entry (Redis's streamNACK).
struct PendingEntry {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 0;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;              // unix ms of the last read/claim by this consumer
  absl::btree_set<StreamId> pending;  // IDs this consumer owns in the group PEL
};

// Byte-wise ordered string map (Redis keeps groups and consumers in radix trees, which list
// them in memcmp order; std::string's ordering is the same).
template <typename V>
using ByteOrderedMap = absl::btree_map<std::string, V, std::less<>>;

class ConsumerGroup {
 public:
  static constexpr int64_t kInvalidEntriesRead = -1;

  ConsumerGroup(StreamId last_id, int64_t entries_read)
      : last_id(last_id), entries_read(entries_read) {}
  ConsumerGroup(const ConsumerGroup& other);
  ConsumerGroup& operator=(const ConsumerGroup&) = delete;

  StreamId last_id;      // last ID delivered to the group
  int64_t entries_read;  // logical read counter, or kInvalidEntriesRead when unknown

  const absl::btree_map<StreamId, PendingEntry>& pending() const { return pel_; }
  const ByteOrderedMap<std::unique_ptr<StreamConsumer>>& consumers() const { return consumers_; }

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Creates a consumer; nullptr if one with that name exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  StreamConsumer* FindOrCreateConsumer(std::string_view name, int64_t now_ms, bool* created);
  // Deletes a consumer and its pending entries (from the group PEL too); returns how many it
  // had, or -1 if there is no such consumer.
  int64_t DeleteConsumer(std::string_view name);

  PendingEntry* FindPending(StreamId id);
  // First delivery of `id` by XREADGROUP: a new pending entry owned by `consumer`, or, when
  // the ID is already pending (the group's last ID was moved back), a reassignment with the
  // delivery counter reset to 1.
  void Deliver(StreamId id, StreamConsumer* consumer, int64_t now_ms);
  // Moves a pending entry to `consumer` (XCLAIM / XAUTOCLAIM); the timing and counter are the
  // caller's to set.
  void Transfer(PendingEntry& entry, StreamId id, StreamConsumer* consumer);
  // XCLAIM FORCE: a pending entry for `id` (which must not be pending) owned by `consumer`.
  PendingEntry& AddPending(StreamId id, StreamConsumer* consumer, int64_t delivery_time);
  // Removes `id` from the group PEL and its owner's PEL; false if it was not pending.
  bool Acknowledge(StreamId id);

  // True if group PEL and consumer PELs agree exactly (tests).
  bool CheckInvariants() const;

 private:
  absl::btree_map<StreamId, PendingEntry> pel_;
  ByteOrderedMap<std::unique_ptr<StreamConsumer>> consumers_;
};

}  // namespace rill::ds
