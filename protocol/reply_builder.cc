// RESP2/RESP3 encoding with Redis 7.0's bytes. Numbers are formatted with std::to_chars into
// stack buffers and appended in one piece, so a typical reply costs one or two appends.
#include "protocol/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "common/double_format.h"

namespace rill::protocol {
namespace {

// Room for a type byte, a 20-digit number with sign, and CRLF.
constexpr size_t kHeaderMax = 1 + 21 + 2;

// Writes `<type><n>\r\n` into buf and returns its length.
inline size_t FormatHeader(char* buf, char type, int64_t n) {
  buf[0] = type;
  char* end = std::to_chars(buf + 1, buf + kHeaderMax - 2, n).ptr;
  end[0] = '\r';
  end[1] = '\n';
  return static_cast<size_t>(end + 2 - buf);
}

constexpr size_t kDoubleMax = kDouble17Max;

size_t FormatDoubleTo(char* buf, double d) { return FormatDouble17(buf, d); }

// A deferred header is written into a slot of this fixed width, then the unused part of the
// slot is cut out, moving the elements back once.
constexpr size_t kDeferredSlot = kHeaderMax;

}  // namespace

std::string FormatDouble(double d) {
  char buf[kDoubleMax];
  return std::string(buf, FormatDoubleTo(buf, d));
}

void ReplyBuilder::AppendHeader(char type, int64_t n) {
  char buf[kHeaderMax];
  out_->append(buf, FormatHeader(buf, type, n));
}

void ReplyBuilder::Simple(std::string_view s) {
  const size_t at = out_->size();
  out_->resize(at + 1 + s.size() + 2);
  char* p = out_->data() + at;
  p[0] = '+';
  std::memcpy(p + 1, s.data(), s.size());
  p[1 + s.size()] = '\r';
  p[2 + s.size()] = '\n';
}

void ReplyBuilder::ErrorCountedElsewhere(std::string_view msg) {
  ErrorSink* sink = error_sink_;
  error_sink_ = nullptr;
  Error(msg);
  error_sink_ = sink;
}

void ReplyBuilder::Error(std::string_view msg) {
  const size_t at = out_->size();
  const bool has_dash = !msg.empty() && msg[0] == '-';
  out_->reserve(at + 1 + msg.size() + 2);
  if (!has_dash) out_->push_back('-');
  const size_t text_at = out_->size();
  out_->append(msg);
  // A CR or LF inside the text would end the reply early and desync the client.
  for (size_t i = text_at; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
  ++errors_;
  if (error_sink_ != nullptr) error_sink_->OnErrorReply(msg);
}

void ReplyBuilder::Integer(int64_t v) { AppendHeader(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  char buf[kHeaderMax];
  const size_t hlen = FormatHeader(buf, '$', static_cast<int64_t>(s.size()));
  const size_t at = out_->size();
  out_->resize(at + hlen + s.size() + 2);
  char* p = out_->data() + at;
  std::memcpy(p, buf, hlen);
  if (!s.empty()) std::memcpy(p + hlen, s.data(), s.size());
  p[hlen + s.size()] = '\r';
  p[hlen + s.size() + 1] = '\n';
}

void ReplyBuilder::BulkInt(int64_t v) {
  char digits[21];
  const size_t len =
      static_cast<size_t>(std::to_chars(digits, digits + sizeof(digits), v).ptr - digits);
  Bulk(std::string_view(digits, len));
}

void ReplyBuilder::Null() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::ArrayHeader(size_t n) { AppendHeader('*', static_cast<int64_t>(n)); }

void ReplyBuilder::MapHeader(size_t pairs) {
  if (resp3_) {
    AppendHeader('%', static_cast<int64_t>(pairs));
  } else {
    AppendHeader('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyBuilder::SetHeader(size_t n) {
  AppendHeader(resp3_ ? '~' : '*', static_cast<int64_t>(n));
}

void ReplyBuilder::PushHeader(size_t n) {
  AppendHeader(resp3_ ? '>' : '*', static_cast<int64_t>(n));
}

void ReplyBuilder::Double(double d) {
  char buf[kDoubleMax + 3];
  if (resp3_) {
    buf[0] = ',';
    size_t len = 1 + FormatDoubleTo(buf + 1, d);
    buf[len] = '\r';
    buf[len + 1] = '\n';
    out_->append(buf, len + 2);
  } else {
    Bulk(std::string_view(buf, FormatDoubleTo(buf, d)));
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp3_) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  // The format is always three characters in RESP3 ("txt", "mkd"), followed by ':'.
  AppendHeader('=', static_cast<int64_t>(text.size() + format.size() + 1));
  out_->append(format);
  out_->push_back(':');
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (!resp3_) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

size_t ReplyBuilder::BeginDeferredArray() {
  const size_t token = out_->size();
  out_->append(kDeferredSlot, '\0');
  return token;
}

void ReplyBuilder::EndDeferredArray(size_t token, size_t n) { PatchDeferred(token, '*', n); }

size_t ReplyBuilder::BeginDeferredMap() { return BeginDeferredArray(); }

void ReplyBuilder::EndDeferredMap(size_t token, size_t pairs) {
  if (resp3_) {
    PatchDeferred(token, '%', pairs);
  } else {
    PatchDeferred(token, '*', pairs * 2);
  }
}

void ReplyBuilder::EndDeferredSet(size_t token, size_t n) {
  PatchDeferred(token, resp3_ ? '~' : '*', n);
}

void ReplyBuilder::PatchDeferred(size_t token, char type, size_t n) {
  char buf[kHeaderMax];
  const size_t hlen = FormatHeader(buf, type, static_cast<int64_t>(n));
  std::memcpy(out_->data() + token, buf, hlen);
  out_->erase(token + hlen, kDeferredSlot - hlen);
}

}  // namespace rill::protocol
