// XREAD BLOCK / XREADGROUP BLOCK: clients parked until entries arrive.
//
// Until the shared blocking registry (server/blocking.h) is available, a read that would wait
// answers as if its timeout had expired at once.

#include "server/commands/stream_internal.h"
#include "server/commands/stream_read_internal.h"

namespace rill::stream_internal {

void BlockRead(CommandContext& ctx, StreamReadRequest req) { ctx.reply.NullArray(); }

}  // namespace rill::stream_internal
