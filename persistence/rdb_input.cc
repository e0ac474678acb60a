#include "persistence/rdb_input.h"

#include <lzf.h>

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_length.h"

namespace rill::persistence {
namespace {

// liblzf's longest back reference turns 3 input bytes into 264 output bytes: a claimed
// original size beyond that ratio cannot be right, and is refused before allocating it.
constexpr uint64_t kMaxLzfExpansion = 88;

}  // namespace

std::string_view RdbString::View(char (&scratch)[24]) const {
  if (!is_int) return bytes;
  char* end = absl::numbers_internal::FastIntToBuffer(int_value, scratch);
  return {scratch, static_cast<size_t>(end - scratch)};
}

std::string QuoteForError(std::string_view s) {
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 32 && c < 127 && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (s.size() > 64) out += "...";
  out += "'";
  return out;
}

bool RdbInput::Fail(std::string_view what, size_t offset) {
  if (error_.empty()) {
    error_ =
        absl::StrCat(absl::string_view(what.data(), what.size()), " at offset ", base_ + offset);
  }
  pos_ = in_.size();  // every later read fails
  return false;
}

bool RdbInput::Truncated(uint64_t need) {
  if (more_may_follow_ && !failed()) {
    starved_ = true;
    needed_ = need > UINT64_MAX - pos_ ? UINT64_MAX : pos_ + need;
    return Fail("the input ends here (more may follow)");
  }
  return Fail("unexpected end of file (the file is truncated)");
}

uint64_t RdbInput::ReadLittleEndian(const char* p, int bytes) const {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

bool RdbInput::ReadByte(uint8_t* b) {
  if (failed()) return false;
  if (pos_ >= in_.size()) return Truncated(1);
  *b = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool RdbInput::ReadBytes(size_t n, std::string_view* out) {
  if (failed()) return false;
  if (n > remaining()) return Truncated(n);
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

// Reads a length or special encoding at the current position (rdb_length.h); fails for a
// truncated or malformed one.
bool RdbInput::ReadLengthOrEncoding(uint64_t* value, bool* encoded) {
  if (failed()) return false;
  std::optional<RdbLength> len = ParseRdbLength(in_.substr(pos_));
  if (!len) {
    const auto first = pos_ < in_.size() ? static_cast<unsigned char>(in_[pos_]) : 0;
    if (pos_ < in_.size() && (first >> 6) == 2 && first != 0x80 && first != 0x81) {
      return Fail(absl::StrFormat("unknown length encoding 0x%02x", first));
    }
    return Truncated(remaining() + 1);
  }
  pos_ += len->consumed;
  *value = len->value;
  *encoded = len->encoded;
  return true;
}

bool RdbInput::ReadLength(uint64_t* len) {
  const size_t start = pos_;
  bool encoded;
  if (!ReadLengthOrEncoding(len, &encoded)) return false;
  if (encoded) return Fail("a string encoding where a length belongs", start);
  return true;
}

bool RdbInput::ReadCount(uint64_t* count, size_t min_item_bytes) {
  const size_t start = pos_;
  if (!ReadLength(count)) return false;
  if (*count > remaining() / (min_item_bytes == 0 ? 1 : min_item_bytes)) {
    if (more_may_follow_) {
      const uint64_t bytes = *count > UINT64_MAX / std::max<size_t>(min_item_bytes, 1)
                                 ? UINT64_MAX
                                 : *count * std::max<size_t>(min_item_bytes, 1);
      return Truncated(bytes);
    }
    // The file ends before the items the count promises: a truncated file reads this way as
    // often as it ends inside a read (which one depends on where the cut falls), so the
    // message says truncation either way and then what was seen.
    return Fail(absl::StrCat("unexpected end of file (the file is truncated): a count of ", *count,
                             " items that the ", remaining(), " bytes left cannot hold"),
                start);
  }
  return true;
}

bool RdbInput::ReadString(RdbString* s, std::string* scratch) {
  const size_t start = pos_;
  bool encoded;
  uint64_t len;
  if (!ReadLengthOrEncoding(&len, &encoded)) return false;
  if (!encoded) {
    s->is_int = false;
    if (len > remaining()) return Truncated(len);
    s->bytes = in_.substr(pos_, static_cast<size_t>(len));
    pos_ += static_cast<size_t>(len);
    return true;
  }
  std::string_view raw;
  switch (len) {
    case rdb::kEncInt8:
      if (!ReadBytes(1, &raw)) return false;
      s->is_int = true;
      s->int_value = static_cast<int8_t>(raw[0]);
      return true;
    case rdb::kEncInt16:
      if (!ReadBytes(2, &raw)) return false;
      s->is_int = true;
      s->int_value = static_cast<int16_t>(ReadLittleEndian(raw.data(), 2));
      return true;
    case rdb::kEncInt32:
      if (!ReadBytes(4, &raw)) return false;
      s->is_int = true;
      s->int_value = static_cast<int32_t>(ReadLittleEndian(raw.data(), 4));
      return true;
    case rdb::kEncLzf: {
      uint64_t clen, olen;
      if (!ReadLength(&clen) || !ReadLength(&olen)) return false;
      if (clen > remaining()) return Truncated(clen);
      if (olen == 0 || clen == 0 || olen > clen * kMaxLzfExpansion || olen > UINT32_MAX) {
        return Fail(absl::StrCat("an LZF string of ", clen, " bytes claiming ", olen,
                                 " uncompressed bytes"),
                    start);
      }
      if (!ReadBytes(static_cast<size_t>(clen), &raw)) return false;
      scratch->resize(static_cast<size_t>(olen));
      const unsigned int got = lzf_decompress(raw.data(), static_cast<unsigned int>(clen),
                                              scratch->data(), static_cast<unsigned int>(olen));
      if (got != olen) return Fail("corrupt LZF-compressed string", start);
      s->is_int = false;
      s->bytes = *scratch;
      return true;
    }
    default:
      return Fail(absl::StrCat("unknown string encoding ", len), start);
  }
}

bool RdbInput::ReadMillis(int64_t* ms) {
  std::string_view raw;
  if (!ReadBytes(8, &raw)) return false;
  *ms = static_cast<int64_t>(ReadLittleEndian(raw.data(), 8));
  return true;
}

bool RdbInput::ReadSeconds(int64_t* ms) {
  std::string_view raw;
  if (!ReadBytes(4, &raw)) return false;
  *ms = static_cast<int64_t>(static_cast<int32_t>(ReadLittleEndian(raw.data(), 4))) * 1000;
  return true;
}

bool RdbInput::ReadStreamId(ds::StreamId* id) {
  std::string_view raw;
  if (!ReadBytes(rdb::kStreamIdSize, &raw)) return false;
  uint64_t ms = 0, seq = 0;
  for (int i = 0; i < 8; ++i) {
    ms = (ms << 8) | static_cast<unsigned char>(raw[i]);
    seq = (seq << 8) | static_cast<unsigned char>(raw[8 + i]);
  }
  *id = {ms, seq};
  return true;
}

}  // namespace rill::persistence
