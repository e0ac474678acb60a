// libFuzzer target for the AOF loader's parsers (see aof_loader_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/aof_loader_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunAofLoaderInput(data, size);
  return 0;
}
