// Helpers shared by the hash command files (hashes.cc, hashes_random_scan.cc).
#pragma once

#include <string_view>

#include "datastructs/hash.h"
#include "server/engine/command.h"

namespace rill::hashes_internal {

// hash-max-listpack-entries / -value, as the conversion thresholds of ds::Hash.
ds::HashLimits Limits(CommandContext& ctx);
// Redis's hashTypeLookupWriteOrCreate: the hash at `key`, made empty (a listpack) when missing;
// WRONGTYPE replied when the key holds another type.
TypedKey<ds::Hash> FindOrCreateHash(CommandContext& ctx, std::string_view key);

}  // namespace rill::hashes_internal

namespace rill {
void RegisterHashRandomScanCommands(CommandTable& table);
}  // namespace rill
