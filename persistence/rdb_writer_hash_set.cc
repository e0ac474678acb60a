// RdbWriter: hashes (HASH_LISTPACK for a listpack hash, HASH for a table) and sets (SET_INTSET
// for an intset, SET for a table), the types Redis 7.0's rdbSaveObject picks for the same
// encodings.
#include "datastructs/hash.h"
#include "datastructs/intset.h"
#include "datastructs/set.h"
#include "persistence/listpack.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {
namespace {

// Elements written between two looks at the buffer: a big hash or set must not pile up in it.
constexpr size_t kFlushEvery = 128;

}  // namespace

uint8_t RdbWriter::HashType(const ds::Hash& hash) {
  return hash.is_listpack() ? rdb::kTypeHashListpack : rdb::kTypeHash;
}

uint8_t RdbWriter::SetType(const ds::Set& set) {
  return set.is_intset() ? rdb::kTypeSetIntset : rdb::kTypeSet;
}

void RdbWriter::PutHash(const ds::Hash& hash) {
  if (hash.is_listpack()) {
    // The listpack Redis keeps for the hash: field, value, field, value ... in hash order.
    ListpackBuilder lp(&listpack_scratch_);
    hash.ForEach([&lp](std::string_view field, std::string_view value) {
      lp.AppendString(field);
      lp.AppendString(value);
    });
    PutString(lp.Finish());
    return;
  }
  PutLength(hash.size());
  size_t n = 0;
  hash.ForEach([&](std::string_view field, std::string_view value) {
    PutString(field);
    PutString(value);
    if (++n % kFlushEvery == 0) MaybeFlush();
  });
}

void RdbWriter::PutSet(const ds::Set& set) {
  if (set.is_intset()) {
    PutString(set.intset().Blob());
    return;
  }
  PutLength(set.size());
  size_t n = 0;
  set.ForEach([&](std::string_view member) {
    PutString(member);
    if (++n % kFlushEvery == 0) MaybeFlush();
  });
}

}  // namespace rill::persistence
