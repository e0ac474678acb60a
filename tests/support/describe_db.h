// Deep, canonical descriptions of databases for comparisons (RDB tests, the RDB loader fuzz
// target): every key with its type, expiry and full contents, sorted by key, so two databases
// with the same data describe the same whatever their internal layout or iteration order.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/double_format.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"

namespace rill::persistence::testing {

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
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
      case ds::ValueType::kZSet: {
        const auto& z = *static_cast<const ds::ZSet*>(e.object());
        absl::StrAppend(&line, "zset(", std::string(z.EncodingName()), "):");
        z.ForEach([&](double score, std::string_view m) {
          char buf[kDouble17Max];
          absl::StrAppend(&line, ToHex(m), "=", std::string(buf, FormatDouble17(buf, score)), ",");
        });
        break;
      }
      case ds::ValueType::kHash: {
        const auto& h = *static_cast<const ds::Hash*>(e.object());
        std::vector<std::string> pairs;
        h.ForEach([&](std::string_view f, std::string_view v) {
          pairs.push_back(absl::StrCat(ToHex(f), "=", ToHex(v)));
        });
        std::sort(pairs.begin(), pairs.end());
        absl::StrAppend(&line, "hash(", std::string(h.EncodingName()), "):");
        for (const std::string& p : pairs) absl::StrAppend(&line, p, ",");
        break;
      }
      case ds::ValueType::kSet: {
        const auto& set = *static_cast<const ds::Set*>(e.object());
        std::vector<std::string> members;
        set.ForEach([&](std::string_view m) { members.push_back(ToHex(m)); });
        std::sort(members.begin(), members.end());
        absl::StrAppend(&line, "set(", std::string(set.EncodingName()), "):");
        for (const std::string& m : members) absl::StrAppend(&line, m, ",");
        break;
      }
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
