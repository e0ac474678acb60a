// libFuzzer target for the Lua <-> RESP conversions (see lua_convert_target.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/lua_convert_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rill::fuzz::RunLuaConvertInput(data, size);
  return 0;
}
