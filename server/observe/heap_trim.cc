#include "server/observe/heap_trim.h"

#include <algorithm>

#include "server/observe/alloc_counter.h"
#include "server/observe/memory_report.h"

namespace rill {

bool HeapTrimmer::MaybeTrim(size_t resident, size_t allocated) {
  const int64_t slack = static_cast<int64_t>(resident) - static_cast<int64_t>(allocated);
  // The slack is negative while allocated memory is not all resident yet (untouched pages of
  // big buffers).
  if (!measured_ || slack < baseline_) {
    measured_ = true;
    baseline_ = slack;
    return false;
  }
  if (slack - baseline_ < static_cast<int64_t>(kSlackGrowth)) return false;
  PurgeAllocator();
  baseline_ = static_cast<int64_t>(ResidentBytes()) - static_cast<int64_t>(AllocatedBytes());
  return true;
}

bool HeapTrimmer::MaybeTrim() {
  if (AllocatorReleasesPagesItself()) return false;
  return MaybeTrim(ResidentBytes(), AllocatedBytes());
}

}  // namespace rill
