// Helpers for RDB tests: hand-built file bytes (independent of RdbWriter, so a writer bug cannot
// hide a loader bug) and a deep description of databases for comparisons.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/number_parse.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/stream.h"
#include "persistence/crc64.h"
#include "persistence/listpack.h"
#include "persistence/rdb_length.h"
#include "persistence/rdb_loader.h"
#include "tests/support/describe_db.h"

namespace rill::persistence::testing {

// Bytes from a hex string ("52 45 44" or "524544"; spaces ignored).
inline std::string Hex(std::string_view hex) {
  std::string out;
  int hi = -1;
  for (char c : hex) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

// Builds an RDB file byte by byte.
class RawRdb {
 public:
  explicit RawRdb(int version = 10) {
    char magic[16];
    std::snprintf(magic, sizeof(magic), "REDIS%04d", version);
    bytes_ = magic;
  }
  RawRdb& Byte(uint8_t b) {
    bytes_.push_back(static_cast<char>(b));
    return *this;
  }
  RawRdb& Raw(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  RawRdb& Len(uint64_t n) {
    AppendRdbLength(bytes_, n);
    return *this;
  }
  RawRdb& Str(std::string_view s) {
    AppendRdbLength(bytes_, s.size());
    bytes_.append(s);
    return *this;
  }
  RawRdb& LittleEndian(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  RawRdb& Id(uint64_t ms, uint64_t seq) {
    for (int i = 7; i >= 0; --i) bytes_.push_back(static_cast<char>((ms >> (8 * i)) & 0xff));
    for (int i = 7; i >= 0; --i) bytes_.push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
    return *this;
  }
  RawRdb& SelectDb(int db) { return Byte(254).Len(static_cast<uint64_t>(db)); }
  // EOF and the CRC64 (or 0).
  std::string Finish(bool checksum = true) {
    std::string out = bytes_;
    out.push_back(static_cast<char>(0xff));
    const uint64_t crc = checksum ? Crc64(0, out) : 0;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
    return out;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// A listpack of the given elements (integers encoded as Redis would).
inline std::string Listpack(std::initializer_list<std::string_view> elements) {
  std::string buf;
  ListpackBuilder lp(&buf);
  for (std::string_view e : elements) lp.AppendString(e);
  return std::string(lp.Finish());
}

// A ziplist of short strings and small integers (the encodings lists used before 7.0).
inline std::string Ziplist(std::initializer_list<std::string_view> elements) {
  std::string body;
  size_t prev = 0, last = 0;
  for (std::string_view e : elements) {
    std::string entry(1, static_cast<char>(prev));
    int64_t v;
    if (e.size() == 1 && e[0] >= '0' && e[0] <= '9') {
      entry.push_back(static_cast<char>(0xf1 + (e[0] - '0')));  // immediate 0..9
    } else if (ParseInt64(e, &v) && v >= -128 && v <= 127) {
      entry.push_back(static_cast<char>(0xfe));
      entry.push_back(static_cast<char>(v));
    } else {
      entry.push_back(static_cast<char>(e.size()));  // 6-bit string length
      entry.append(e);
    }
    last = 10 + body.size();
    prev = entry.size();
    body += entry;
  }
  std::string out;
  auto le32 = [&](size_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  le32(10 + body.size() + 1);
  le32(elements.size() ? last : 10);
  out.push_back(static_cast<char>(elements.size()));
  out.push_back(0);
  out += body;
  out.push_back(static_cast<char>(0xff));
  return out;
}

// Fresh databases and the raw pointer span LoadRdb takes.
struct Dbs {
  explicit Dbs(int n = 16) {
    for (int i = 0; i < n; ++i) {
      owned.push_back(std::make_unique<ds::Database>());
      ptrs.push_back(owned.back().get());
    }
  }
  ds::Database& operator[](int i) { return *owned[i]; }
  std::vector<std::unique_ptr<ds::Database>> owned;
  std::vector<ds::Database*> ptrs;
  std::vector<const ds::Database*> const_ptrs() const {
    return std::vector<const ds::Database*>(ptrs.begin(), ptrs.end());
  }
};

inline bool Load(std::string_view file, Dbs* dbs, std::string* error, RdbLoadOptions options = {},
                 RdbLoadInfo* info_out = nullptr) {
  RdbLoadInfo info;
  const bool ok = LoadRdb(file, dbs->ptrs, options, &info, error);
  if (info_out != nullptr) *info_out = info;
  return ok;
}

}  // namespace rill::persistence::testing
