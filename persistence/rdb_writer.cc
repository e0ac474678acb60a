#include "persistence/rdb_writer.h"

#include <lzf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "common/number_parse.h"
#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "datastructs/zset.h"
#include "persistence/crc64.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_length.h"

namespace rill::persistence {
namespace {

// Flush threshold of the output buffer; strings bigger than kDirectWrite bypass it. 64 KiB: the
// kernel does not preempt a write() (the usual PREEMPT_NONE build), so a snapshot child
// sharing the server's core holds it for the whole copy into the page cache; a 1 MiB write
// kept clients waiting for about a millisecond, 64 KiB costs them tens of microseconds.
constexpr size_t kBufferSize = size_t{64} << 10;
constexpr size_t kDirectWrite = size_t{64} << 10;

// Redis's rdbEncodeInteger: the 2, 3 or 5-byte integer forms of a string, or 0 when `v` does
// not fit 32 bits.
size_t EncodeInteger(int64_t v, char* out) {
  const auto u = static_cast<uint64_t>(v);
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out[0] = static_cast<char>(0xc0 | rdb::kEncInt8);
    out[1] = static_cast<char>(u & 0xff);
    return 2;
  }
  if (v >= INT16_MIN && v <= INT16_MAX) {
    out[0] = static_cast<char>(0xc0 | rdb::kEncInt16);
    out[1] = static_cast<char>(u & 0xff);
    out[2] = static_cast<char>((u >> 8) & 0xff);
    return 3;
  }
  if (v >= INT32_MIN && v <= INT32_MAX) {
    out[0] = static_cast<char>(0xc0 | rdb::kEncInt32);
    for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<char>((u >> (8 * i)) & 0xff);
    return 5;
  }
  return 0;
}

}  // namespace

void KeySaveDelay(int64_t us) {
  if (us < 0) us = (std::rand() % -us) == 0 ? 1 : 0;
  if (us > 0) usleep(static_cast<useconds_t>(us));
}

RdbWriter::RdbWriter(ByteSink* sink, const RdbSaveOptions& options)
    : sink_(sink), options_(options) {
  buf_.reserve(kBufferSize + kDirectWrite + 64);
}

RdbWriter::~RdbWriter() = default;

void RdbWriter::Fail() {
  if (failed_) return;
  failed_ = true;
  error_ = sink_->error();
}

bool RdbWriter::Flush() {
  if (failed_) return false;
  if (buf_.empty()) return true;
  if (options_.checksum) crc_ = Crc64(crc_, buf_);
  if (!sink_->Write(buf_)) {
    Fail();
    return false;
  }
  bytes_flushed_ += buf_.size();
  buf_.clear();
  return true;
}

bool RdbWriter::MaybeFlush() {
  if (buf_.size() >= kBufferSize) return Flush();
  return !failed_;
}

void RdbWriter::PutRawBytes(std::string_view s) {
  if (s.size() < kDirectWrite) {
    buf_.append(s);
    return;
  }
  if (!Flush()) return;
  if (options_.checksum) crc_ = Crc64(crc_, s);
  if (!sink_->Write(s)) {
    Fail();
    return;
  }
  bytes_flushed_ += s.size();
}

void RdbWriter::PutLength(uint64_t len) {
  if (len < 64) {
    buf_.push_back(static_cast<char>(len));
  } else {
    AppendRdbLength(buf_, len);
  }
}

void RdbWriter::PutString(std::string_view s) {
  const size_t len = s.size();
  if (len <= rdb::kMaxIntEncodedSize && len > 0) {
    int64_t v;
    char enc[5];
    size_t n;
    if (ParseInt64(s, &v) && (n = EncodeInteger(v, enc)) > 0) {
      buf_.append(enc, n);
      return;
    }
  }
  if (options_.compression && len >= rdb::kMinCompressSize) {
    // Redis keeps the compressed form only when it saves at least 4 bytes.
    const size_t max_out = len - 4;
    if (lzf_scratch_.size() < max_out) lzf_scratch_.resize(max_out);
    unsigned int clen = lzf_compress(s.data(), static_cast<unsigned int>(len), lzf_scratch_.data(),
                                     static_cast<unsigned int>(max_out));
    if (clen > 0 && len <= UINT32_MAX) {
      PutByte(0xc0 | rdb::kEncLzf);
      PutLength(clen);
      PutLength(len);
      PutRawBytes(std::string_view(lzf_scratch_.data(), clen));
      return;
    }
  }
  PutLength(len);
  PutRawBytes(s);
}

void RdbWriter::PutIntegerString(int64_t v) {
  char enc[24];
  size_t n = EncodeInteger(v, enc);
  if (n > 0) {
    buf_.append(enc, n);
    return;
  }
  char* end = absl::numbers_internal::FastIntToBuffer(v, enc);
  n = static_cast<size_t>(end - enc);
  PutLength(n);
  buf_.append(enc, n);
}

void RdbWriter::PutMillis(int64_t ms) {
  const auto u = static_cast<uint64_t>(ms);
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xff);
  buf_.append(b, 8);
}

void RdbWriter::PutAux(std::string_view key, std::string_view value) {
  PutByte(rdb::kOpAux);
  PutString(key);
  PutString(value);
}

void RdbWriter::PutAux(std::string_view key, int64_t value) {
  char digits[24];
  char* end = absl::numbers_internal::FastIntToBuffer(value, digits);
  PutAux(key, std::string_view(digits, static_cast<size_t>(end - digits)));
}

bool RdbWriter::Begin() {
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", rdb::kVersion);
  buf_.append(magic, rdb::kHeaderSize);
  // The aux fields of Redis 7.0's rdbSaveInfoAuxFields for a server without replication.
  PutAux("redis-ver", "7.0.15");
  PutAux("redis-bits", static_cast<int64_t>(sizeof(void*) * 8));
  PutAux("ctime", options_.ctime);
  PutAux("used-mem", static_cast<int64_t>(options_.used_mem));
  PutAux("aof-base", options_.aof_base ? 1 : 0);
  for (const std::string& code : options_.functions) PutFunction(code);
  return MaybeFlush();
}

void RdbWriter::PutFunction(std::string_view code) {
  PutByte(rdb::kOpFunction2);
  PutString(code);
}

void RdbWriter::PutKey(const ds::Entry& entry) {
  if (entry.has_expire()) {
    PutByte(rdb::kOpExpireTimeMs);
    PutMillis(entry.expire_ms());
  }
  if (options_.access_clock != nullptr) {
    if (options_.access_hint == RdbSaveOptions::AccessHint::kLruIdle) {
      PutByte(rdb::kOpIdle);
      PutLength(options_.access_clock->IdleMs(entry.access_bits()) / 1000);
    } else if (options_.access_hint == RdbSaveOptions::AccessHint::kLfuFreq) {
      PutByte(rdb::kOpFreq);
      PutByte(static_cast<uint8_t>(options_.access_clock->DecayedCounter(entry.access_bits())));
    }
  }
  PutTypedValue(entry, /*with_key=*/true);
}

void RdbWriter::PutTypedValue(const ds::Entry& entry, bool with_key) {
  switch (entry.type()) {
    case ds::ValueType::kString:
      PutByte(rdb::kTypeString);
      if (with_key) PutString(entry.key());
      if (entry.is_int()) {
        PutIntegerString(entry.int_value());
      } else {
        PutString(entry.raw_bytes());
      }
      break;
    case ds::ValueType::kList:
      PutByte(rdb::kTypeListQuicklist2);
      if (with_key) PutString(entry.key());
      PutList(*static_cast<const ds::List*>(entry.object()));
      break;
    case ds::ValueType::kStream:
      PutByte(rdb::kTypeStreamListpacks2);
      if (with_key) PutString(entry.key());
      PutStream(*static_cast<const ds::Stream*>(entry.object()));
      break;
    case ds::ValueType::kZSet: {
      const auto& z = *static_cast<const ds::ZSet*>(entry.object());
      PutByte(z.packed() ? rdb::kTypeZsetListpack : rdb::kTypeZset2);
      if (with_key) PutString(entry.key());
      PutZSet(z);
      break;
    }
    case ds::ValueType::kHash: {
      const auto& hash = *static_cast<const ds::Hash*>(entry.object());
      PutByte(HashType(hash));
      if (with_key) PutString(entry.key());
      PutHash(hash);
      break;
    }
    case ds::ValueType::kSet: {
      const auto& set = *static_cast<const ds::Set*>(entry.object());
      PutByte(SetType(set));
      if (with_key) PutString(entry.key());
      PutSet(set);
      break;
    }
    default:
      // Rill stores no other type; a future one must get its encoding here.
      std::abort();
  }
}

bool RdbWriter::WriteDatabase(int index, const ds::Database& db) {
  if (failed_) return false;
  if (db.size() == 0) return true;
  PutByte(rdb::kOpSelectDb);
  PutLength(static_cast<uint64_t>(index));
  PutByte(rdb::kOpResizeDb);
  PutLength(db.size());
  PutLength(db.volatile_size());
  const int64_t delay = options_.key_save_delay_us;
  db.ForEach([&](const ds::Entry& entry) {
    if (failed_) return;
    PutKey(entry);
    ++keys_written_;
    if (buf_.size() >= kBufferSize) Flush();
    if (delay != 0) KeySaveDelay(delay);
    if (options_.progress && keys_written_ % RdbSaveOptions::kProgressInterval == 0) {
      options_.progress(keys_written_);
    }
  });
  return !failed_;
}

bool RdbWriter::End() {
  if (failed_) return false;
  PutByte(rdb::kOpEof);
  if (!Flush()) return false;
  const uint64_t crc = options_.checksum ? crc_ : 0;
  PutMillis(static_cast<int64_t>(crc));  // 8 bytes little endian, like a time
  // The trailer is not part of the checksum.
  options_.checksum = false;
  return Flush();
}

bool WriteRdb(std::span<const ds::Database* const> dbs, const RdbSaveOptions& options,
              ByteSink* sink, std::string* error, uint64_t* keys_written) {
  RdbWriter writer(sink, options);
  bool ok = writer.Begin();
  for (size_t i = 0; ok && i < dbs.size(); ++i) {
    if (dbs[i] != nullptr) ok = writer.WriteDatabase(static_cast<int>(i), *dbs[i]);
  }
  ok = ok && writer.End();
  if (!ok && error != nullptr) *error = writer.error();
  if (keys_written != nullptr) *keys_written = writer.keys_written();
  return ok;
}

}  // namespace rill::persistence
