// RdbStreamLoader: an RDB loaded as its bytes arrive (a replica's diskless load parses the
// master's socket, as Redis 7.0 does), so that neither the RDB nor more than one record of it is
// held beside the data it becomes. LoadRdb (rdb_loader.h) is this loader fed once: both read
// every record with the same code, and fail with the same error texts and offsets.
//
// Feed() parses every whole top-level record in what it has (a key with its value, or an
// opcode: EXPIRETIME, FREQ, IDLE, SELECTDB, RESIZEDB, AUX, FUNCTION, EOF, the checksum) and
// keeps only the unparsed tail, the start of a record the bytes cut. That record is parsed again
// once the tail reached the length the failed attempt asked for (a string's length, say) and
// twice its own size, so a value of many megabytes arriving in small reads is parsed a few
// times, not once per read. The state between records (the selected database, the next key's
// expiry and access hints, the CRC64 of the bytes parsed so far) carries across calls. A value is
// parsed whole before it is inserted: a key cut by the end of the bytes is not in the databases.
//
//   RdbStreamLoader loader(dbs, options, &info, /*size_hint=*/length);   // fresh databases
//   while (read(&bytes)) if (!loader.Feed(bytes)) break;                  // corrupt: stop early
//   if (!loader.Finish(&error)) refuse(error);
//
// Finish() says whether the bytes were a whole RDB: the EOF opcode and, from version 5, the
// checksum trailer, judged right (RdbLoadOptions::verify_checksum). A cut short RDB fails there
// with the "unexpected end of file" error LoadRdb gives; corruption fails at the Feed() that
// reaches it (and Finish() repeats the error). A damaged length or count that claims more bytes
// than will come cannot be told from a record still arriving: that record is held (at most the
// rest of the input, what a whole-buffer load holds anyway) and fails at Finish(), with
// LoadRdb's error. Bytes after the trailer are not read (an AOF's commands after its RDB
// preamble; RdbLoadInfo::bytes_consumed says where the RDB ended).
//
// REQUIRES: on failure the databases hold what loaded before the failing record: load into
// fresh databases and swap them in only after Finish() returned true. The databases, `options`
// and `info` outlive the loader (the span of pointers is copied).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/rdb_loader.h"

namespace rill::persistence {

class RdbInput;

class RdbStreamLoader {
 public:
  // `size_hint`: the RDB's total size in bytes when known beforehand (0: unknown), which bounds
  // how many keys a RESIZEDB record may make the loader reserve room for. `*info` is reset, then
  // filled as records are parsed (aux fields and the counters are readable meanwhile).
  RdbStreamLoader(std::span<ds::Database* const> dbs, const RdbLoadOptions& options,
                  RdbLoadInfo* info, uint64_t size_hint = 0);
  ~RdbStreamLoader();
  RdbStreamLoader(const RdbStreamLoader&) = delete;
  RdbStreamLoader& operator=(const RdbStreamLoader&) = delete;

  // The next bytes of the RDB. False once the input is known to be bad (error() says why);
  // bytes after a failure or after the trailer are ignored.
  bool Feed(std::string_view bytes);
  // No more bytes after `last`: parses what is held and `last` as the end of the input (LoadRdb
  // passes the whole file here). True when a whole RDB was read; else *error says why.
  bool Finish(std::string* error, std::string_view last = {});

  bool failed() const { return stage_ == Stage::kFailed; }
  const std::string& error() const { return error_; }
  // Offset of the first byte not yet parsed (the bytes before it are in the databases).
  uint64_t bytes_parsed() const { return base_; }
  // Bytes held for a record not yet whole.
  size_t buffered() const { return buffer_.size(); }

 private:
  enum class Stage { kHeader, kBody, kTrailer, kDone, kFailed };
  // What the next key record gets from the opcodes before it.
  struct KeyHints {
    int64_t expire_ms;
    bool has_freq = false;
    bool has_idle = false;
    uint8_t freq = 0;
    uint64_t idle_seconds = 0;
  };

  // Parses whole records from the front of `bytes` (starting at offset base_ of the RDB; `last`:
  // nothing follows them) and returns how many bytes they took; base_ moves past them.
  size_t Parse(std::string_view bytes, bool last);
  bool Header(RdbInput& in, std::string_view bytes);
  // One top-level record; sets stage_ to kTrailer after the EOF opcode.
  bool Record(RdbInput& in, std::string_view bytes);
  bool Aux(RdbInput& in);
  bool KeyValue(RdbInput& in, uint8_t type, size_t record);
  bool Trailer(RdbInput& in);
  void PrefetchAhead(std::string_view bytes, size_t from);
  // How many keys a RESIZEDB of `keys` reserves room for.
  uint64_t Reservable(uint64_t keys, const RdbInput& in);

  const std::vector<ds::Database*> dbs_;
  const RdbLoadOptions& options_;
  RdbLoadInfo* info_;
  const uint64_t size_hint_;
  Stage stage_ = Stage::kHeader;
  std::string error_;
  int db_ = 0;
  KeyHints hints_;
  bool crc_on_ = false;  // the trailer will be checked: the CRC64 is kept as bytes are parsed
  uint64_t crc_ = 0;
  uint64_t base_ = 0;         // RDB offset of the first byte not yet parsed
  std::string buffer_;        // the bytes from base_ on, when a record was cut
  size_t retry_at_ = 0;       // buffer_ size at which the cut record is parsed again
  size_t prefetched_to_ = 0;  // offset (in the bytes being parsed) prefetched up to
  uint64_t reserved_without_size_ = 0;
  std::string scratch_key_;
  std::string scratch_value_;
};

}  // namespace rill::persistence
