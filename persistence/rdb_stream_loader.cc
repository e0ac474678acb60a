#include "persistence/rdb_stream_loader.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datastructs/access_clock.h"
#include "datastructs/keyspace.h"
#include "persistence/crc64.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_load_hash_set.h"
#include "persistence/rdb_load_types.h"
#include "persistence/rdb_peek.h"
#include "persistence/rdb_zset.h"

namespace rill::persistence {
namespace {

// A RESIZEDB count is a hint, sized to what the bytes left could hold (a key takes at least 3)
// when the RDB's size is known. Otherwise (a replica reading an `$EOF:` transfer) the databases
// together reserve this many keys at most: lying counts cost no more than the index of that
// many keys, and a bigger dataset's index grows past it as keys come, a segment split at a time.
constexpr uint64_t kReserveWithoutSize = uint64_t{1} << 22;

// The held buffer keeps its capacity after a big record only while it is mostly in use.
constexpr size_t kKeptCapacity = size_t{1} << 20;

// What a value type byte Rill cannot load is, for the error message.
const char* UnsupportedTypeName(uint8_t type) {
  switch (type) {
    case rdb::kTypeModule:
    case rdb::kTypeModule2:
      return "a module value";
    default:
      return nullptr;
  }
}

}  // namespace

RdbStreamLoader::RdbStreamLoader(std::span<ds::Database* const> dbs, const RdbLoadOptions& options,
                                 RdbLoadInfo* info, uint64_t size_hint)
    : dbs_(dbs.begin(), dbs.end()), options_(options), info_(info), size_hint_(size_hint) {
  *info_ = RdbLoadInfo{};
  hints_.expire_ms = ds::kNoExpire;
}

RdbStreamLoader::~RdbStreamLoader() = default;

bool RdbStreamLoader::Feed(std::string_view bytes) {
  if (stage_ == Stage::kDone || stage_ == Stage::kFailed) return stage_ == Stage::kDone;
  if (buffer_.empty()) {
    // Parsed where they are; only a cut record's bytes are copied.
    const size_t used = Parse(bytes, /*last=*/false);
    if (stage_ != Stage::kDone && stage_ != Stage::kFailed) buffer_.assign(bytes.substr(used));
    return stage_ != Stage::kFailed;
  }
  buffer_.append(bytes);
  if (buffer_.size() < retry_at_) return true;
  const size_t used = Parse(buffer_, /*last=*/false);
  if (stage_ == Stage::kDone || stage_ == Stage::kFailed) {
    std::string().swap(buffer_);
  } else {
    buffer_.erase(0, used);
    if (buffer_.capacity() > kKeptCapacity && buffer_.size() < buffer_.capacity() / 4) {
      buffer_.shrink_to_fit();
    }
  }
  return stage_ != Stage::kFailed;
}

bool RdbStreamLoader::Finish(std::string* error, std::string_view last) {
  if (stage_ != Stage::kDone && stage_ != Stage::kFailed) {
    if (buffer_.empty()) {
      Parse(last, /*last=*/true);
    } else {
      buffer_.append(last);
      Parse(buffer_, /*last=*/true);
    }
  }
  std::string().swap(buffer_);
  if (stage_ == Stage::kFailed) {
    *error = error_;
    return false;
  }
  return true;
}

size_t RdbStreamLoader::Parse(std::string_view bytes, bool last) {
  RdbInput in(bytes, base_, /*more_may_follow=*/!last);
  size_t committed = 0;  // bytes of whole records
  size_t hashed = 0;     // bytes folded into crc_
  auto hash_to = [&](size_t end) {
    if (crc_on_) crc_ = Crc64(crc_, bytes.substr(hashed, end - hashed));
    hashed = end;
  };
  prefetched_to_ = 0;
  bool ok = true;
  while (ok && stage_ != Stage::kDone) {
    switch (stage_) {
      case Stage::kHeader:
        ok = Header(in, bytes);
        break;
      case Stage::kBody:
        ok = Record(in, bytes);
        break;
      default:  // kTrailer: the checksum covers everything before it
        hash_to(committed);
        ok = Trailer(in);
        break;
    }
    if (ok) committed = in.pos();
  }
  if (stage_ != Stage::kDone) hash_to(committed);
  if (!ok) {
    if (in.starved()) {
      // The record is parsed again once it can be whole and the buffer doubled.
      const size_t tail = bytes.size() - committed;
      const uint64_t needed = in.needed() - committed;
      retry_at_ = static_cast<size_t>(
          std::min<uint64_t>(std::max<uint64_t>(needed, uint64_t{2} * tail), SIZE_MAX));
    } else {
      stage_ = Stage::kFailed;
      error_ = in.error();
    }
  }
  base_ += committed;
  return committed;
}

bool RdbStreamLoader::Header(RdbInput& in, std::string_view bytes) {
  // A wrong start fails at once, without waiting for the rest of the signature.
  const size_t seen = std::min(bytes.size(), rdb::kMagic.size());
  if (bytes.substr(0, seen) != rdb::kMagic.substr(0, seen) ||
      (bytes.size() < rdb::kHeaderSize && !in.more_may_follow())) {
    return in.Fail("wrong signature (not an RDB file)", 0);
  }
  std::string_view head;
  if (!in.ReadBytes(rdb::kHeaderSize, &head)) return false;
  int version = 0;
  for (char c : head.substr(5)) {
    if (c < '0' || c > '9') return in.Fail("wrong signature (not an RDB file)", 0);
    version = version * 10 + (c - '0');
  }
  if (version < 1 || version > rdb::kMaxLoadVersion) {
    return in.Fail(absl::StrCat("can't handle RDB format version ", version), 5);
  }
  info_->version = version;
  crc_on_ = version >= 5 && options_.verify_checksum;
  stage_ = Stage::kBody;
  return true;
}

bool RdbStreamLoader::Record(RdbInput& in, std::string_view bytes) {
  const size_t record = in.pos();
  uint8_t type;
  if (!in.ReadByte(&type)) return false;
  switch (type) {
    case rdb::kOpExpireTime:
    case rdb::kOpExpireTimeMs: {
      int64_t ms;
      if (!(type == rdb::kOpExpireTime ? in.ReadSeconds(&ms) : in.ReadMillis(&ms))) return false;
      hints_.expire_ms = ms;
      return true;
    }
    case rdb::kOpFreq: {
      uint8_t freq;
      if (!in.ReadByte(&freq)) return false;
      hints_.freq = freq;
      hints_.has_freq = true;
      return true;
    }
    case rdb::kOpIdle: {
      uint64_t idle;
      if (!in.ReadLength(&idle)) return false;
      hints_.idle_seconds = idle;
      hints_.has_idle = true;
      return true;
    }
    case rdb::kOpEof:
      stage_ = Stage::kTrailer;
      return true;
    case rdb::kOpSelectDb: {
      uint64_t index;
      if (!in.ReadLength(&index)) return false;
      if (index >= dbs_.size()) {
        return in.Fail(absl::StrCat("the file selects database ", index, ", but only ", dbs_.size(),
                                    " are configured (databases)"),
                       record);
      }
      db_ = static_cast<int>(index);
      return true;
    }
    case rdb::kOpResizeDb: {
      uint64_t keys, expires;
      if (!in.ReadLength(&keys) || !in.ReadLength(&expires)) return false;
      dbs_[db_]->Reserve(Reservable(keys, in));
      return true;
    }
    case rdb::kOpAux:
      return Aux(in);
    case rdb::kOpModuleAux:
      return in.Fail("the file holds module data, which Rill cannot load", record);
    case rdb::kOpFunction:
      return in.Fail("Pre-release function format not supported", record);
    case rdb::kOpFunction2: {
      RdbString code;
      if (!in.ReadString(&code, &scratch_value_)) return false;
      char buf[24];
      info_->functions.emplace_back(code.View(buf));
      return true;
    }
    default:
      if (record >= prefetched_to_) PrefetchAhead(bytes, record);
      if (!KeyValue(in, type, record)) return false;
      // Like the expiry, the hints belong to one key, loaded or not.
      hints_ = KeyHints{};
      hints_.expire_ms = ds::kNoExpire;
      return true;
  }
}

uint64_t RdbStreamLoader::Reservable(uint64_t keys, const RdbInput& in) {
  const uint64_t at = base_ + in.pos();
  if (size_hint_ != 0) return std::min(keys, size_hint_ > at ? (size_hint_ - at) / 3 : 0);
  if (!in.more_may_follow()) return std::min<uint64_t>(keys, in.remaining() / 3);
  const uint64_t n = std::min(keys, kReserveWithoutSize - reserved_without_size_);
  reserved_without_size_ += n;
  return n;
}

// A load of a million keys waits on a cache miss per key, in the index probe that looks for the
// key and then inserts it. Before loading record `from`, the slot groups of the string keys in
// the next few whole records are prefetched, so that their probes find them in cache.
void RdbStreamLoader::PrefetchAhead(std::string_view bytes, size_t from) {
  constexpr int kRecords = 8;
  const ds::Database& target = *dbs_[db_];
  size_t pos = from;  // the offset of the record's type byte
  std::string_view key;
  size_t end;
  for (int i = 0; i < kRecords && PeekStringRecord(bytes, pos, &key, &end); ++i) {
    target.PrefetchSlotsFor(key);
    pos = end;
  }
  prefetched_to_ = std::max(pos, from + 1);
}

bool RdbStreamLoader::Aux(RdbInput& in) {
  RdbString key, value;
  if (!in.ReadString(&key, &scratch_key_) || !in.ReadString(&value, &scratch_value_)) {
    return false;
  }
  char kb[24], vb[24];
  std::string k(key.View(kb)), v(value.View(vb));
  if (k == "aof-base") info_->aof_base = v == "1";
  if (k == "used-mem" && !absl::SimpleAtoi(v, &info_->used_mem)) info_->used_mem = 0;
  info_->aux.emplace_back(std::move(k), std::move(v));
  return true;
}

bool RdbStreamLoader::KeyValue(RdbInput& in, uint8_t type, size_t record) {
  if (const char* what = UnsupportedTypeName(type)) {
    RdbString key;
    char kb[24];
    std::string name = in.ReadString(&key, &scratch_key_) ? QuoteForError(key.View(kb)) : "";
    if (in.starved()) return false;
    return in.Fail(absl::StrCat("key ", name, " is ", what, " (RDB type ", type,
                                "), a type Rill does not have yet"),
                   record);
  }
  if (type != rdb::kTypeString && !IsListType(type) && !IsStreamType(type) && !IsHashType(type) &&
      !IsSetType(type) && !IsZSetType(type)) {
    return in.Fail(absl::StrCat("unknown RDB value type ", type), record);
  }
  RdbString key;
  if (!in.ReadString(&key, &scratch_key_)) return false;
  char kb[24];
  const std::string_view key_bytes = key.View(kb);
  ds::Database& target = *dbs_[db_];
  const int64_t expire_ms = hints_.expire_ms;
  const bool expired =
      options_.skip_expired && expire_ms != ds::kNoExpire && expire_ms < options_.now_ms;
  const ds::TtlMode ttl = expire_ms == ds::kNoExpire ? ds::TtlMode::kClear : ds::TtlMode::kSet;
  const size_t before = target.size();

  // The value is read whole before anything is inserted: a record the bytes cut leaves no trace.
  ds::Entry* entry;
  if (type == rdb::kTypeString) {
    RdbString value;
    if (!in.ReadString(&value, &scratch_value_)) return false;
    if (expired) return ++info_->keys_expired, true;
    if (value.is_int) {
      entry = target.SetInt(key_bytes, value.int_value, ttl, expire_ms);
    } else {
      entry = target.SetString(key_bytes, value.bytes, ttl, expire_ms);
    }
  } else {
    // The container decoders use only scratch_value_, so key_bytes stays valid.
    bool empty = false;
    std::unique_ptr<ds::ObjectValue> object =
        LoadObject(in, type, options_, &scratch_value_, &empty);
    if (object == nullptr) return false;
    if (empty) {
      ++info_->empty_keys_skipped;  // as Redis, which skips such keys
      return true;
    }
    if (expired) return ++info_->keys_expired, true;
    entry = target.SetObject(key_bytes, std::move(object), ttl, expire_ms);
  }
  // The recorded access of the kind the policy uses replaces the new key's bits.
  if (const ds::AccessClock* clock = options_.access_clock) {
    if (clock->lfu()) {
      if (hints_.has_freq) entry->set_access_bits(clock->LfuBitsWithCounter(hints_.freq));
    } else if (hints_.has_idle) {
      entry->set_access_bits(clock->LruBitsIdleFor(hints_.idle_seconds));
    }
  }
  // A key was set: the database must have grown, or the file named the key twice.
  if (target.size() == before && !options_.allow_duplicates) {
    return in.Fail(absl::StrCat("duplicate key ", QuoteForError(key_bytes)), record);
  }
  ++info_->keys_loaded;
  return true;
}

bool RdbStreamLoader::Trailer(RdbInput& in) {
  const size_t body_end = in.pos();
  if (info_->version >= 5) {
    std::string_view raw;
    if (!in.ReadBytes(rdb::kChecksumSize, &raw)) return false;
    const uint64_t stored = in.ReadLittleEndian(raw.data(), 8);
    if (stored != 0 && options_.verify_checksum) {
      if (crc_ != stored) {
        return in.Fail(
            absl::StrFormat("wrong RDB checksum (stored %016x, computed %016x)", stored, crc_),
            body_end);
      }
      info_->checksum_verified = true;
    }
  }
  info_->bytes_consumed = base_ + in.pos();
  stage_ = Stage::kDone;
  return true;
}

}  // namespace rill::persistence
