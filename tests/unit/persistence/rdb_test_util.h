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
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/stream.h"
#include "persistence/crc64.h"
#include "persistence/rdb_length.h"
#include "persistence/rdb_loader.h"

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

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
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

// A readable, complete description of a stream: entries, metadata, groups, PELs, consumers.
inline std::string DescribeStream(const ds::Stream& s) {
  std::string out = absl::StrCat(
      "len=", s.length(), " last=", s.last_id().ToString(), " first=", s.first_id().ToString(),
      " maxdel=", s.max_deleted_id().ToString(), " added=", s.entries_added(), "\n");
  ds::Stream::Iterator it(s, ds::StreamId::Min(), ds::StreamId::Max());
  ds::StreamEntryView e;
  while (it.Next(&e)) {
    absl::StrAppend(&out, e.id.ToString(), ":");
    e.ForEachField([&](std::string_view f, std::string_view v) {
      absl::StrAppend(&out, " ", absl::string_view(f.data(), f.size()), "=",
                      absl::string_view(v.data(), v.size()));
    });
    out += "\n";
  }
  for (const auto& [name, g] : s.groups()) {
    absl::StrAppend(&out, "group ", name, " last=", g->last_id.ToString(),
                    " read=", g->entries_read, "\n");
    for (const auto& [id, p] : g->pending()) {
      absl::StrAppend(&out, "  pel ", id.ToString(), " t=", p.delivery_time,
                      " n=", p.delivery_count, " c=", p.consumer->name, "\n");
    }
    for (const auto& [cname, c] : g->consumers()) {
      absl::StrAppend(&out, "  consumer ", cname, " seen=", c->seen_time, " owns=");
      for (ds::StreamId id : c->pending) absl::StrAppend(&out, id.ToString(), ",");
      out += "\n";
    }
  }
  return out;
}

// Every key of a database with its type, expiry and full contents, sorted by key.
inline std::string DescribeDb(const ds::Database& db) {
  std::vector<std::string> keys;
  db.ForEach([&](const ds::Entry& e) {
    std::string line = absl::StrCat(ToHex(e.key()), " ttl=", e.expire_ms(), " ");
    char scratch[24];
    switch (e.type()) {
      case ds::ValueType::kString:
        absl::StrAppend(&line, "string:", ToHex(e.StringView(scratch)));
        break;
      case ds::ValueType::kList: {
        absl::StrAppend(&line, "list:");
        static_cast<const ds::List*>(e.object())->ForEach([&](std::string_view v) {
          absl::StrAppend(&line, ToHex(v), ",");
        });
        break;
      }
      case ds::ValueType::kStream:
        absl::StrAppend(&line,
                        "stream:", DescribeStream(*static_cast<const ds::Stream*>(e.object())));
        break;
      default:
        absl::StrAppend(&line, "other");
    }
    keys.push_back(std::move(line));
  });
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const std::string& k : keys) absl::StrAppend(&out, k, "\n");
  return out;
}

}  // namespace rill::persistence::testing
