#include "persistence/rdb_loader.h"

#include "persistence/rdb_stream_loader.h"

namespace rill::persistence {

// The stream loader fed once, with the whole file as its last bytes: one record code for files
// and sockets, and a whole buffer is parsed where it is.
bool LoadRdb(std::string_view input, std::span<ds::Database* const> dbs,
             const RdbLoadOptions& options, RdbLoadInfo* info, std::string* error) {
  RdbStreamLoader loader(dbs, options, info, /*size_hint=*/input.size());
  return loader.Finish(error, input);
}

}  // namespace rill::persistence
