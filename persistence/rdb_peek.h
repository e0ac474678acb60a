// PeekStringRecord: a look at the next RDB record without loading it, for the loader's
// prefetching (rdb_loader.cc). Bounds-checked and nothing more: the loader still reads and
// validates every record itself.
#pragma once

#include <cstddef>
#include <string_view>

namespace rill::persistence {

// Where the string-key record at `in[pos]` ends and its key, for prefetching: a record of
// type 0 after an optional expiry, a plain key and a plain, integer or LZF value. False for
// anything else or anything cut short (the loader itself then reads and reports it).
bool PeekStringRecord(std::string_view in, size_t pos, std::string_view* key, size_t* end);

}  // namespace rill::persistence
