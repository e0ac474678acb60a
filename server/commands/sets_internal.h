// Helpers shared by the set command files (sets.cc, sets_random.cc, sets_algebra.cc).
#pragma once

#include <string_view>

#include "datastructs/set.h"
#include "server/engine/command.h"

namespace rill::sets_internal {

// set-max-intset-entries, as ds::Set's conversion threshold.
ds::SetLimits Limits(CommandContext& ctx);

}  // namespace rill::sets_internal

namespace rill {
void RegisterSetRandomCommands(CommandTable& table);   // sets_random.cc
void RegisterSetAlgebraCommands(CommandTable& table);  // sets_algebra.cc
}  // namespace rill
