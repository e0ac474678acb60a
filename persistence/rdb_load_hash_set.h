// Value decoders of the RDB loader for hashes and sets (internal to persistence/).
//
// Every encoding Redis 7.0 writes or still loads: hashes as HASH (field/value pairs),
// HASH_ZIPMAP (2.x), HASH_ZIPLIST (before 7.0) and HASH_LISTPACK; sets as SET, SET_INTSET and
// (Redis 7.2's) SET_LISTPACK. Payloads are checked as Redis's deep sanitization checks them
// (element counts that match their headers, entries inside their blob, an even number of hash
// listpack elements, intsets strictly ascending) and duplicate fields or members are refused.
// The loaded value takes the form Redis would give it under the limits in RdbLoadOptions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datastructs/hash.h"
#include "datastructs/set.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"

namespace rill::persistence {

bool IsHashType(uint8_t type);
bool IsSetType(uint8_t type);

// A hash or set in RDB type `type`. nullptr after recording the problem in `in`; an empty one
// (the caller skips the key, as Redis does) is returned with size 0.
std::unique_ptr<ds::Hash> LoadHash(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                   std::string* scratch);
std::unique_ptr<ds::Set> LoadSet(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                 std::string* scratch);

}  // namespace rill::persistence
