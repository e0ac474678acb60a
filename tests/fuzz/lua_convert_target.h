// Fuzz entry point for the Lua <-> RESP conversions of scripting (server/scripting/
// lua_convert.h), shared by the libFuzzer binary and the corpus regression test.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// The input drives two generators. Even first byte: a well-formed RESP3 reply is built from the
// bytes (every type, nesting, lengths, CR/LF inside strings) and converted to Lua as redis.call
// would, then written back as a script's reply in RESP2 and RESP3: the conversion must consume
// exactly the reply, the output must be one well-formed frame, and replies that convert
// faithfully (strings, integers, arrays without nulls, statuses, errors) must come back
// byte for byte. Odd first byte: a Lua value is built (nested tables with holes, err/ok/map/set/
// double/big_number/verbatim fields, NaN and huge numbers, strings with CR/LF and NUL) and
// written as a reply in both protocols: one well-formed frame each time. Aborts on a violation.
void RunLuaConvertInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
