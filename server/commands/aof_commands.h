// Commands of the append-only file: BGREWRITEAOF, and DEBUG LOADAOF (dispatched by DEBUG in
// server_admin.cc).
#pragma once

#include "server/engine/command.h"

namespace rill {

void DebugLoadAof(CommandContext& ctx);

}  // namespace rill
