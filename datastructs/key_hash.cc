#include "datastructs/key_hash.h"

namespace rill::ds::key_hash_internal {

// A copy of the process's seed in a plain constant: the keyspace hashes twice per command and
// skips ProcessHashSeed()'s first-use check this way.
const uint64_t kSeed = ProcessHashSeed();

}  // namespace rill::ds::key_hash_internal
