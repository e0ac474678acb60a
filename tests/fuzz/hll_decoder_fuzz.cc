// libFuzzer target for the HyperLogLog decoder (see hll_decoder_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/hll_decoder_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunHllDecoderInput(data, size);
  return 0;
}
