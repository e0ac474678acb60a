// Fuzz entry point for the incremental RDB loader (persistence/rdb_stream_loader.h; see
// request_parser_target.h for how entry points are shared by the libFuzzer binary and the
// corpus regression test).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rill::fuzz {

// The first byte chooses how the rest is cut into pieces (a seed for their sizes, from single
// bytes to tens of kilobytes) and whether the CRC64 trailer is verified; the rest is an RDB
// file. Feeds the pieces to RdbStreamLoader and checks that it never crashes and agrees with
// LoadRdb over the whole buffer: the same success or failure, the same error text, the same
// data in the databases (after a failure too: what loaded before the bad record) and the same
// RdbLoadInfo. Aborts on a violation.
void RunRdbStreamInput(const uint8_t* data, size_t size);

}  // namespace rill::fuzz
