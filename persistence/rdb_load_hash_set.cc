#include "persistence/rdb_load_hash_set.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "persistence/listpack.h"
#include "persistence/rdb_format.h"

namespace rill::persistence {
namespace {

// Adds one field to a loading hash; a field seen before makes the payload corrupt.
bool AddField(RdbInput& in, ds::Hash& hash, std::string_view field, std::string_view value,
              const RdbLoadOptions& options, size_t at) {
  if (!hash.Set(field, value, options.hash_limits)) {
    return in.Fail(absl::StrCat("duplicate hash field ", QuoteForError(field)), at);
  }
  return true;
}

bool AddMember(RdbInput& in, ds::Set& set, std::string_view member, const RdbLoadOptions& options,
               size_t at) {
  if (!set.Add(member, options.set_limits)) {
    return in.Fail(absl::StrCat("duplicate set member ", QuoteForError(member)), at);
  }
  return true;
}

// Field/value pairs of a hash listpack or ziplist.
template <typename Reader>
bool LoadPackedPairs(RdbInput& in, std::string_view blob, size_t at, const RdbLoadOptions& options,
                     ds::Hash& hash) {
  Reader reader(blob);
  PackedElement e;
  char fbuf[24], vbuf[24];
  std::string field;
  bool have_field = false;
  while (reader.Next(&e)) {
    if (!have_field) {
      field.assign(e.AsString(fbuf));
      have_field = true;
      continue;
    }
    have_field = false;
    if (!AddField(in, hash, field, e.AsString(vbuf), options, at)) return false;
  }
  if (!reader.ok()) return in.Fail(absl::StrCat("bad hash payload: ", reader.error()), at);
  if (have_field) return in.Fail("hash payload with an odd number of elements", at);
  return true;
}

// Redis 2.x's zipmap (zipmap.c): [count: 1 byte, 254 = unknown] then entries
// [len][field][len][free: 1 byte][value][free bytes], a len being one byte below 254 or 254 and
// a 4-byte little-endian length, and 0xff at the end. Checked as zipmapValidateIntegrity with
// `deep` set: everything inside the blob, at least one entry, the count right when given.
bool LoadZipmap(RdbInput& in, std::string_view blob, size_t at, const RdbLoadOptions& options,
                ds::Hash& hash) {
  constexpr uint8_t kBigLen = 254, kEnd = 255;
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2 || p[size - 1] != kEnd) return in.Fail("zipmap without its end marker", at);
  size_t pos = 1;
  // Reads a length at `pos`, which must stay before the end marker with what follows.
  auto read_len = [&](uint64_t* len) {
    if (pos >= size - 1) return false;
    if (p[pos] < kBigLen) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != kBigLen || size - 1 - pos < 5) return false;
    *len = static_cast<uint64_t>(p[pos + 1]) | (static_cast<uint64_t>(p[pos + 2]) << 8) |
           (static_cast<uint64_t>(p[pos + 3]) << 16) | (static_cast<uint64_t>(p[pos + 4]) << 24);
    pos += 5;
    return true;
  };
  size_t count = 0;
  std::string field;
  while (pos < size - 1) {
    uint64_t flen, vlen;
    if (!read_len(&flen) || flen > size - 1 - pos) {
      return in.Fail("zipmap field runs past the end", at);
    }
    field.assign(blob.substr(pos, flen));
    pos += flen;
    if (!read_len(&vlen) || pos >= size - 1) return in.Fail("zipmap value runs past the end", at);
    const uint64_t free = p[pos++];
    if (vlen > size - 1 - pos || free > size - 1 - pos - vlen) {
      return in.Fail("zipmap value runs past the end", at);
    }
    if (!AddField(in, hash, field, blob.substr(pos, vlen), options, at)) return false;
    pos += vlen + free;
    ++count;
  }
  if (count == 0) return in.Fail("empty zipmap", at);
  if (p[0] != kBigLen && p[0] != count)
    return in.Fail("zipmap count does not match its header", at);
  return true;
}

}  // namespace

bool IsHashType(uint8_t t) {
  return t == rdb::kTypeHash || t == rdb::kTypeHashZipmap || t == rdb::kTypeHashZiplist ||
         t == rdb::kTypeHashListpack;
}

bool IsSetType(uint8_t t) {
  return t == rdb::kTypeSet || t == rdb::kTypeSetIntset || t == rdb::kTypeSetListpack;
}

std::unique_ptr<ds::Hash> LoadHash(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                   std::string* scratch) {
  auto hash = std::make_unique<ds::Hash>();
  if (type == rdb::kTypeHash) {
    uint64_t n;
    if (!in.ReadCount(&n, 2)) return nullptr;
    // Too many fields for a listpack: a table from the start, as Redis does.
    if (n > options.hash_limits.max_listpack_entries) hash->ReserveTable(n);
    RdbString f, v;
    std::string field;
    char fb[24], vb[24];
    for (uint64_t i = 0; i < n; ++i) {
      const size_t at = in.pos();
      // The field is copied: reading the value may reuse the scratch buffer it lives in.
      if (!in.ReadString(&f, scratch)) return nullptr;
      field.assign(f.View(fb));
      if (!in.ReadString(&v, scratch)) return nullptr;
      if (!AddField(in, *hash, field, v.View(vb), options, at)) return nullptr;
    }
    return hash;
  }
  const size_t at = in.pos();
  RdbString blob;
  if (!in.ReadString(&blob, scratch)) return nullptr;
  if (blob.is_int) return in.Fail("a hash payload stored as an integer", at), nullptr;
  bool ok;
  switch (type) {
    case rdb::kTypeHashListpack:
      ok = LoadPackedPairs<ListpackReader>(in, blob.bytes, at, options, *hash);
      break;
    case rdb::kTypeHashZiplist:
      ok = LoadPackedPairs<ZiplistReader>(in, blob.bytes, at, options, *hash);
      break;
    default:
      ok = LoadZipmap(in, blob.bytes, at, options, *hash);
  }
  return ok ? std::move(hash) : nullptr;
}

std::unique_ptr<ds::Set> LoadSet(RdbInput& in, uint8_t type, const RdbLoadOptions& options,
                                 std::string* scratch) {
  auto set = std::make_unique<ds::Set>();
  if (type == rdb::kTypeSet) {
    uint64_t n;
    if (!in.ReadCount(&n, 1)) return nullptr;
    if (n > options.set_limits.max_intset_entries) set->ReserveTable(n);
    RdbString m;
    char buf[24];
    for (uint64_t i = 0; i < n; ++i) {
      const size_t at = in.pos();
      if (!in.ReadString(&m, scratch)) return nullptr;
      if (!AddMember(in, *set, m.View(buf), options, at)) return nullptr;
    }
    return set;
  }
  const size_t at = in.pos();
  RdbString blob;
  if (!in.ReadString(&blob, scratch)) return nullptr;
  if (blob.is_int) return in.Fail("a set payload stored as an integer", at), nullptr;
  if (type == rdb::kTypeSetIntset) {
    if (const char* why = set->LoadIntset(blob.bytes)) {
      return in.Fail(absl::StrCat("bad intset: ", why), at), nullptr;
    }
    if (set->size() > options.set_limits.max_intset_entries) set->ConvertToTable();
    return set;
  }
  ListpackReader reader(blob.bytes);
  PackedElement e;
  char buf[24];
  while (reader.Next(&e)) {
    if (!AddMember(in, *set, e.AsString(buf), options, at)) return nullptr;
  }
  if (!reader.ok()) return in.Fail(absl::StrCat("bad set listpack: ", reader.error()), at), nullptr;
  return set;
}

}  // namespace rill::persistence
