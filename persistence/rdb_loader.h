// Rebuilds databases from an RDB file (rdb_format.h): every encoding Redis 7.0 (and 7.2) can
// write for the types Rill has. Strings in all encodings; lists as LIST (linked), ZIPLIST,
// QUICKLIST of ziplists and QUICKLIST_2 of listpacks or plain nodes; streams as
// STREAM_LISTPACKS 1, 2 and 3 with their groups, PELs and consumers; expiries in seconds or
// milliseconds; hashes and sets in every encoding Redis 7.0 loads (rdb_load_hash_set.h); sorted
// sets in all four encodings (rdb_zset.h); each key's recorded LRU idle time or LFU counter
// (RdbLoadOptions::access_clock); aux fields; FUNCTION libraries (handed over as code). Modules
// and pre-GA functions are refused with an error naming them.
//
// The input is hostile until proven otherwise (a damaged disk, a file from elsewhere, a
// fuzzer): every length is checked against the bytes left before it is used, counts cannot
// make the loader reserve more than the input could describe, LZF expansion is bounded, and
// any inconsistency ends the load with a message naming the problem and its byte offset.
//
//   std::vector<std::unique_ptr<ds::Database>> fresh = ...;   // empty databases
//   RdbLoadInfo info;
//   std::string error;
//   if (!LoadRdb(file_bytes, RawPointers(fresh), options, &info, &error)) { refuse(error); }
//
// LoadRdb takes the whole file at once; RdbStreamLoader (rdb_stream_loader.h) takes it as it
// arrives (a replica's diskless load), with the same record code, results and error texts.
//
// REQUIRES: on failure the target databases hold part of the file; load into fresh databases
// and swap them in only when LoadRdb returned true ("nothing half-loaded").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "datastructs/hash.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"

namespace rill::ds {
class AccessClock;
class Database;
}  // namespace rill::ds

namespace rill::persistence {

struct RdbLoadOptions {
  ds::ListLimits list_limits;      // list-max-listpack-size of the rebuilt lists
  ds::StreamLimits stream_limits;  // only for entries that do not come as whole nodes
  ds::ZSetLimits zset_limits;      // zset-max-listpack-entries / -value of the rebuilt sets
  ds::HashLimits hash_limits;      // hash-max-listpack-entries / -value of the rebuilt hashes
  ds::SetLimits set_limits;        // set-max-intset-entries of the rebuilt sets
  // Keys whose expiry is before now_ms are dropped (counted in keys_expired), as a Redis
  // master does; set skip_expired = false to keep them (an AOF preamble).
  int64_t now_ms = 0;
  bool skip_expired = true;
  // rdbchecksum: verify the CRC64 trailer (a stored 0 means "saved without checksum").
  bool verify_checksum = true;
  // DEBUG RELOAD MERGE: a key already present is replaced instead of failing the load.
  bool allow_duplicates = false;
  // The per-key access records (RDB_OPCODE_FREQ / RDB_OPCODE_IDLE) set the next key's LRU/LFU
  // bits on this clock, as Redis's objectSetLRUOrLFU: a FREQ when the clock is LFU (an LFU
  // maxmemory-policy), an IDLE otherwise; the other kind is ignored. Without a clock both are
  // skipped and keys keep the bits of a new key.
  const ds::AccessClock* access_clock = nullptr;
};

struct RdbLoadInfo {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;
  uint64_t empty_keys_skipped = 0;  // lists with no element, which Redis skips too
  // Bytes of the RDB, signature to checksum included: an AOF with an RDB preamble continues
  // with commands from here.
  size_t bytes_consumed = 0;
  bool checksum_verified = false;  // false when the file stored 0 or verification was off
  bool aof_base = false;           // the aof-base aux field was 1
  int64_t used_mem = 0;            // the used-mem aux field (0: absent or not a number)
  std::vector<std::pair<std::string, std::string>> aux;  // aux fields in file order
  // FUNCTION libraries (RDB_OPCODE_FUNCTION2 records: each library's code), in file order. The
  // caller loads them; the loader does not run code.
  std::vector<std::string> functions;
};

// Loads one RDB from the start of `input` into `dbs` (database index = position; a SELECTDB
// beyond the span is an error). Returns false with `*error` set on any problem.
bool LoadRdb(std::string_view input, std::span<ds::Database* const> dbs,
             const RdbLoadOptions& options, RdbLoadInfo* info, std::string* error);

}  // namespace rill::persistence
