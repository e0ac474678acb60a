// libFuzzer target for the request parser (see request_parser_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/request_parser_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunRequestParserInput(data, size);
  return 0;
}
