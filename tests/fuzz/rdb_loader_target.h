// Fuzz entry point for the RDB loader (see request_parser_target.h for how entry points are
// shared by the libFuzzer binary and the corpus regression test).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// Loads `data` as a whole RDB file into 16 fresh databases and checks the loader's contract:
// no crash, leak or undefined behaviour; a failure carries a message with the offset of the
// problem; a success leaves self-consistent values (list sizes, stream lengths, consumer group
// PELs), the keys_loaded count matches the databases, the CRC64 trailer was judged right, and
// the data written back by RdbWriter loads again to exactly the same keys and contents.
// The checksum is not verified on the first load, so mutated files reach the value decoders
// and can succeed. Aborts on a violation.
void RunRdbLoaderInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
