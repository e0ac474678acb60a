// Fuzz entry point for the HyperLogLog decoder (datastructs/hyperloglog.h): the code that reads
// a string value as Redis's HLL representation, which any client can write with SET.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// Reads `data` as an HLL value and checks the decoder's contract: no crash, out-of-bounds access
// or undefined behaviour on any bytes; IsHll decides like Redis's isHLLObjectOrReply; the
// readers agree on validity (Count, MergeInto and SparseToDense succeed or fail together) and on
// the registers (the dense form counts and merges like the sparse one); adding elements to a
// valid HLL keeps it valid, never lowers a register, raises the element's register to its
// count, and keeps a sparse form within the sparse limit. Aborts on a violation.
//
// The first byte chooses how the rest is framed: 0 as the whole value; 1 as a sparse body
// behind a valid header; 2 as a dense body (cut or zero-padded to 12288 bytes); 3 as a sparse
// body whose last bytes are also used as elements to add, and as the sparse limit.
void RunHllDecoderInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
