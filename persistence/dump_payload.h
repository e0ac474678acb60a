// DUMP / RESTORE payloads, as Redis 7.0's createDumpPayload and verifyDumpPayload: one value
// serialized as in an RDB file (the type byte and the value, no key), then the RDB version the
// writer speaks as 2 bytes little endian, then the CRC64 (Jones, as the RDB trailer) of all the
// bytes before it, 8 bytes little endian:
//
//   ... RDB type + value | 2 bytes RDB version | 8 bytes CRC64 |
//
// The value goes through RdbWriter::PutValue and the loader's LoadObject, the same code that
// writes and reads RDB files, so a payload moves between Rill and redis-server both ways.
// Payloads come from clients: decoding is as hostile-proof as loading a file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "datastructs/value.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_writer.h"

namespace rill::ds {
class Entry;
}

namespace rill::persistence {

// The payload of `entry`'s value (`options`: compression and list node size; no access hints).
std::string CreateDumpPayload(const ds::Entry& entry, const RdbSaveOptions& options);

// Appends the footer to a serialized payload: rdb::kVersion and the CRC64 of all before it.
// FUNCTION DUMP's payloads end the same way.
void AppendDumpFooter(std::string* payload);

// Redis's verifyDumpPayload: at least the 10-byte footer, a version this server can read
// (at most rdb::kVersion, as Redis refuses newer ones) and a matching CRC64. False means
// Redis's "ERR DUMP payload version or checksum are wrong".
bool VerifyDumpPayload(std::string_view payload);

// A decoded payload value: a string (is_int / bytes) or a container.
struct DumpValue {
  bool is_string = false;
  bool is_int = false;
  int64_t int_value = 0;
  std::string bytes;
  std::unique_ptr<ds::ObjectValue> object;
};

// Decodes a payload that VerifyDumpPayload accepted. False for anything Redis's rdbLoadObject
// would refuse ("ERR Bad data format"): an unknown type, broken encodings, an empty container;
// `*error` says what (for logs and tests). As in Redis, the value is read from the payload as a
// whole (footer included) and bytes left after it are ignored.
bool LoadDumpPayload(std::string_view payload, const RdbLoadOptions& options, DumpValue* value,
                     std::string* error);

}  // namespace rill::persistence
