// libFuzzer target for the RDB loader (see rdb_loader_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/rdb_loader_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunRdbLoaderInput(data, size);
  return 0;
}
