#include "datastructs/stream_block.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "common/number_parse.h"
#include "datastructs/entry_block.h"
#include "datastructs/keyspace.h"

namespace rill::ds {

using block::ZigZag;
using stream_block_internal::GetString;

namespace {

// listpack.c's lpEncodeBacklen size for an element of `l` encoded bytes.
size_t LpBacklenSize(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

constexpr size_t kLpHeaderAndEnd = 6 + 1;

size_t StringFieldSize(std::string_view s) { return VarintSize(s.size()) + s.size(); }

}  // namespace

size_t StreamBlock::LpIntSize(int64_t v) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= -32768 && v <= 32767) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + LpBacklenSize(enc);
}

size_t StreamBlock::LpStringSize(std::string_view s) {
  int64_t v;
  // listpack stores strings that are canonical integers as integers.
  if (s.size() < 21 && ParseInt64(s, &v)) return LpIntSize(v);
  size_t enc = s.size() < 64 ? 1 + s.size() : s.size() < 4096 ? 2 + s.size() : 5 + s.size();
  return enc + LpBacklenSize(enc);
}

StreamBlock::StreamBlock(StreamId id, std::span<const std::string_view> fv) : master_id_(id) {
  const size_t nfields = fv.size() / 2;
  size_t master_size = VarintSize(nfields);
  lp_bytes_ = static_cast<uint32_t>(kLpHeaderAndEnd + LpIntSize(static_cast<int64_t>(nfields)) +
                                    LpIntSize(0));
  for (size_t i = 0; i < fv.size(); i += 2) {
    master_size += StringFieldSize(fv[i]);
    lp_bytes_ += static_cast<uint32_t>(LpStringSize(fv[i]));
  }
  Reserve(master_size + EncodedEntrySize(0, 0, true, fv));
  uint8_t* p = PutVarint(data_, nfields);
  for (size_t i = 0; i < fv.size(); i += 2) p = PutBytes(p, fv[i]);
  size_ = static_cast<uint32_t>(p - data_);
  entries_start_ = size_;
  master_nfields_ = static_cast<uint32_t>(nfields);
  Append(id, fv);
}

StreamBlock::StreamBlock(const StreamBlock& other)
    : size_(other.size_),
      capacity_(other.size_),
      entries_start_(other.entries_start_),
      master_nfields_(other.master_nfields_),
      live_(other.live_),
      deleted_(other.deleted_),
      lp_bytes_(other.lp_bytes_),
      last_offset_(other.last_offset_),
      master_id_(other.master_id_),
      last_id_(other.last_id_) {
  data_ = static_cast<uint8_t*>(std::malloc(capacity_ == 0 ? 1 : capacity_));
  if (data_ == nullptr) throw std::bad_alloc();
  std::memcpy(data_, other.data_, size_);
}

StreamBlock::~StreamBlock() { std::free(data_); }

void StreamBlock::Reserve(size_t extra) {
  size_t need = static_cast<size_t>(size_) + extra;
  if (need <= capacity_) return;
  // Grow by half: the tail block is the only one with spare room, and ShrinkToFit trims it
  // when the block is sealed, so the slack never adds up across blocks.
  size_t cap = capacity_ + capacity_ / 2;
  if (cap < need) cap = need;
  if (cap < 64) cap = 64;
  auto* p = static_cast<uint8_t*>(std::realloc(data_, cap));
  if (p == nullptr) throw std::bad_alloc();
  data_ = p;
  capacity_ = static_cast<uint32_t>(cap);
}

void StreamBlock::ShrinkToFit() {
  if (capacity_ == size_ || size_ == 0) return;
  auto* p = static_cast<uint8_t*>(std::realloc(data_, size_));
  if (p == nullptr) return;
  data_ = p;
  capacity_ = size_;
}

uint8_t* StreamBlock::PutBytes(uint8_t* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

size_t StreamBlock::lp_bytes() const { return lp_bytes_ + LpIntSize(live_) + LpIntSize(deleted_); }

bool StreamBlock::SameFieldsAsMaster(std::span<const std::string_view> fv) const {
  if (fv.size() / 2 != master_nfields_) return false;
  const uint8_t* m = data_;
  uint64_t n;
  m = GetVarint(m, &n);
  std::string_view field;
  for (size_t i = 0; i < fv.size(); i += 2) {
    m = GetString(m, &field);
    if (field != fv[i]) return false;
  }
  return true;
}

size_t StreamBlock::EncodedEntrySize(int64_t ms_delta, int64_t seq_delta, bool same_fields,
                                     std::span<const std::string_view> fv) const {
  size_t n = 1 + VarintSize(ZigZag(ms_delta)) + VarintSize(ZigZag(seq_delta));
  if (!same_fields) n += VarintSize(fv.size() / 2);
  for (size_t i = 0; i < fv.size(); i += 2) {
    if (!same_fields) n += StringFieldSize(fv[i]);
    n += StringFieldSize(fv[i + 1]);
  }
  return n;
}

void StreamBlock::Append(StreamId id, std::span<const std::string_view> fv) {
  // Deltas wrap like Redis's (id.seq - master.seq as int64), so a sequence lower than the
  // master's is a small negative number.
  const auto ms_delta = static_cast<int64_t>(id.ms - master_id_.ms);
  const auto seq_delta = static_cast<int64_t>(id.seq - master_id_.seq);
  const bool same = SameFieldsAsMaster(fv);
  const int64_t nfields = static_cast<int64_t>(fv.size() / 2);

  Reserve(EncodedEntrySize(ms_delta, seq_delta, same, fv));
  last_offset_ = size_;
  uint8_t* p = data_ + size_;
  *p++ = same ? kSameFields : 0;
  p = PutVarint(p, ZigZag(ms_delta));
  p = PutVarint(p, ZigZag(seq_delta));
  if (!same) p = PutVarint(p, static_cast<uint64_t>(nfields));
  for (size_t i = 0; i < fv.size(); i += 2) {
    if (!same) p = PutBytes(p, fv[i]);
    p = PutBytes(p, fv[i + 1]);
  }
  size_ = static_cast<uint32_t>(p - data_);

  // The same entry in a Redis listpack: flags, ms-delta, seq-delta, [num-fields, fields],
  // values, lp-count.
  size_t lp = LpIntSize(same ? kSameFields : 0) + LpIntSize(ms_delta) + LpIntSize(seq_delta);
  int64_t lp_count = nfields + 3;
  if (!same) {
    lp += LpIntSize(nfields);
    lp_count += nfields + 1;
  }
  for (size_t i = 0; i < fv.size(); i += 2) {
    if (!same) lp += LpStringSize(fv[i]);
    lp += LpStringSize(fv[i + 1]);
  }
  lp += LpIntSize(lp_count);
  lp_bytes_ += static_cast<uint32_t>(lp);

  ++live_;
  last_id_ = id;
}

uint32_t StreamBlock::Decode(uint32_t offset, uint8_t* flags, StreamEntryView* view) const {
  const uint8_t* p = data_ + offset;
  *flags = *p++;
  uint64_t ms_delta, seq_delta;
  p = GetVarint(p, &ms_delta);
  p = GetVarint(p, &seq_delta);
  view->id.ms = master_id_.ms + static_cast<uint64_t>(block::UnZigZag(ms_delta));
  view->id.seq = master_id_.seq + static_cast<uint64_t>(block::UnZigZag(seq_delta));
  std::string_view s;
  if (*flags & kSameFields) {
    view->num_fields = master_nfields_;
    view->master_fields_ = data_;
    uint64_t n;
    view->master_fields_ = GetVarint(data_, &n);
    view->data_ = p;
    for (uint32_t i = 0; i < master_nfields_; ++i) p = GetString(p, &s);
  } else {
    uint64_t n;
    p = GetVarint(p, &n);
    view->num_fields = static_cast<uint32_t>(n);
    view->master_fields_ = nullptr;
    view->data_ = p;
    for (uint64_t i = 0; i < 2 * n; ++i) p = GetString(p, &s);
  }
  return static_cast<uint32_t>(p - data_);
}

void StreamBlock::EntryOffsets(std::vector<uint32_t>* out) const {
  out->clear();
  uint8_t flags;
  StreamEntryView view;
  for (uint32_t off = entries_start_; off < size_; off = Decode(off, &flags, &view)) {
    out->push_back(off);
  }
}

void StreamBlock::MarkDeleted(uint32_t offset) {
  data_[offset] |= kDeleted;
  --live_;
  ++deleted_;
}

}  // namespace rill::ds
