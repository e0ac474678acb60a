// Request framing as Redis 7.0 reads it (networking.c: processMultibulkBuffer and
// processInlineBuffer). The parser keeps only offsets between calls, so a request split at any
// byte boundary parses the same, and a large bulk is never re-scanned while it arrives.
#include "protocol/request_parser.h"

#include <cstring>

#include "protocol/errors.h"

namespace rill::protocol {
namespace {

// What Redis lets a client send before it has authenticated.
constexpr int64_t kUnauthenticatedMaxArgs = 10;
constexpr int64_t kUnauthenticatedMaxBulk = 16384;

// Strict decimal parse with Redis's string2ll rules: no sign other than a leading '-', no
// leading zeros (except "0" itself), no spaces, no overflow. These exact rules decide which
// headers are "invalid multibulk/bulk length", so a laxer parser would accept what Redis rejects.
bool ParseStrictInt64(const char* p, size_t len, int64_t* out) {
  if (len == 0 || len > 20) return false;
  if (len == 1 && p[0] == '0') {
    *out = 0;
    return true;
  }
  bool negative = false;
  if (p[0] == '-') {
    negative = true;
    ++p;
    --len;
    if (len == 0) return false;
  }
  if (p[0] < '1' || p[0] > '9') return false;
  // Up to 18 digits nothing can overflow: the per-digit check (a division) is for longer ones.
  const bool may_overflow = len > 18;
  uint64_t v = 0;
  for (size_t i = 0; i < len; ++i) {
    unsigned digit = static_cast<unsigned char>(p[i]) - '0';
    if (digit > 9) return false;
    if (may_overflow && v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// C isspace() in the "C" locale: what Redis skips between inline arguments and accepts after
// a closing quote.
inline bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

void RequestParser::Reset() {
  ResetCommandState();
  attached_.clear();
  cmd_start_ = 0;
  args_.clear();
  consumed_ = 0;
  error_.clear();
}

void RequestParser::ResetCommandState() {
  arg_offsets_.clear();
  attached_args_.clear();
  multibulk_remaining_ = -1;
  bulk_len_ = -1;
  pos_ = 0;
  bytes_wanted_ = 0;
}

size_t RequestParser::partial_arg_bytes() const {
  if (multibulk_remaining_ <= 0) return 0;
  size_t bytes = 0;
  for (const auto& offset : arg_offsets_) bytes += offset.second;
  return bytes;
}

void RequestParser::AttachBulk(std::string_view payload) {
  attached_.push_back({pos_ - cmd_start_, payload});
  attached_args_.push_back({arg_offsets_.size(), attached_.size() - 1});
  bulk_len_ = 0;  // what is left of the bulk in the caller's data: its CRLF
}

void RequestParser::UseAttached(size_t offset) {
  for (size_t i = 0; i < attached_.size(); ++i) {
    if (attached_[i].offset == offset &&
        attached_[i].payload.size() == static_cast<size_t>(bulk_len_)) {
      attached_args_.push_back({arg_offsets_.size(), i});
      bulk_len_ = 0;
      return;
    }
  }
}

ParseStatus RequestParser::Fail(std::string message) {
  error_ = std::move(message);
  ResetCommandState();
  cmd_start_ = 0;
  return ParseStatus::kError;
}

ParseStatus RequestParser::Parse(std::string_view data) {
  args_.clear();
  consumed_ = 0;
  // Empty commands (`*0`, `*-1`, blank inline lines) are stepped over here, so that a real
  // command behind them comes out of this same call.
  cmd_start_ = 0;
  while (cmd_start_ < data.size()) {
    ParseStatus status = data[cmd_start_] == '*' ? ParseMultibulk(data) : ParseInline(data);
    if (status == ParseStatus::kError) return status;
    if (status == ParseStatus::kCommand && !args_.empty()) return status;
    if (status == ParseStatus::kNeedMore) {
      if (cmd_start_ == 0) return status;
      // Hand back the empty commands before the partial one, so the caller drops them and the
      // partial command's saved offsets stay relative to the start of the next call's data.
      ResetCommandState();
      break;
    }
    cmd_start_ = consumed_;
  }
  consumed_ = cmd_start_;
  cmd_start_ = 0;
  return consumed_ > 0 ? ParseStatus::kCommand : ParseStatus::kNeedMore;
}

ParseStatus RequestParser::ParseMultibulk(std::string_view data) {
  const char* base = data.data();
  const size_t size = data.size();

  if (multibulk_remaining_ < 0) {
    const size_t start = cmd_start_;
    const char* cr = static_cast<const char*>(std::memchr(base + start, '\r', size - start));
    if (cr == nullptr) {
      if (size - start > limits_.max_inline_len) {
        return Fail(std::string(errors::kProtoTooBigMultibulkCount));
      }
      return ParseStatus::kNeedMore;
    }
    const size_t cr_pos = static_cast<size_t>(cr - base);
    // Like Redis, the byte after '\r' is taken as the '\n' without looking at it.
    if (cr_pos + 1 >= size) return ParseStatus::kNeedMore;
    int64_t count;
    if (!ParseStrictInt64(base + start + 1, cr_pos - start - 1, &count) ||
        count > limits_.max_multibulk_len) {
      return Fail(std::string(errors::kProtoInvalidMultibulkLength));
    }
    if (count > kUnauthenticatedMaxArgs && auth_required_) {
      return Fail(std::string(errors::kProtoUnauthenticatedMultibulkLength));
    }
    pos_ = cr_pos + 2;
    if (count <= 0) {
      consumed_ = pos_;
      ResetCommandState();
      return ParseStatus::kCommand;  // no args: the caller's loop skips it
    }
    multibulk_remaining_ = count;
    arg_offsets_.clear();
    bulk_len_ = -1;
  }

  while (multibulk_remaining_ > 0) {
    if (bulk_len_ < 0) {
      const char* cr = static_cast<const char*>(std::memchr(base + pos_, '\r', size - pos_));
      if (cr == nullptr) {
        if (size - pos_ > limits_.max_inline_len) {
          return Fail(std::string(errors::kProtoTooBigBulkCount));
        }
        bytes_wanted_ = 0;
        return ParseStatus::kNeedMore;
      }
      const size_t cr_pos = static_cast<size_t>(cr - base);
      if (cr_pos + 1 >= size) {
        bytes_wanted_ = 0;
        return ParseStatus::kNeedMore;
      }
      if (base[pos_] != '$') return Fail(errors::ProtoExpectedDollar(base[pos_]));
      int64_t len;
      if (!ParseStrictInt64(base + pos_ + 1, cr_pos - pos_ - 1, &len) || len < 0 ||
          len > limits_.max_bulk_len) {
        return Fail(std::string(errors::kProtoInvalidBulkLength));
      }
      pos_ = cr_pos + 2;
      bulk_len_ = len;
      // Nested so that a short bulk pays for one compare.
      if (len > kUnauthenticatedMaxBulk) [[unlikely]] {
        if (auth_required_) return Fail(std::string(errors::kProtoUnauthenticatedBulkLength));
        // Parsed again from its start (postponed), a command finds its attached payloads.
        static_assert(kBigBulk > kUnauthenticatedMaxBulk);
        if (len >= static_cast<int64_t>(kBigBulk) && !attached_.empty()) {
          UseAttached(pos_ - cmd_start_);
        }
      }
    }
    // The bulk and its CRLF must be complete; like Redis, the two bytes after the bulk are
    // skipped without checking that they are "\r\n".
    const size_t needed = static_cast<size_t>(bulk_len_) + 2;
    if (size - pos_ < needed) {
      bytes_wanted_ = needed - (size - pos_);
      return ParseStatus::kNeedMore;
    }
    arg_offsets_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += needed;
    bulk_len_ = -1;
    --multibulk_remaining_;
  }

  args_.reserve(arg_offsets_.size());
  for (const auto& [start, len] : arg_offsets_) args_.emplace_back(base + start, len);
  if (!attached_args_.empty()) [[unlikely]] {
    for (const AttachedArg& a : attached_args_) args_[a.arg] = attached_[a.attached].payload;
  }
  consumed_ = pos_;
  ResetCommandState();
  return ParseStatus::kCommand;
}

ParseStatus RequestParser::ParseInline(std::string_view data) {
  const char* base = data.data();
  const size_t size = data.size();
  // pos_ remembers how far a previous call already looked for the newline.
  size_t scan_from = pos_ > cmd_start_ ? pos_ : cmd_start_;
  const char* nl = static_cast<const char*>(std::memchr(base + scan_from, '\n', size - scan_from));
  if (nl == nullptr) {
    if (size - cmd_start_ > limits_.max_inline_len) {
      return Fail(std::string(errors::kProtoTooBigInline));
    }
    pos_ = size;
    return ParseStatus::kNeedMore;
  }
  const size_t nl_pos = static_cast<size_t>(nl - base);
  size_t line_end = nl_pos;
  if (line_end > cmd_start_ && base[line_end - 1] == '\r') --line_end;
  std::string_view line(base + cmd_start_, line_end - cmd_start_);
  // Redis splits the line as a C string: it ends at the first NUL byte.
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  if (!SplitInline(line)) return Fail(std::string(errors::kProtoUnbalancedQuotes));

  args_.reserve(inline_args_.size());
  for (const InlineArg& arg : inline_args_) {
    if (arg.owned) {
      args_.emplace_back(inline_storage_.data() + arg.start, arg.len);
    } else {
      args_.emplace_back(line.data() + arg.start, arg.len);
    }
  }
  consumed_ = nl_pos + 1;
  ResetCommandState();
  return ParseStatus::kCommand;
}

// Redis's sdssplitargs: blanks separate arguments; "double quotes" take \n \r \t \b \a \xHH
// and \<any> escapes; 'single quotes' take only \'; a closing quote must be followed by a
// blank or the end of the line. A quote inside a bare word opens a quoted part of that word.
bool RequestParser::SplitInline(std::string_view line) {
  inline_args_.clear();
  inline_storage_.clear();
  const size_t n = line.size();
  // Reading past the end yields NUL, the C string terminator Redis's loop stops at.
  auto at = [&](size_t i) -> char { return i < n ? line[i] : '\0'; };
  size_t i = 0;
  while (true) {
    while (i < n && IsCSpace(line[i])) ++i;
    if (i >= n) return true;

    // A bare word stays a view into the line; once a quote appears, its bytes so far and the
    // rest of the word are copied into inline_storage_.
    const size_t word_start = i;
    bool owned = false;
    size_t owned_start = 0;
    bool in_double = false;
    bool in_single = false;
    bool done = false;
    size_t word_end = 0;  // where a bare word ended, for the view
    auto take = [&](char c) {
      if (owned) inline_storage_.push_back(c);
    };
    while (!done) {
      const char c = at(i);
      if (in_double) {
        if (c == '\\' && at(i + 1) == 'x' && IsHexDigit(at(i + 2)) && IsHexDigit(at(i + 3))) {
          take(static_cast<char>(HexValue(at(i + 2)) * 16 + HexValue(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          ++i;
          switch (line[i]) {
            case 'n':
              take('\n');
              break;
            case 'r':
              take('\r');
              break;
            case 't':
              take('\t');
              break;
            case 'b':
              take('\b');
              break;
            case 'a':
              take('\a');
              break;
            default:
              take(line[i]);
              break;
          }
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          take(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(i + 1) == '\'') {
          ++i;
          take('\'');
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !IsCSpace(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          take(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            word_end = i;
            done = true;
            break;
          case '"':
          case '\'':
            if (!owned) {
              owned = true;
              owned_start = inline_storage_.size();
              inline_storage_.append(line.data() + word_start, i - word_start);
            }
            (c == '"' ? in_double : in_single) = true;
            break;
          default:
            take(c);
            break;
        }
      }
      if (i < n) ++i;
    }
    if (owned) {
      inline_args_.push_back({owned_start, inline_storage_.size() - owned_start, true});
    } else {
      inline_args_.push_back({word_start, word_end - word_start, false});
    }
  }
}

}  // namespace rill::protocol
