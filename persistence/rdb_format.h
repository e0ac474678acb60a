// The RDB file format, version 10, as Redis 7.0 writes it (and the older encodings it loads).
//
// A file is a header, a sequence of records and a trailer:
//
//   +-----------+--------------------+----------------------------------+-----+----------+
//   | "REDIS"   | 4 ASCII digits     | records: AUX / SELECTDB /        | EOF | CRC64    |
//   | (5 bytes) | version ("0010")   | RESIZEDB / [EXPIRE] type key val | 0xff| 8 bytes  |
//   +-----------+--------------------+----------------------------------+-----+----------+
//
// The CRC64 (crc64.h) covers every byte before it, EOF included, and is stored little endian;
// a file saved with `rdbchecksum no` stores 0, which loaders accept without checking.
//
// A record starts with one byte: an opcode (>= 245, below) or a value type (< 245). A value
// type is followed by the key (a string) and the value in that type's encoding.
//
// Lengths (rdb_length.h) are 1, 2, 5 or 9 bytes; the pattern 11xxxxxx marks a "special"
// string encoding instead of a length. A string is one of:
//
//   [len][len bytes]                         raw
//   [0xc0][int8]  [0xc1][int16 LE]  [0xc2][int32 LE]     an integer, read back as its decimal
//   [0xc3][compressed len][original len][compressed bytes]   LZF (lzf_codec.h)
//
// Writers use the integer forms for a string of at most 11 bytes that is the canonical decimal
// form of a value fitting 32 bits, and LZF for strings over 20 bytes when compression is on
// and saves at least 4 bytes; every other string is raw.
//
// Times: EXPIRETIME_MS and millisecond times inside streams are 8-byte little-endian unix
// milliseconds; the old EXPIRETIME is a 4-byte little-endian unix time in seconds.
#pragma once

#include <cstdint>
#include <string_view>

namespace rill::persistence::rdb {

inline constexpr std::string_view kMagic = "REDIS";
inline constexpr int kVersion = 10;  // written by Redis 7.0 and by Rill
// Loaded: 1..11 (11 is Redis 7.2's, whose encodings for Rill's types are a superset of 10's).
inline constexpr int kMaxLoadVersion = 11;
inline constexpr size_t kHeaderSize = 9;  // "REDIS0010"
inline constexpr size_t kChecksumSize = 8;

// ---- record opcodes ----
inline constexpr uint8_t kOpFunction2 = 245;     // a FUNCTION library (7.0)
inline constexpr uint8_t kOpFunction = 246;      // pre-GA 7.0 function format
inline constexpr uint8_t kOpModuleAux = 247;     // module data outside keys
inline constexpr uint8_t kOpIdle = 248;          // [len] LRU idle seconds of the next key
inline constexpr uint8_t kOpFreq = 249;          // [1 byte] LFU counter of the next key
inline constexpr uint8_t kOpAux = 250;           // [string key][string value]
inline constexpr uint8_t kOpResizeDb = 251;      // [len db size][len expires size], a hint
inline constexpr uint8_t kOpExpireTimeMs = 252;  // [8 bytes LE ms] expiry of the next key
inline constexpr uint8_t kOpExpireTime = 253;    // [4 bytes LE s] expiry of the next key
inline constexpr uint8_t kOpSelectDb = 254;      // [len db index]
inline constexpr uint8_t kOpEof = 255;

// ---- value types (Redis's RDB_TYPE_*) ----
inline constexpr uint8_t kTypeString = 0;
inline constexpr uint8_t kTypeList = 1;  // [len n] n strings (linked list, before 3.2)
inline constexpr uint8_t kTypeSet = 2;
inline constexpr uint8_t kTypeZset = 3;
inline constexpr uint8_t kTypeHash = 4;
inline constexpr uint8_t kTypeZset2 = 5;
inline constexpr uint8_t kTypeModule = 6;
inline constexpr uint8_t kTypeModule2 = 7;
inline constexpr uint8_t kTypeHashZipmap = 9;
inline constexpr uint8_t kTypeListZiplist = 10;  // [string] one ziplist (before 3.2)
inline constexpr uint8_t kTypeSetIntset = 11;
inline constexpr uint8_t kTypeZsetZiplist = 12;
inline constexpr uint8_t kTypeHashZiplist = 13;
inline constexpr uint8_t kTypeListQuicklist = 14;    // [len n] n strings, each a ziplist (3.2-6.2)
inline constexpr uint8_t kTypeStreamListpacks = 15;  // 5.0-6.2
inline constexpr uint8_t kTypeHashListpack = 16;
inline constexpr uint8_t kTypeZsetListpack = 17;
inline constexpr uint8_t kTypeListQuicklist2 = 18;    // 7.0: [len n] n x ([len container][string])
inline constexpr uint8_t kTypeStreamListpacks2 = 19;  // 7.0: adds stream and group counters
inline constexpr uint8_t kTypeSetListpack = 20;       // 7.2
inline constexpr uint8_t kTypeStreamListpacks3 = 21;  // 7.2: adds consumers' active time

// QUICKLIST_2 node containers.
inline constexpr uint64_t kContainerPlain = 1;   // the string is one element
inline constexpr uint64_t kContainerPacked = 2;  // the string is a listpack

// Special string encodings (the low 6 bits after an 11xxxxxx length byte).
inline constexpr uint64_t kEncInt8 = 0;
inline constexpr uint64_t kEncInt16 = 1;
inline constexpr uint64_t kEncInt32 = 2;
inline constexpr uint64_t kEncLzf = 3;

// Strings up to this size are tried as integers; above kMinCompressSize LZF is tried.
inline constexpr size_t kMaxIntEncodedSize = 11;
inline constexpr size_t kMinCompressSize = 21;
// A quicklist element this big gets a node of its own (Redis's packed_threshold, 1 GB).
inline constexpr size_t kPlainNodeThreshold = size_t{1} << 30;

// Streams (types 15, 19, 21):
//
//   [len nodes] nodes x ([string 16-byte master ID, big endian ms then seq][string listpack])
//   [len length] [len last_id.ms] [len last_id.seq]
//   19+: [len first_id.ms] [len first_id.seq] [len max_deleted.ms] [len max_deleted.seq]
//        [len entries_added]
//   [len groups] groups x (
//      [string name] [len last_id.ms] [len last_id.seq]  19+: [len entries_read, -1 as 2^64-1]
//      [len pel] pel x ([16-byte ID BE][8-byte LE delivery ms][len delivery count])
//      [len consumers] consumers x ([string name] [8-byte LE seen ms]  21: [8-byte LE active ms]
//                                   [len pel] pel x [16-byte ID BE]))
//
// A node's listpack (see listpack.h for the element encoding) holds a master entry and then
// the entries, every number a listpack integer:
//
//   master: count | deleted | num-fields | field_1 ... field_N | 0
//   entry:  flags | ms-diff | seq-diff | num-fields | field_1 | value_1 ... | lp-count
//   entry with flags & SAMEFIELDS (its fields are the master's):
//           flags | ms-diff | seq-diff | value_1 ... value_N | lp-count
//
// count/deleted: live entries and tombstones in the node; diffs are the entry ID minus the
// master ID (the node's key), as int64; lp-count is the number of elements of the entry before
// it (3 + N, or 4 + 2N without SAMEFIELDS), so the entry can be walked backwards.
inline constexpr int64_t kStreamFlagDeleted = 1;
inline constexpr int64_t kStreamFlagSameFields = 2;
inline constexpr size_t kStreamIdSize = 16;

}  // namespace rill::persistence::rdb
