// libFuzzer target for DUMP payloads (see dump_payload_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/dump_payload_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunDumpPayloadInput(data, size);
  return 0;
}
