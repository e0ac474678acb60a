// Fuzz entry points shared by the libFuzzer binaries (tests/fuzz/*_fuzz.cc, built with
// -DRILL_FUZZ=ON and clang) and by the corpus regression test that runs in every build
// (tests/unit/fuzz_corpus/), so each input once found by a fuzzer keeps being checked.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// Feeds `data` to the request parser the way a connection does, in chunks whose sizes are
// derived from the input itself, and checks the parser's contract: every command is the same
// whether the bytes arrive at once or in pieces, argument views lie inside the buffer,
// consumed() never passes the end, and an error stops the stream. Aborts on a violation.
void RunRequestParserInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
