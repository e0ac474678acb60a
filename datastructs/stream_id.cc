#include "datastructs/stream_id.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "common/number_parse.h"
#include "datastructs/keyspace.h"

namespace rill::ds {

bool StreamId::Increment() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamId::Decrement() {
  if (seq == 0) {
    if (ms == 0) return false;
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

size_t StreamId::Format(char* buf) const {
  // abseil's two-digits-at-a-time conversion: a digit-by-digit loop was 338 instructions for a
  // 13-digit millisecond time, once per XADD reply and once more for its propagated form. It
  // writes a NUL after each number (kMaxTextSize has room for both).
  char* p = absl::numbers_internal::FastIntToBuffer(ms, buf);
  *p++ = '-';
  p = absl::numbers_internal::FastIntToBuffer(seq, p);
  return static_cast<size_t>(p - buf);
}

std::string StreamId::ToString() const {
  char buf[kMaxTextSize];
  return std::string(buf, Format(buf));
}

namespace {

// Redis's string2ull over a NUL-terminated buffer: the canonical int64 form when it is one
// (negative values refused), otherwise whatever strtoull accepts in full ("+5", " 7", "007",
// values above INT64_MAX ...).
bool String2Ull(const char* s, uint64_t* out) {
  int64_t ll;
  if (ParseInt64(std::string_view(s), &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0')) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseStreamId(std::string_view text, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamId* out) {
  char buf[128];
  if (text.size() > sizeof(buf) - 1) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';  // Redis works on C strings: an embedded NUL ends the argument.

  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return false;
  if (seq_given != nullptr) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') {
    *out = StreamId::Min();
    return true;
  }
  if (buf[0] == '+' && buf[1] == '\0') {
    *out = StreamId::Max();
    return true;
  }

  uint64_t ms, seq;
  char* dash = std::strchr(buf, '-');
  if (dash != nullptr) *dash = '\0';
  if (!String2Ull(buf, &ms)) return false;
  if (dash != nullptr) {
    const char* seq_text = dash + 1;
    if (seq_given != nullptr && seq_text[0] == '*' && seq_text[1] == '\0') {
      seq = 0;
      *seq_given = false;
    } else if (!String2Ull(seq_text, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  *out = {ms, seq};
  return true;
}

bool ParseStreamIntervalId(std::string_view text, uint64_t missing_seq, bool* exclusive,
                           StreamId* out) {
  bool excl = exclusive != nullptr && text.size() > 1 && text[0] == '(';
  if (exclusive != nullptr) *exclusive = excl;
  if (excl) return ParseStreamId(text.substr(1), missing_seq, true, nullptr, out);
  return ParseStreamId(text, missing_seq, false, nullptr, out);
}

}  // namespace rill::ds
