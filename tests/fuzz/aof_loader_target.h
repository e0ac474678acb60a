// Fuzz entry point for the AOF loader's parsers (see request_parser_target.h for how entry
// points are shared by the libFuzzer binary and the corpus regression test).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// The first byte chooses the parser; the rest is its input.
//
// Even first byte: an INCR file (RESP multibulk commands, '#' annotations, any tail) read by
// AofReader. Bits 1-6 choose a chunk size for a second read through a ReadFn, which must give
// the same commands, end status and valid offset as reading from memory; a third read whose
// source fails part-way must return a prefix of those commands and then kIoError. Offsets stay
// inside the input, the input cut at valid_offset() (where Redis truncates a bad tail) reads
// back as the same commands and a clean end, and the commands re-encoded with
// AppendAofCommand read back identically.
//
// Odd first byte: a manifest parsed by ParseAofManifest. A refusal has a message (and a line
// number within the text when it names a line); an accepted manifest formatted with
// FormatAofManifest parses back to the same manifest.
//
// Aborts on a violation.
void RunAofLoaderInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
