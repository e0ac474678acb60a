// Helpers for RDB tests: hand-built file bytes (independent of RdbWriter, so a writer bug cannot
// hide a loader bug), a deep description of databases for comparisons, and a dataset of every
// type and encoding for round trips.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/number_parse.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
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

inline void AddEntries(ds::Stream* s, int n, uint64_t ms0, ds::StreamLimits limits = {}) {
  for (int i = 0; i < n; ++i) {
    std::string v = std::to_string(i * 7);
    std::string_view fv[] = {"field", v, "other", i % 3 == 0 ? "x" : "yy"};
    std::span<const std::string_view> pairs(fv, i % 5 == 0 ? 2 : 4);
    ASSERT_TRUE(s->LoadEntry({ms0 + static_cast<uint64_t>(i / 3), static_cast<uint64_t>(i % 3)},
                             pairs, limits));
  }
}

// A dataset touching every encoding the writer has (sorted sets: rdb_zset_test.cc), with
// expiries, in databases 0, 3 and 15.
inline void FillEverything(Dbs& dbs) {
  ds::Database& db = dbs[0];
  db.SetString("int8", "-7");
  db.SetString("int16", "300");
  db.SetString("int32", "-2000000000");
  db.SetString("int64", "9223372036854775807");
  db.SetString("empty", "");
  db.SetString("raw", "hello world");
  db.SetString("leading-zero", "0123");
  db.SetString(std::string("bin\0key", 7), std::string("\0\x01\xff\r\n", 5));
  db.SetString("long", std::string(5000, 'z') + "end");
  db.SetString("12345", "key that is an integer");
  std::mt19937 rng(7);
  std::string noise(3000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  db.SetString("noise", noise);
  db.SetString("ttl", "v", ds::TtlMode::kSet, 4102444800000);  // 2100-01-01

  auto small = std::make_unique<ds::List>();
  for (std::string_view v : {"1", "200", "-5000", "hello", "", "0123"}) small->PushBack(v);
  db.SetObject("small-list", std::move(small));
  auto big = std::make_unique<ds::List>();
  for (int i = 0; i < 20000; ++i)
    big->PushBack(i % 2 ? std::to_string(i) : "element-" + std::to_string(i));
  db.SetObject("big-list", std::move(big), ds::TtlMode::kSet, 4102444800123);

  auto stream = std::make_unique<ds::Stream>();
  AddEntries(stream.get(), 450, 1700000000000);
  ASSERT_TRUE(stream->Delete({1700000000000, 0}));  // the first entry: a tombstone at the head
  ASSERT_TRUE(stream->Delete({1700000000050, 1}));  // one in the middle
  ds::TrimSpec trim;
  trim.strategy = ds::TrimStrategy::kMaxLen;
  trim.maxlen = 400;
  stream->Trim(trim);
  ds::ConsumerGroup* g = stream->CreateGroup("workers", {1700000000100, 2}, 300);
  ds::StreamConsumer* alice = g->CreateConsumer("alice", 1700000001000);
  ds::StreamConsumer* bob = g->CreateConsumer("bob", 1700000002000);
  g->CreateConsumer("idle", 1700000003000);
  g->AddPending({1700000000090, 0}, alice, 1700000000500).delivery_count = 3;
  g->AddPending({1700000000091, 1}, bob, 1700000000600);
  g->AddPending({1700000000092, 2}, alice, 1700000000700);
  stream->CreateGroup("unknown-lag", {0, 0}, ds::ConsumerGroup::kInvalidEntriesRead);
  stream->set_max_deleted_id({1700000000050, 1});
  db.SetObject("stream", std::move(stream));
  db.SetObject("empty-stream", std::make_unique<ds::Stream>());

  // Hashes and sets in both encodings, with integer-looking, empty, binary and big elements.
  auto small_hash = std::make_unique<ds::Hash>();
  for (auto [f, v] : {std::pair<std::string_view, std::string_view>{"name", "rill"},
                      {"12", "-7"},
                      {"", "empty field"},
                      {"empty value", ""},
                      {std::string_view("b\0in", 4), std::string_view("\xff\x00", 2)}}) {
    small_hash->Set(f, v, ds::HashLimits{});
  }
  db.SetObject("small-hash", std::move(small_hash));
  auto big_hash = std::make_unique<ds::Hash>();
  for (int i = 0; i < 3000; ++i) {
    big_hash->Set("field:" + std::to_string(i),
                  i % 3 ? std::to_string(i) : std::string(i % 300, 'v'), ds::HashLimits{});
  }
  db.SetObject("big-hash", std::move(big_hash), ds::TtlMode::kSet, 4102444800456);
  auto int_set = std::make_unique<ds::Set>();
  for (std::string_view m : {"1", "-40000", "9223372036854775807", "300"}) {
    int_set->Add(m, ds::SetLimits{});
  }
  db.SetObject("int-set", std::move(int_set));
  auto str_set = std::make_unique<ds::Set>();
  for (int i = 0; i < 2000; ++i)
    str_set->Add(i % 2 ? std::to_string(i) : "m" + std::to_string(i), ds::SetLimits{});
  str_set->Add("", ds::SetLimits{});
  db.SetObject("str-set", std::move(str_set));
  auto big_int_set = std::make_unique<ds::Set>();
  for (int i = 0; i < 1000; ++i) big_int_set->Add(std::to_string(i * 3), ds::SetLimits{});
  db.SetObject("big-int-set", std::move(big_int_set));

  dbs[3].SetString("in-db-3", "three");
  dbs[15].SetString("in-db-15", "fifteen", ds::TtlMode::kSet, 4102444800000);
}

inline bool Load(std::string_view file, Dbs* dbs, std::string* error, RdbLoadOptions options = {},
                 RdbLoadInfo* info_out = nullptr) {
  RdbLoadInfo info;
  const bool ok = LoadRdb(file, dbs->ptrs, options, &info, error);
  if (info_out != nullptr) *info_out = info;
  return ok;
}

}  // namespace rill::persistence::testing
