// Server-side dataset helpers for persistence tests (RDB and AOF): fill a server with every
// type Rill has in every shape the file formats care about, and describe a server's whole
// keyspace through ordinary commands (SCAN + type-specific reads, never DUMP), so that two
// servers — Rill and redis-server, or one server before and after a restart — can be compared.
#pragma once

#include <string>
#include <vector>

#include "tests/support/differential.h"
#include "tests/support/resp_client.h"

namespace rill::testing {

// Writes the standard dataset: strings (integers of every width, raw, empty, binary, long and
// compressible, with and without TTL), small and big lists (integer-looking elements too),
// streams with deleted and trimmed entries, several nodes, groups, PELs and consumers, hashes
// (listpack and table forms) and sets (intsets of each width, tables of integers and of
// strings), and keys in databases 0, 1 and 9. Every command must succeed (checked with gtest).
// Expiries are absolute (PEXPIREAT) so descriptions compare exactly.
void FillEveryType(RespClient& client);

// Every key of databases 0..15 (sorted by key per database) with its type, PEXPIRETIME and
// contents: GET, LRANGE 0 -1, OBJECT ENCODING with HGETALL / SMEMBERS (sorted), XRANGE - +,
// XINFO STREAM FULL (delivery times
// and counts included) and the XPENDING summary of each group (not the extended form: its idle
// times move). Leaves
// the client on database 0.
std::string DescribeKeyspace(RespClient& client);

// INFO `section` as field -> value pairs (e.g. "rdb_bgsave_in_progress" -> "0").
std::vector<std::pair<std::string, std::string>> InfoFields(RespClient& client,
                                                            const std::string& section);
std::string InfoField(RespClient& client, const std::string& section, const std::string& name);
// INFO memory's lazyfreed_objects once lazyfree_pending_objects is 0 (waits up to 2 s for the
// lazy-free thread).
std::string LazyFreedObjects(RespClient& client);

}  // namespace rill::testing
