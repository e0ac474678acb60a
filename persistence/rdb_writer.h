// Serializes Rill's databases as an RDB file, version 10, byte for byte in the layout Redis 7.0
// writes (rdb_format.h): aux fields, SELECTDB + RESIZEDB per non-empty database, each key with
// its expiry, lists as QUICKLIST_2 of listpacks cut where Redis's quicklist would cut them,
// streams as STREAM_LISTPACKS_2 (Rill's stream blocks are Redis's nodes, tombstones included),
// hashes as HASH_LISTPACK or HASH and sets as SET_INTSET or SET (as their encoding says, like
// Redis), then EOF and the CRC64 trailer.
//
// Output goes through one large buffer to a ByteSink, so a save makes one write() per megabyte
// and no allocation per key.
//
// Usage (the whole file):
//   FileSink sink(fd);                       // or StringSink, or your own ByteSink
//   RdbWriter writer(&sink, options);
//   bool ok = writer.Begin() && writer.WriteDatabase(0, db0) && ... && writer.End();
//   if (!ok) report(writer.error());
// or WriteRdb(databases, options, &sink, &error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill::ds {
class AccessClock;
class Database;
class Entry;
class Hash;
class List;
class Set;
class Stream;
class ZSet;
}  // namespace rill::ds

namespace rill::persistence {

// Where the bytes of a file go.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all of `data`; false on failure, with the reason in error().
  virtual bool Write(std::string_view data) = 0;
  virtual std::string error() const { return "write failed"; }
};

// Collects everything in memory (tests, DEBUG-style round trips, fuzzing seeds).
class StringSink final : public ByteSink {
 public:
  bool Write(std::string_view data) override {
    out_.append(data);
    return true;
  }
  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// rdb-key-save-delay's pause after a key: `us` microseconds, or for a negative value 1 us with
// probability 1/-us, as Redis's debugDelay.
void KeySaveDelay(int64_t us);

struct RdbSaveOptions {
  bool compression = true;  // rdbcompression: LZF for strings over 20 bytes when it pays
  bool checksum = true;     // rdbchecksum: CRC64 trailer (else 8 zero bytes)
  bool aof_base = false;    // the aof-base aux field: true for an AOF's RDB base/preamble
  int64_t ctime = 0;        // the ctime aux field (unix seconds)
  uint64_t used_mem = 0;    // the used-mem aux field (bytes)
  // list-max-listpack-size: where lists are cut into quicklist nodes, as Redis would.
  int64_t list_max_listpack_size = -2;
  // rdb-key-save-delay: microseconds slept per key (a test knob; negative values sleep 1us
  // with probability 1/-n, as Redis's debugDelay).
  int64_t key_save_delay_us = 0;
  // Per-key access records before each key (RDB_OPCODE_IDLE / RDB_OPCODE_FREQ), as Redis writes
  // them when maxmemory-policy is an LRU or LFU one; read through `access_clock`.
  enum class AccessHint { kNone, kLruIdle, kLfuFreq };
  AccessHint access_hint = AccessHint::kNone;
  const ds::AccessClock* access_clock = nullptr;
  // Called after every kProgressInterval keys with the count so far: BGSAVE progress reports,
  // and the points where the child yields the CPU to a server that shares its core (a few
  // tens of microseconds of work apart, so a client waits at most that long).
  std::function<void(uint64_t keys_written)> progress;
  static constexpr uint64_t kProgressInterval = 128;
  // FUNCTION libraries (their whole code, shebang included), written after the aux fields as
  // RDB_OPCODE_FUNCTION2 records, as Redis 7.0's rdbSaveFunctions.
  std::vector<std::string> functions;
};

class RdbWriter {
 public:
  // `sink` must outlive the writer.
  RdbWriter(ByteSink* sink, const RdbSaveOptions& options);
  ~RdbWriter();
  RdbWriter(const RdbWriter&) = delete;
  RdbWriter& operator=(const RdbWriter&) = delete;

  // The signature and aux fields. REQUIRES: called first, once.
  bool Begin();
  // SELECTDB, RESIZEDB and every key of `db` (expired or not, as Redis). An empty database
  // writes nothing. REQUIRES: Begin() succeeded; each index at most once.
  bool WriteDatabase(int index, const ds::Database& db);
  // EOF and the checksum, then flushes everything to the sink. REQUIRES: called last, once.
  bool End();

  uint64_t keys_written() const { return keys_written_; }
  // Bytes handed to the sink so far (the file size after End()).
  uint64_t bytes_written() const { return bytes_flushed_; }
  // Why the last call failed (the sink's error).
  const std::string& error() const { return error_; }

  // ---- encoding pieces, public for tests and for the AOF's own use ----
  void PutByte(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void PutLength(uint64_t len);
  // A string in the shortest of its integer / LZF / raw forms (rdb_format.h).
  void PutString(std::string_view s);
  // A string holding the decimal form of `v` (integer-encoded when it fits 32 bits).
  void PutIntegerString(int64_t v);
  void PutMillis(int64_t ms);
  void PutAux(std::string_view key, std::string_view value);
  void PutAux(std::string_view key, int64_t value);
  // One FUNCTION library: RDB_OPCODE_FUNCTION2 and its code.
  void PutFunction(std::string_view code);
  // One value as DUMP serializes it (Redis's rdbSaveObjectType + rdbSaveObject): the type byte
  // and the value, without key, expiry or access record.
  void PutValue(const ds::Entry& entry) { PutTypedValue(entry, /*with_key=*/false); }
  // Hands the buffered bytes to the sink (for encoders that write no header or trailer).
  bool FlushPending() { return Flush(); }
  // Flushes the buffer when it is past its threshold; false if the sink failed.
  bool MaybeFlush();

 private:
  void PutKey(const ds::Entry& entry);
  // The type byte, the key when `with_key`, and the value.
  void PutTypedValue(const ds::Entry& entry, bool with_key);
  void PutList(const ds::List& list);
  void PutStream(const ds::Stream& stream);
  void PutZSet(const ds::ZSet& zset);  // rdb_zset.cc
  // Hashes and sets (rdb_writer_hash_set.cc): the type byte's value and the payload.
  static uint8_t HashType(const ds::Hash& hash);
  static uint8_t SetType(const ds::Set& set);
  void PutHash(const ds::Hash& hash);
  void PutSet(const ds::Set& set);
  // A raw string, written straight to the sink when it is bigger than the buffer.
  void PutRawBytes(std::string_view s);
  bool Flush();
  void Fail();

  ByteSink* sink_;
  RdbSaveOptions options_;
  std::string buf_;
  std::string lzf_scratch_;
  std::string listpack_scratch_;
  uint64_t crc_ = 0;
  uint64_t bytes_flushed_ = 0;
  uint64_t keys_written_ = 0;
  bool failed_ = false;
  std::string error_;
};

// Header, every non-empty database (index = position in `dbs`, null entries skipped), trailer.
bool WriteRdb(std::span<const ds::Database* const> dbs, const RdbSaveOptions& options,
              ByteSink* sink, std::string* error, uint64_t* keys_written = nullptr);

}  // namespace rill::persistence
