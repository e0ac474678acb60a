#include "persistence/rdb_loader.h"

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

bool IsListType(uint8_t t) {
  return t == rdb::kTypeList || t == rdb::kTypeListZiplist || t == rdb::kTypeListQuicklist ||
         t == rdb::kTypeListQuicklist2;
}

bool IsStreamType(uint8_t t) {
  return t == rdb::kTypeStreamListpacks || t == rdb::kTypeStreamListpacks2 ||
         t == rdb::kTypeStreamListpacks3;
}

}  // namespace

std::unique_ptr<ds::ObjectValue> LoadObject(RdbInput& in, uint8_t type,
                                            const RdbLoadOptions& options, std::string* scratch,
                                            bool* empty) {
  *empty = false;
  if (IsListType(type)) {
    std::unique_ptr<ds::List> list = LoadList(in, type, options, scratch);
    if (list != nullptr) *empty = list->empty();
    return list;
  }
  if (IsZSetType(type)) {
    std::unique_ptr<ds::ZSet> zset = LoadZSet(in, type, options.zset_limits, scratch);
    if (zset != nullptr) *empty = zset->empty();
    return zset;
  }
  if (IsHashType(type)) {
    std::unique_ptr<ds::Hash> hash = LoadHash(in, type, options, scratch);
    if (hash != nullptr) *empty = hash->empty();
    return hash;
  }
  if (IsSetType(type)) {
    std::unique_ptr<ds::Set> set = LoadSet(in, type, options, scratch);
    if (set != nullptr) *empty = set->empty();
    return set;
  }
  if (IsStreamType(type)) return LoadStream(in, type, scratch);
  in.Fail(absl::StrCat("unknown RDB value type ", type));
  return nullptr;
}

namespace {

// What RDB_OPCODE_FREQ / RDB_OPCODE_IDLE said about the next key.
struct AccessHint {
  bool has_freq = false;
  bool has_idle = false;
  uint8_t freq = 0;
  uint64_t idle_seconds = 0;
};

class Loader {
 public:
  Loader(std::string_view input, std::span<ds::Database* const> dbs, const RdbLoadOptions& options,
         RdbLoadInfo* info)
      : in_(input), input_(input), dbs_(dbs), options_(options), info_(info) {}

  bool Run(std::string* error) {
    const bool ok = Header() && Body() && Trailer();
    if (!ok) *error = in_.error();
    return ok;
  }

 private:
  bool Header() {
    std::string_view head;
    if (input_.size() < rdb::kHeaderSize || input_.substr(0, 5) != rdb::kMagic) {
      return in_.Fail("wrong signature (not an RDB file)", 0);
    }
    in_.ReadBytes(rdb::kHeaderSize, &head);
    int version = 0;
    for (char c : head.substr(5)) {
      if (c < '0' || c > '9') return in_.Fail("wrong signature (not an RDB file)", 0);
      version = version * 10 + (c - '0');
    }
    if (version < 1 || version > rdb::kMaxLoadVersion) {
      return in_.Fail(absl::StrCat("can't handle RDB format version ", version), 5);
    }
    info_->version = version;
    return true;
  }

  bool Body() {
    int db = 0;
    int64_t expire_ms = ds::kNoExpire;
    AccessHint hint;
    while (true) {
      const size_t record = in_.pos();
      uint8_t type;
      if (!in_.ReadByte(&type)) return false;
      switch (type) {
        case rdb::kOpExpireTime:
          if (!in_.ReadSeconds(&expire_ms)) return false;
          continue;
        case rdb::kOpExpireTimeMs:
          if (!in_.ReadMillis(&expire_ms)) return false;
          continue;
        case rdb::kOpFreq:
          if (!in_.ReadByte(&hint.freq)) return false;
          hint.has_freq = true;
          continue;
        case rdb::kOpIdle:
          if (!in_.ReadLength(&hint.idle_seconds)) return false;
          hint.has_idle = true;
          continue;
        case rdb::kOpEof:
          return true;
        case rdb::kOpSelectDb: {
          uint64_t index;
          if (!in_.ReadLength(&index)) return false;
          if (index >= dbs_.size()) {
            return in_.Fail(absl::StrCat("the file selects database ", index, ", but only ",
                                         dbs_.size(), " are configured (databases)"),
                            record);
          }
          db = static_cast<int>(index);
          continue;
        }
        case rdb::kOpResizeDb: {
          uint64_t keys, expires;
          if (!in_.ReadLength(&keys) || !in_.ReadLength(&expires)) return false;
          // A hint only: sized to what the bytes left could hold (a key takes at least 3).
          dbs_[db]->Reserve(std::min<uint64_t>(keys, in_.remaining() / 3));
          continue;
        }
        case rdb::kOpAux:
          if (!Aux()) return false;
          continue;
        case rdb::kOpModuleAux:
          return in_.Fail("the file holds module data, which Rill cannot load", record);
        case rdb::kOpFunction:
          return in_.Fail("Pre-release function format not supported", record);
        case rdb::kOpFunction2: {
          RdbString code;
          if (!in_.ReadString(&code, &scratch_value_)) return false;
          char buf[24];
          info_->functions.emplace_back(code.View(buf));
          continue;
        }
        default:
          if (record >= prefetched_to_) PrefetchAhead(*dbs_[db], record);
          if (!KeyValue(type, db, expire_ms, hint, record)) return false;
          // Like the expiry, the hints belong to one key, loaded or not.
          expire_ms = ds::kNoExpire;
          hint = AccessHint{};
      }
    }
  }

  // A load of a million keys waits on a cache miss per key, in the index probe that looks for
  // the key and then inserts it. Before loading record `from`, the slot groups of the string
  // keys in the next few records are prefetched, so that their probes find them in cache.
  void PrefetchAhead(const ds::Database& target, size_t from) {
    constexpr int kRecords = 8;
    size_t pos = from;  // the offset of the record's type byte
    std::string_view key;
    size_t end;
    for (int i = 0; i < kRecords && PeekStringRecord(input_, pos, &key, &end); ++i) {
      target.PrefetchSlotsFor(key);
      pos = end;
    }
    prefetched_to_ = std::max(pos, from + 1);
  }

  bool Aux() {
    RdbString key, value;
    if (!in_.ReadString(&key, &scratch_key_) || !in_.ReadString(&value, &scratch_value_)) {
      return false;
    }
    char kb[24], vb[24];
    std::string k(key.View(kb)), v(value.View(vb));
    if (k == "aof-base") info_->aof_base = v == "1";
    info_->aux.emplace_back(std::move(k), std::move(v));
    return true;
  }

  bool KeyValue(uint8_t type, int db, int64_t expire_ms, const AccessHint& hint, size_t record) {
    if (const char* what = UnsupportedTypeName(type)) {
      RdbString key;
      char kb[24];
      std::string name = in_.ReadString(&key, &scratch_key_) ? QuoteForError(key.View(kb)) : "";
      return in_.Fail(absl::StrCat("key ", name, " is ", what, " (RDB type ", type,
                                   "), a type Rill does not have yet"),
                      record);
    }
    if (type != rdb::kTypeString && !IsListType(type) && !IsStreamType(type) && !IsHashType(type) &&
        !IsSetType(type) && !IsZSetType(type)) {
      return in_.Fail(absl::StrCat("unknown RDB value type ", type), record);
    }
    RdbString key;
    if (!in_.ReadString(&key, &scratch_key_)) return false;
    char kb[24];
    const std::string_view key_bytes = key.View(kb);
    ds::Database& target = *dbs_[db];
    const bool expired =
        options_.skip_expired && expire_ms != ds::kNoExpire && expire_ms < options_.now_ms;
    const ds::TtlMode ttl = expire_ms == ds::kNoExpire ? ds::TtlMode::kClear : ds::TtlMode::kSet;
    const size_t before = target.size();

    ds::Entry* entry;
    if (type == rdb::kTypeString) {
      RdbString value;
      if (!in_.ReadString(&value, &scratch_value_)) return false;
      if (expired) return CountExpired();
      if (value.is_int) {
        entry = target.SetInt(key_bytes, value.int_value, ttl, expire_ms);
      } else {
        entry = target.SetString(key_bytes, value.bytes, ttl, expire_ms);
      }
    } else {
      // The container decoders use only scratch_value_, so key_bytes stays valid.
      bool empty = false;
      std::unique_ptr<ds::ObjectValue> object =
          LoadObject(in_, type, options_, &scratch_value_, &empty);
      if (object == nullptr) return false;
      if (empty) {
        ++info_->empty_keys_skipped;  // as Redis, which skips such keys
        return true;
      }
      if (expired) return CountExpired();
      entry = target.SetObject(key_bytes, std::move(object), ttl, expire_ms);
    }
    ApplyAccessHint(hint, entry);
    return Added(target, before, key_bytes, record);
  }

  // The recorded access of the kind the policy uses replaces the new key's bits.
  void ApplyAccessHint(const AccessHint& hint, ds::Entry* entry) const {
    const ds::AccessClock* clock = options_.access_clock;
    if (clock == nullptr) return;
    if (clock->lfu()) {
      if (hint.has_freq) entry->set_access_bits(clock->LfuBitsWithCounter(hint.freq));
    } else if (hint.has_idle) {
      entry->set_access_bits(clock->LruBitsIdleFor(hint.idle_seconds));
    }
  }

  bool CountExpired() {
    ++info_->keys_expired;
    return true;
  }

  // A key was set: the database must have grown, or the file named the key twice.
  bool Added(const ds::Database& db, size_t before, std::string_view key, size_t record) {
    if (db.size() == before && !options_.allow_duplicates) {
      return in_.Fail(absl::StrCat("duplicate key ", QuoteForError(key)), record);
    }
    ++info_->keys_loaded;
    return true;
  }

  bool Trailer() {
    const size_t body_end = in_.pos();
    if (info_->version >= 5) {
      std::string_view raw;
      if (!in_.ReadBytes(rdb::kChecksumSize, &raw)) return false;
      const uint64_t stored = in_.ReadLittleEndian(raw.data(), 8);
      if (stored != 0 && options_.verify_checksum) {
        const uint64_t actual = Crc64(0, input_.substr(0, body_end));
        if (actual != stored) {
          return in_.Fail(
              absl::StrFormat("wrong RDB checksum (stored %016x, computed %016x)", stored, actual),
              body_end);
        }
        info_->checksum_verified = true;
      }
    }
    info_->bytes_consumed = in_.pos();
    return true;
  }

  RdbInput in_;
  std::string_view input_;
  size_t prefetched_to_ = 0;  // records before this offset were prefetched
  std::span<ds::Database* const> dbs_;
  const RdbLoadOptions& options_;
  RdbLoadInfo* info_;
  std::string scratch_key_;
  std::string scratch_value_;
};

}  // namespace

bool LoadRdb(std::string_view input, std::span<ds::Database* const> dbs,
             const RdbLoadOptions& options, RdbLoadInfo* info, std::string* error) {
  *info = RdbLoadInfo{};
  Loader loader(input, dbs, options, info);
  return loader.Run(error);
}

}  // namespace rill::persistence
