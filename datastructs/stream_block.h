// One block ("node") of a stream: up to stream-node-max-entries entries packed in one byte
// buffer, IDs delta-encoded against the block's first ("master") ID and field names shared with
// the master entry when an entry has exactly the master's fields (Redis's stream listpack, with
// varints instead of listpack elements: about half the bytes per entry).
//
//   master:  varint nfields | (varint len, bytes) * nfields               (the master fields)
//   entry:   flags:1 | zigzag-varint ms-delta | zigzag-varint seq-delta |
//            SAMEFIELDS: (varint len, value) * master_nfields
//            otherwise:  varint nfields | (varint len, field, varint len, value) * nfields
//
// flags: kDeleted (a tombstone, skipped by iteration, kept like Redis until the block empties)
// and kSameFields. Blocks have no back links: reverse iteration decodes a block's entry offsets
// forward first (a block holds at most a few hundred entries).
//
// Where a block ends must match Redis exactly, because approximate trimming (MAXLEN ~, MINID ~)
// removes whole blocks and its reply counts entries: each block therefore also tracks the size
// the same entries would take in a Redis listpack (`lp_bytes`), which drives the same
// "start a new node" decision as Redis's streamAppendItem.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "datastructs/stream_id.h"
#include "datastructs/varint.h"

namespace rill::ds {

namespace stream_block_internal {
inline const uint8_t* GetString(const uint8_t* p, std::string_view* s) {
  uint64_t len;
  p = GetVarint(p, &len);
  *s = {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
  return p + len;
}
}  // namespace stream_block_internal

// A decoded entry: its ID and a way to walk its field/value pairs. Valid until the stream
// changes.
class StreamEntryView {
 public:
  StreamId id;
  uint32_t num_fields = 0;

  // Calls f(field, value) for each pair, in order.
  template <typename F>
  void ForEachField(F&& f) const;

 private:
  friend class StreamBlock;
  const uint8_t* master_fields_ = nullptr;  // non-null when the entry uses the master's fields
  const uint8_t* data_ = nullptr;           // values, or interleaved field/value pairs
};

class StreamBlock {
 public:
  static constexpr uint8_t kDeleted = 1;
  static constexpr uint8_t kSameFields = 2;

  // A block whose first entry is `id` with `fields_values` (field, value, field, value ...).
  StreamBlock(StreamId id, std::span<const std::string_view> fields_values);
  ~StreamBlock();
  StreamBlock(const StreamBlock& other);
  StreamBlock& operator=(const StreamBlock&) = delete;

  // Appends an entry; `id` must be greater than every ID in the block.
  void Append(StreamId id, std::span<const std::string_view> fields_values);
  // Releases spare capacity (called when the block stops being the tail).
  void ShrinkToFit();

  StreamId master_id() const { return master_id_; }
  StreamId last_id() const { return last_id_; }  // physically last entry, tombstone or not
  bool last_entry_live() const { return !(data_[last_offset_] & kDeleted); }
  uint32_t live() const { return live_; }
  uint32_t deleted() const { return deleted_; }
  // Bytes of the equivalent Redis listpack (for node-size decisions).
  size_t lp_bytes() const;
  size_t memory_usage() const { return sizeof(*this) + capacity_; }

  // The master entry's field names (what entries flagged kSameFields use), in order.
  template <typename F>
  void ForEachMasterField(F&& f) const {
    uint64_t n;
    const uint8_t* p = GetVarint(data_, &n);
    std::string_view field;
    for (uint64_t i = 0; i < n; ++i) {
      p = stream_block_internal::GetString(p, &field);
      f(field);
    }
  }
  // Offsets of all entries (tombstones included), in order.
  void EntryOffsets(std::vector<uint32_t>* out) const;
  uint32_t first_offset() const { return entries_start_; }
  uint32_t end_offset() const { return size_; }
  // Decodes the entry at `offset`; returns the offset of the next one.
  uint32_t Decode(uint32_t offset, uint8_t* flags, StreamEntryView* view) const;
  // Turns the live entry at `offset` into a tombstone.
  void MarkDeleted(uint32_t offset);

  // Redis listpack element sizes (encoding + backlen), exposed for tests.
  static size_t LpIntSize(int64_t v);
  static size_t LpStringSize(std::string_view s);

 private:
  void Reserve(size_t extra);
  uint8_t* PutBytes(uint8_t* p, std::string_view s);
  size_t EncodedEntrySize(int64_t ms_delta, int64_t seq_delta, bool same_fields,
                          std::span<const std::string_view> fv) const;
  bool SameFieldsAsMaster(std::span<const std::string_view> fv) const;

  uint8_t* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
  uint32_t entries_start_ = 0;  // offset of the first entry (after the master fields)
  uint32_t master_nfields_ = 0;
  uint32_t live_ = 0;
  uint32_t deleted_ = 0;
  uint32_t lp_bytes_ = 0;     // listpack bytes except the count/deleted header integers
  uint32_t last_offset_ = 0;  // offset of the physically last entry
  StreamId master_id_;
  StreamId last_id_;
};

// ---- implementation details of the inline template ----

template <typename F>
void StreamEntryView::ForEachField(F&& f) const {
  using stream_block_internal::GetString;
  const uint8_t* p = data_;
  const uint8_t* m = master_fields_;
  std::string_view field, value;
  for (uint32_t i = 0; i < num_fields; ++i) {
    if (m != nullptr) {
      m = GetString(m, &field);
    } else {
      p = GetString(p, &field);
    }
    p = GetString(p, &value);
    f(field, value);
  }
}

}  // namespace rill::ds
