// Value decoders of the RDB loader for container types (internal to persistence/).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "datastructs/list.h"
#include "datastructs/stream.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"

namespace rill::persistence {

// Whether an RDB value type byte is one of the list / stream types.
bool IsListType(uint8_t type);
bool IsStreamType(uint8_t type);

// A list in RDB type `type` (LIST, LIST_ZIPLIST, LIST_QUICKLIST or LIST_QUICKLIST_2). Returns
// nullptr after recording the problem in `in`; an empty list (the caller skips the key, as
// Redis does) is returned with size 0.
std::unique_ptr<ds::List> LoadList(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                   std::string* scratch);

// A container value of any RDB type Rill loads (lists, sets, sorted sets, hashes, streams):
// the one dispatch both the file loader and DUMP payloads use. nullptr after recording the
// problem in `in` (an unknown type included); *empty is set for a container with no element,
// which Redis skips in a file and refuses in a payload.
std::unique_ptr<ds::ObjectValue> LoadObject(RdbInput& in, uint8_t type,
                                            const RdbLoadOptions& options, std::string* scratch,
                                            bool* empty);

// A stream in RDB type STREAM_LISTPACKS, _2 or _3. nullptr after recording the problem.
// Nodes keep their layout and tombstones (Stream::AppendLoadedBlock).
std::unique_ptr<ds::Stream> LoadStream(RdbInput& in, uint8_t type, std::string* scratch);

}  // namespace rill::persistence
