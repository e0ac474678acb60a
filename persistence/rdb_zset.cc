// RDB sorted sets: loading ZSET, ZSET_2, ZSET_ZIPLIST and ZSET_LISTPACK; writing the last two
// of Redis 7.0's forms (RdbWriter::PutZSet).
#include "persistence/rdb_zset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/double_format.h"
#include "common/number_parse.h"
#include "persistence/listpack.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {
namespace {

// The old ZSET type's score: a length byte, then that many ASCII bytes; 253, 254 and 255 stand
// for nan, inf and -inf.
bool ReadTextScore(RdbInput& in, double* score) {
  const size_t at = in.pos();
  uint8_t len;
  if (!in.ReadByte(&len)) return false;
  if (len == 253) return in.Fail("sorted set score is NaN", at);
  if (len == 254 || len == 255) {
    *score = len == 254 ? std::numeric_limits<double>::infinity()
                        : -std::numeric_limits<double>::infinity();
    return true;
  }
  std::string_view text;
  if (!in.ReadBytes(len, &text)) return false;
  if (!ParseDouble(text, score)) return in.Fail("sorted set score is not a number", at);
  return true;
}

bool ReadBinaryScore(RdbInput& in, double* score) {
  const size_t at = in.pos();
  std::string_view bytes;
  if (!in.ReadBytes(sizeof(double), &bytes)) return false;
  uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | static_cast<uint8_t>(bytes[i]);
  std::memcpy(score, &bits, sizeof(bits));
  if (std::isnan(*score)) return in.Fail("sorted set score is NaN", at);
  return true;
}

// ZSET and ZSET_2: count, then member and score pairs in any order.
std::unique_ptr<ds::ZSet> LoadPairs(RdbInput& in, uint8_t type, const ds::ZSetLimits& limits,
                                    std::string* scratch) {
  uint64_t n;
  if (!in.ReadCount(&n, type == rdb::kTypeZset2 ? 1 + 8 : 1 + 1)) return nullptr;
  // Packed while the count allows (members too long are found as they come), as Redis's
  // conversion after the load ends up.
  auto z = std::make_unique<ds::ZSet>(n, 0, limits);
  RdbString member;
  char buf[24];
  for (uint64_t i = 0; i < n; ++i) {
    const size_t at = in.pos();
    if (!in.ReadString(&member, scratch)) return nullptr;
    const std::string_view m = member.View(buf);
    double score;
    if (!(type == rdb::kTypeZset2 ? ReadBinaryScore(in, &score) : ReadTextScore(in, &score))) {
      return nullptr;
    }
    double existing;
    if (z->Score(m, &existing)) {
      return in.Fail(absl::StrCat("duplicate sorted set member ", QuoteForError(m)), at), nullptr;
    }
    z->Insert(m, score, limits);
  }
  return z;
}

// ZSET_LISTPACK and ZSET_ZIPLIST: one blob of member, score, member, score... in order.
template <typename Reader>
std::unique_ptr<ds::ZSet> LoadPacked(RdbInput& in, const ds::ZSetLimits& limits,
                                     std::string* scratch) {
  const size_t at = in.pos();
  RdbString blob;
  if (!in.ReadString(&blob, scratch)) return nullptr;
  if (blob.is_int) return in.Fail("a sorted set listpack stored as an integer", at), nullptr;
  auto bad = [&](const std::string& why) {
    in.Fail("bad sorted set listpack: " + why, at);
    return nullptr;
  };
  // The packed types stay packed up to the entry limit whatever their members' lengths.
  ds::ZSetLimits keep = limits;
  keep.max_packed_value = std::numeric_limits<size_t>::max();
  auto z = std::make_unique<ds::ZSet>(0, 0, keep);
  Reader reader(blob.bytes);
  PackedElement member, score_element;
  char mbuf[24];
  std::string previous_member;
  double previous_score = 0;
  while (reader.Next(&member)) {
    if (!reader.Next(&score_element)) {
      return reader.ok() ? bad("a member without its score") : bad(reader.error());
    }
    double score;
    if (score_element.is_int) {
      score = static_cast<double>(score_element.int_value);
    } else if (!ParseDouble(score_element.str, &score)) {
      return bad("a score that is not a number");
    }
    const std::string_view m = member.AsString(mbuf);
    if (z->size() > 0) {
      const int order = ds::CompareZKeys(previous_score, previous_member, score, m);
      if (order >= 0) return bad("entries out of (score, member) order");
      double existing;
      if (z->Score(m, &existing)) {
        return bad(absl::StrCat("duplicate member ", QuoteForError(m)));
      }
    }
    z->Insert(m, score, keep);
    previous_score = score;
    previous_member.assign(m);
  }
  if (!reader.ok()) return bad(reader.error());
  return z;
}

}  // namespace

std::unique_ptr<ds::ZSet> LoadZSet(RdbInput& in, uint8_t type, const ds::ZSetLimits& limits,
                                   std::string* scratch) {
  std::unique_ptr<ds::ZSet> z;
  if (type == rdb::kTypeZset || type == rdb::kTypeZset2) {
    z = LoadPairs(in, type, limits, scratch);
    if (z != nullptr) z->ShrinkToPackedIfFits(limits);
  } else if (type == rdb::kTypeZsetListpack) {
    z = LoadPacked<ListpackReader>(in, limits, scratch);
  } else {
    z = LoadPacked<ZiplistReader>(in, limits, scratch);
  }
  return z;
}

void RdbWriter::PutZSet(const ds::ZSet& z) {
  if (z.packed()) {
    ListpackBuilder lp(&listpack_scratch_);
    char buf[kDouble17Max];
    z.ForEach([&](double score, std::string_view member) {
      lp.AppendString(member);
      // As Redis's zzlInsertAt: whole numbers as listpack integers, others as "%.17g" text.
      int64_t v;
      if (ds::ZScoreAsInteger(score, &v)) {
        lp.AppendInteger(v);
      } else {
        lp.AppendString(std::string_view(buf, FormatDouble17(buf, score)));
      }
    });
    PutString(lp.Finish());
    return;
  }
  PutLength(z.size());
  // Greatest first, as Redis (its loader then always inserts at the head).
  z.ForRange(0, z.size() - 1, true, [&](double score, std::string_view member) {
    PutString(member);
    uint64_t bits;
    std::memcpy(&bits, &score, sizeof(bits));
    char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<char>(bits >> (8 * i));
    buf_.append(le, sizeof(le));
    MaybeFlush();
    return true;
  });
}

}  // namespace rill::persistence
