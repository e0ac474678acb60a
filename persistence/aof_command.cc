#include "persistence/aof_command.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

namespace rill::persistence {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

// Writes "<kind><n>\r\n" at p (at most 23 bytes); returns the end.
char* PutHeader(char* p, char kind, uint64_t n) {
  *p++ = kind;
  p = std::to_chars(p, p + 20, n).ptr;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

// Runs for every write the server propagates: a typical command is formatted on the stack and
// appended in one piece; bigger ones go piece by piece.
template <typename Range>
void AppendCommand(std::string* out, const Range& args, size_t argc) {
  constexpr size_t kHeader = 23;
  size_t bound = kHeader;
  for (std::string_view arg : args) bound += kHeader + arg.size() + 2;
  char stack[512];
  if (bound <= sizeof(stack)) {
    char* p = PutHeader(stack, '*', argc);
    for (std::string_view arg : args) {
      p = PutHeader(p, '$', arg.size());
      std::memcpy(p, arg.data(), arg.size());
      p += arg.size();
      *p++ = '\r';
      *p++ = '\n';
    }
    out->append(stack, static_cast<size_t>(p - stack));
    return;
  }
  char header[kHeader];
  out->append(header, static_cast<size_t>(PutHeader(header, '*', argc) - header));
  for (std::string_view arg : args) {
    out->append(header, static_cast<size_t>(PutHeader(header, '$', arg.size()) - header));
    out->append(arg);
    out->append("\r\n", 2);
  }
}

// C's atoi/strtol on a line: leading whitespace, an optional sign, then digits up to the first
// other byte. false when there are no digits or the value does not fit in `max`.
bool ParseLeadingInt(std::string_view s, int64_t max, int64_t* out) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  size_t digits = i;
  int64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (v > (max - (s[i] - '0')) / 10) return false;
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (i == digits) {
    // atoi of no digits is 0: a valid number for the caller to reject.
    *out = 0;
    return true;
  }
  *out = negative ? -v : v;
  return true;
}

}  // namespace

void AppendAofCommand(std::string* out, std::span<const std::string_view> args) {
  AppendCommand(out, args, args.size());
}

void AppendAofCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendCommand(out, args, args.size());
}

void AppendAofSelect(std::string* out, int db) {
  char digits[16];
  char* end = std::to_chars(digits, digits + sizeof(digits), db).ptr;
  AppendAofCommand(out, {"SELECT", std::string_view(digits, static_cast<size_t>(end - digits))});
}

AofReader::AofReader(ReadFn read) : read_(std::move(read)) {}

AofReader::AofReader(std::string_view data)
    : read_([data](char* buf, size_t n) mutable -> int64_t {
        size_t k = std::min(n, data.size());
        std::memcpy(buf, data.data(), k);
        data.remove_prefix(k);
        return static_cast<int64_t>(k);
      }) {}

AofReader::Fill AofReader::FillSome() {
  if (pos_ < end_) return Fill::kOk;
  if (eof_) return Fill::kEnd;
  consumed_ += end_;
  pos_ = end_ = 0;
  if (buf_.size() < kReadChunk) buf_.resize(kReadChunk);
  int64_t n = read_(buf_.data(), buf_.size());
  if (n < 0) return Fill::kError;
  if (n == 0) {
    eof_ = true;
    return Fill::kEnd;
  }
  end_ = static_cast<size_t>(n);
  return Fill::kOk;
}

AofReader::Fill AofReader::ReadLine(std::string* line) {
  line->clear();
  while (line->size() < kMaxLine) {
    Fill f = FillSome();
    if (f == Fill::kError) return f;
    if (f == Fill::kEnd) return line->empty() ? Fill::kEnd : Fill::kOk;
    size_t want = std::min(end_ - pos_, kMaxLine - line->size());
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', want);
    size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) + 1 : want;
    line->append(start, take);
    pos_ += take;
    if (nl) break;
  }
  return Fill::kOk;
}

AofReader::Fill AofReader::ReadBytes(uint64_t n, std::string* out) {
  while (n > 0) {
    Fill f = FillSome();
    if (f != Fill::kOk) return f;
    size_t take = static_cast<size_t>(std::min<uint64_t>(n, end_ - pos_));
    if (out) out->append(buf_.data() + pos_, take);
    pos_ += take;
    n -= take;
  }
  return Fill::kOk;
}

AofReader::Status AofReader::Next(std::vector<std::string>* argv) {
  argv->clear();
  std::string line;
  auto on_short = [](Fill f) { return f == Fill::kError ? Status::kIoError : Status::kTruncated; };
  while (true) {
    Fill f = ReadLine(&line);
    if (f == Fill::kError) return Status::kIoError;
    if (f == Fill::kEnd) return Status::kEnd;
    if (line[0] == '#') continue;  // annotation
    break;
  }
  if (line[0] != '*') return Status::kFormatError;
  // "*" as the very last byte is a short read for Redis, a NUL right after it a failed read.
  if (line.size() == 1) return Status::kTruncated;
  if (line[1] == '\0') return Status::kFormatError;
  int64_t argc;
  if (!ParseLeadingInt(std::string_view(line).substr(1), INT_MAX, &argc) || argc < 1) {
    return Status::kFormatError;
  }
  for (int64_t j = 0; j < argc; ++j) {
    Fill f = ReadLine(&line);
    if (f != Fill::kOk) return on_short(f);
    if (line[0] != '$') return Status::kFormatError;
    int64_t len;
    // Redis passes strtol's result straight to an allocation; a negative or absurd length is a
    // format error here rather than an attempt to allocate it.
    if (!ParseLeadingInt(std::string_view(line).substr(1), INT64_MAX, &len) || len < 0) {
      return Status::kFormatError;
    }
    std::string& arg = argv->emplace_back();
    if (Fill g = ReadBytes(static_cast<uint64_t>(len), &arg); g != Fill::kOk) return on_short(g);
    // The CRLF after the payload is skipped unchecked, as Redis does.
    if (Fill g = ReadBytes(2, nullptr); g != Fill::kOk) return on_short(g);
  }
  valid_offset_ = offset();
  return Status::kCommand;
}

}  // namespace rill::persistence
