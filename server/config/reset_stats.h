// CONFIG RESETSTAT's effect: zero the counters INFO reports (server stats and per-command
// calls/usec/rejected/failed), keeping state that is not a statistic (dirty count, last save,
// start time).
#pragma once

namespace rill {

class Engine;

void ResetStats(Engine& engine);

}  // namespace rill
