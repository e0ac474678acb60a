// The dataset as AOF commands: the BASE file of a rewrite when aof-use-rdb-preamble is no, as
// Redis 7.0's rewriteAppendOnlyFileRio writes it.
//
//   SELECT <db>                                    for each non-empty database
//   SET <key> <value>                              strings
//   RPUSH <key> <up to 64 elements>                lists, in batches
//   HMSET <key> <up to 64 field value pairs>       hashes, in batches
//   SADD <key> <up to 64 members>                  sets, in batches
//   XADD <key> <id> <field> <value> ...            streams, entry by entry (an empty stream is
//                                                  "XADD <key> MAXLEN 0 0-1 x y")
//   XSETID <key> <last id> ENTRIESADDED <n> MAXDELETEDID <id>
//   XGROUP CREATE <key> <group> <last id> ENTRIESREAD <n>        per group, in name order, then
//   XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> JUSTID FORCE
//                                                  per pending entry, consumer by consumer, or
//   XGROUP CREATECONSUMER <key> <group> <consumer>               for a consumer without any
//   PEXPIREAT <key> <unix ms>                      after the value, for keys with an expiry
//
// Keys are written as they are, expired or not: the snapshot is what the loader must rebuild.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill::ds {
class Database;
}

namespace rill::persistence {

// Receives the output in pieces; returns false to abort (a write error).
using AofOutput = std::function<bool(std::string_view bytes)>;

struct AofRewriteOptions {
  // Writes "#TS:<unix seconds>\r\n" first (aof-timestamp-enabled).
  bool timestamp_annotation = false;
  int64_t now_unix_seconds = 0;
  // Calls `progress(keys_written)` every RdbSaveOptions::kProgressInterval keys (child info for
  // INFO, and where the child yields the CPU, as RdbSaveOptions::progress).
  std::function<void(uint64_t keys)> progress;
  // rdb-key-save-delay, which Redis applies to this format too (RdbSaveOptions's).
  int64_t key_save_delay_us = 0;
  // FUNCTION libraries' codes, written first as FUNCTION LOAD commands (Redis's
  // rewriteFunctions).
  std::vector<std::string> functions;
};

// Writes every database of `databases` (index = db number). False if `out` failed.
bool WriteAofRewrite(std::span<ds::Database* const> databases, const AofRewriteOptions& options,
                     const AofOutput& out);

}  // namespace rill::persistence
