// Helpers shared by the string command files (strings.cc, strings_counters.cc,
// strings_ranges.cc, strings_lcs.cc). Not a public interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "datastructs/keyspace.h"
#include "server/engine/command.h"

namespace rill::strings_internal {

// Redis's checkStringLength: replies the proto-max-bulk-len error and returns false when a
// string of `current` bytes grown by `added` bytes would exceed the configured limit.
bool CheckStringLengthOrReply(CommandContext& ctx, uint64_t current, uint64_t added);

void RegisterCounterCommands(CommandTable& table);
void RegisterRangeCommands(CommandTable& table);
void RegisterLcsCommand(CommandTable& table);

}  // namespace rill::strings_internal
