// DEBUG subcommands about keys: OBJECT, POPULATE, LOG. CmdDebug (server_admin.cc) hands them
// here.
#pragma once

#include <string_view>

#include "server/engine/command.h"

namespace rill {

// Runs DEBUG `sub` (lower case) when it is one of these; false when it is not.
bool RunDebugKeyspaceSubcommand(CommandContext& ctx, std::string_view sub);

}  // namespace rill
