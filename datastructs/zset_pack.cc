#include "datastructs/zset_pack.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/container/inlined_vector.h"
#include "datastructs/varint.h"

namespace rill::ds {
namespace {

constexpr uint8_t kTagInt8 = 0xF0;
constexpr uint8_t kTagInt16 = 0xF1;
constexpr uint8_t kTagInt32 = 0xF2;
constexpr uint8_t kTagInt64 = 0xF3;
constexpr uint8_t kTagDouble = 0xF4;
constexpr uint8_t kMaxInlineInt = 0xEF;

}  // namespace

// Redis 7.0's double2ll rule for listpack scores, so -0.0 becomes 0 in the packed form as it
// does in Redis's listpack (ZSCORE then says "0"; the big form keeps "-0").
bool ZScoreAsInteger(double score, int64_t* v) {
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (!(score >= -kLimit && score <= kLimit)) return false;
  const int64_t i = static_cast<int64_t>(score);
  if (static_cast<double>(i) != score) return false;
  *v = i;
  return true;
}

namespace {

size_t ScoreBytes(double score) {
  int64_t v;
  if (!ZScoreAsInteger(score, &v)) return 9;
  if (v >= 0 && v <= kMaxInlineInt) return 1;
  if (v >= INT8_MIN && v <= INT8_MAX) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

char* PutScore(char* p, double score) {
  int64_t v;
  if (!ZScoreAsInteger(score, &v)) {
    *p++ = static_cast<char>(kTagDouble);
    std::memcpy(p, &score, 8);
    return p + 8;
  }
  if (v >= 0 && v <= kMaxInlineInt) {
    *p++ = static_cast<char>(v);
  } else if (v >= INT8_MIN && v <= INT8_MAX) {
    *p++ = static_cast<char>(kTagInt8);
    *p++ = static_cast<char>(static_cast<int8_t>(v));
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    *p++ = static_cast<char>(kTagInt16);
    const int16_t x = static_cast<int16_t>(v);
    std::memcpy(p, &x, 2);
    p += 2;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    *p++ = static_cast<char>(kTagInt32);
    const int32_t x = static_cast<int32_t>(v);
    std::memcpy(p, &x, 4);
    p += 4;
  } else {
    *p++ = static_cast<char>(kTagInt64);
    std::memcpy(p, &v, 8);
    p += 8;
  }
  return p;
}

struct Entry {
  double score;
  std::string_view member;
  uint32_t size;
};

inline Entry ReadEntry(const char* start) {
  const char* p = start;
  const uint8_t tag = static_cast<uint8_t>(*p++);
  double score;
  if (tag <= kMaxInlineInt) {
    score = tag;
  } else {
    switch (tag) {
      case kTagInt8:
        score = static_cast<int8_t>(*p++);
        break;
      case kTagInt16: {
        int16_t x;
        std::memcpy(&x, p, 2);
        p += 2;
        score = x;
        break;
      }
      case kTagInt32: {
        int32_t x;
        std::memcpy(&x, p, 4);
        p += 4;
        score = x;
        break;
      }
      case kTagInt64: {
        int64_t x;
        std::memcpy(&x, p, 8);
        p += 8;
        score = static_cast<double>(x);
        break;
      }
      default:
        std::memcpy(&score, p, 8);
        p += 8;
        break;
    }
  }
  uint64_t len;
  p = GetVarint(p, &len);
  return {score, {p, static_cast<size_t>(len)}, static_cast<uint32_t>(p - start + len)};
}

}  // namespace

size_t ZPackEntryBytes(double score, size_t member_len) {
  return ScoreBytes(score) + VarintSize(member_len) + member_len;
}

void ZPack::Free() {
  std::free(buf);
  buf = nullptr;
  bytes = count = 0;
}

void ZPack::CopyFrom(const ZPack& other) {
  bytes = other.bytes;
  count = other.count;
  if (other.bytes == 0) return;
  buf = static_cast<char*>(std::malloc(other.bytes));
  if (buf == nullptr) std::abort();
  std::memcpy(buf, other.buf, other.bytes);
}

void ZPack::Resize(size_t n) {
  if (n == 0) {
    std::free(buf);
    buf = nullptr;
    return;
  }
  char* p = static_cast<char*>(std::realloc(buf, n));
  if (p == nullptr) std::abort();
  buf = p;
}

size_t ZPack::AllocatedBytes() const { return buf == nullptr ? 0 : malloc_usable_size(buf); }

bool ZPack::Find(std::string_view member, double* score, size_t* rank) const {
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Entry e = ReadEntry(buf + offset);
    if (e.member == member) {
      *score = e.score;
      if (rank != nullptr) *rank = i;
      return true;
    }
    offset += e.size;
  }
  return false;
}

void ZPack::Insert(double score, std::string_view member) {
  const size_t need = ZPackEntryBytes(score, member.size());
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Entry e = ReadEntry(buf + offset);
    if (CompareZKeys(e.score, e.member, score, member) > 0) break;
    offset += e.size;
  }
  Resize(bytes + need);
  char* at = buf + offset;
  std::memmove(at + need, at, bytes - offset);
  char* p = PutScore(at, score);
  p = PutVarint(p, member.size());
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
  bytes += static_cast<uint32_t>(need);
  ++count;
}

bool ZPack::Erase(std::string_view member) {
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Entry e = ReadEntry(buf + offset);
    if (e.member == member) {
      std::memmove(buf + offset, buf + offset + e.size, bytes - offset - e.size);
      bytes -= e.size;
      --count;
      Resize(bytes);
      return true;
    }
    offset += e.size;
  }
  return false;
}

size_t ZPack::CountBefore(const ZBound& bound) const {
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Entry e = ReadEntry(buf + offset);
    if (!bound.Before(e.score, e.member)) return i;
    offset += e.size;
  }
  return count;
}

void ZPack::ForRange(size_t start, size_t end, bool reverse,
                     absl::FunctionRef<bool(double, std::string_view)> visit) const {
  uint32_t offset = 0;
  size_t i = 0;
  for (; i < start; ++i) offset += ReadEntry(buf + offset).size;
  if (!reverse) {
    for (; i <= end; ++i) {
      Entry e = ReadEntry(buf + offset);
      if (!visit(e.score, e.member)) return;
      offset += e.size;
    }
    return;
  }
  absl::InlinedVector<uint32_t, 128> offsets;
  for (; i <= end; ++i) {
    offsets.push_back(offset);
    offset += ReadEntry(buf + offset).size;
  }
  for (size_t k = offsets.size(); k-- > 0;) {
    Entry e = ReadEntry(buf + offsets[k]);
    if (!visit(e.score, e.member)) return;
  }
}

void ZPack::EraseRanks(size_t start, size_t n,
                       absl::FunctionRef<void(double, std::string_view)> removed) {
  if (start >= count) return;
  n = std::min<size_t>(n, count - start);
  uint32_t from = 0;
  for (size_t i = 0; i < start; ++i) from += ReadEntry(buf + from).size;
  uint32_t to = from;
  for (size_t i = 0; i < n; ++i) {
    Entry e = ReadEntry(buf + to);
    removed(e.score, e.member);
    to += e.size;
  }
  std::memmove(buf + from, buf + to, bytes - to);
  bytes -= to - from;
  count -= static_cast<uint32_t>(n);
  Resize(bytes);
}

size_t ZPack::MaxMemberLength() const {
  size_t longest = 0;
  uint32_t offset = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Entry e = ReadEntry(buf + offset);
    longest = std::max(longest, e.member.size());
    offset += e.size;
  }
  return longest;
}

}  // namespace rill::ds
