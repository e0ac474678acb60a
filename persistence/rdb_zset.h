// Sorted sets in RDB files (internal to persistence/).
//
// Written as Redis 7.0 writes them: a packed set as ZSET_LISTPACK (17), one listpack of
// member, score, member, score... in order, each score the "%.17g" text of the double (stored
// as a listpack integer when it is one); a big set as ZSET_2 (5): the count, then from the
// greatest entry down to the least (so a loader's inserts are prepends) the member and the
// score as 8 little-endian bytes.
//
// Loaded: those two, ZSET (3: scores as length-prefixed text, 253/254/255 = nan/inf/-inf) and
// ZSET_ZIPLIST (12). Strict: a NaN or unparsable score, a duplicate member, a packed form out
// of (score, member) order or with an odd element count, a count the input cannot hold, all
// end the load with a message (ZSET and ZSET_2 may come in any order: Redis sorts them as it
// inserts). Form after the load as Redis 7.0 chooses it: ZSET/ZSET_2 packed when within both
// zset-max-listpack limits; the packed types stay packed unless they hold more than
// zset-max-listpack-entries members (member length is not checked there, as in Redis).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datastructs/zset.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"

namespace rill::persistence {

// A sorted set in RDB type `type`. Returns nullptr after recording the problem in `in`; an
// empty set (the caller skips the key, as Redis does) is returned with size 0.
std::unique_ptr<ds::ZSet> LoadZSet(RdbInput& in, uint8_t type, const ds::ZSetLimits& limits,
                                   std::string* scratch);

inline bool IsZSetType(uint8_t t) {
  return t == rdb::kTypeZset || t == rdb::kTypeZset2 || t == rdb::kTypeZsetZiplist ||
         t == rdb::kTypeZsetListpack;
}

}  // namespace rill::persistence
