// Bounds-checked reading of RDB primitives (internal to the loader). Every read checks the
// bytes left first; the first failure is kept with its offset and every later read fails.
//
// The input may be a piece of a longer one (RdbStreamLoader): `base` is the offset of its first
// byte, which error messages count from, and with `more_may_follow` a read past its end is not
// an error but starved(): the record being read is retried once more bytes came. Only such reads
// starve; every other failure is the input's own, whatever follows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "datastructs/stream_id.h"

namespace rill::persistence {

// A string as stored: an integer encoding or bytes (a view into the input or a scratch).
struct RdbString {
  bool is_int = false;
  int64_t int_value = 0;
  std::string_view bytes;  // when !is_int

  // The string's bytes; an integer is formatted into `scratch`.
  std::string_view View(char (&scratch)[24]) const;
};

class RdbInput {
 public:
  explicit RdbInput(std::string_view input, uint64_t base = 0, bool more_may_follow = false)
      : in_(input), base_(base), more_may_follow_(more_may_follow) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  std::string_view consumed() const { return in_.substr(0, pos_); }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  bool more_may_follow() const { return more_may_follow_; }
  // A read went past the end of an input that more bytes may follow (failed() too).
  bool starved() const { return starved_; }
  // When starved(): an input size the failed read needs at least (from this input's start).
  uint64_t needed() const { return needed_; }

  // Records `what` (once) with the offset where the failing item began (this input's offset;
  // the message counts from `base`); returns false.
  bool Fail(std::string_view what, size_t offset);
  bool Fail(std::string_view what) { return Fail(what, pos_); }
  // A read wanted `need` bytes from the current position and fewer are left: the file is
  // truncated, or, when more may follow, the read starves.
  bool Truncated(uint64_t need);

  bool ReadByte(uint8_t* b);
  bool ReadBytes(size_t n, std::string_view* out);
  uint64_t ReadLittleEndian(const char* p, int bytes) const;
  // A length, or (*encoded) the special string encoding in its place.
  bool ReadLengthOrEncoding(uint64_t* value, bool* encoded);
  // A length; a special (string) encoding in its place is an error.
  bool ReadLength(uint64_t* len);
  // A length that counts items of at least `min_item_bytes` bytes each still to be read: more
  // than the input can hold is an error, so callers may reserve that many.
  bool ReadCount(uint64_t* count, size_t min_item_bytes);
  // A string in any of its encodings; LZF output goes to `scratch` (valid until its next use).
  bool ReadString(RdbString* s, std::string* scratch);
  bool ReadMillis(int64_t* ms);
  bool ReadSeconds(int64_t* ms);        // 4-byte EXPIRETIME, returned in milliseconds
  bool ReadStreamId(ds::StreamId* id);  // 16 bytes, big endian

 private:
  std::string_view in_;
  uint64_t base_;
  bool more_may_follow_;
  size_t pos_ = 0;
  bool starved_ = false;
  uint64_t needed_ = 0;
  std::string error_;
};

// A key or other user bytes as they may appear in an error message: printable, at most 64
// characters.
std::string QuoteForError(std::string_view s);

}  // namespace rill::persistence
