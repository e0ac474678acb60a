// libFuzzer target for the incremental RDB loader (see rdb_stream_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/rdb_stream_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunRdbStreamInput(data, size);
  return 0;
}
