// Appends replies in RESP2 or RESP3 to an output buffer, with Redis 7.0's exact bytes.
// RESP3-only types degrade the way Redis degrades them for RESP2 clients (maps become flat
// arrays, doubles become bulk strings, booleans integers, nulls `$-1` or `*-1`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rill::protocol {

// Told of every error reply a builder writes: the server counts them (Redis's afterErrorReply:
// total_error_replies and the per-code INFO errorstats).
class ErrorSink {
 public:
  virtual void OnErrorReply(std::string_view msg) = 0;

 protected:
  ~ErrorSink() = default;
};

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, ErrorSink* errors = nullptr)
      : out_(out), error_sink_(errors) {}

  void set_resp3(bool on) { resp3_ = on; }
  bool resp3() const { return resp3_; }
  std::string* buffer() { return out_; }

  void Ok() { out_->append("+OK\r\n"); }
  void Simple(std::string_view s);  // +s
  // `msg` carries the error code, e.g. "ERR syntax error" or "WRONGTYPE Operation ...".
  // CR and LF inside msg become spaces, as Redis does, so the reply stays one line. Counted, and
  // passed to the error sink.
  void Error(std::string_view msg);  // -msg
  // An error counted already where it arose (a script returning the error of a command it ran,
  // Redis's ERR_REPLY_FLAG_NO_STATS_UPDATE): written and counted in errors(), not passed to the
  // error sink.
  void ErrorCountedElsewhere(std::string_view msg);
  // Error replies written so far (a command that wrote one failed, for INFO commandstats).
  size_t errors() const { return errors_; }
  void Integer(int64_t v);        // :v
  void Bulk(std::string_view s);  // $len s
  void BulkInt(int64_t v);        // integer as a bulk string
  void Null();                    // RESP2 $-1, RESP3 _
  void NullArray();               // RESP2 *-1, RESP3 _
  void EmptyArray() { ArrayHeader(0); }
  void ArrayHeader(size_t n);    // *n
  void MapHeader(size_t pairs);  // RESP3 %n, RESP2 *2n
  void SetHeader(size_t n);      // RESP3 ~n, RESP2 *n
  void PushHeader(size_t n);     // RESP3 >n, RESP2 *n
  void Double(double d);         // RESP3 ,d  RESP2 bulk "%.17g" (inf/-inf/nan as Redis)
  void Bool(bool b);             // RESP3 #t/#f, RESP2 :1/:0
  void Verbatim(std::string_view text, std::string_view format = "txt");  // RESP3 =, RESP2 bulk
  void BigNumber(std::string_view digits);                                // RESP3 (, RESP2 bulk
  void Status(std::string_view s) { Simple(s); }
  void Raw(std::string_view bytes) { out_->append(bytes); }

  // For replies whose length is known only after producing the elements: reserve a header,
  // then patch it. Returns a token for EndDeferred*.
  size_t BeginDeferredArray();
  void EndDeferredArray(size_t token, size_t n);
  size_t BeginDeferredMap();
  void EndDeferredMap(size_t token, size_t pairs);
  size_t BeginDeferredSet() { return BeginDeferredArray(); }
  void EndDeferredSet(size_t token, size_t n);  // RESP3 ~n, RESP2 *n
  // Deferred replies may nest (end the inner one first); each End moves the bytes written since
  // its Begin back by at most 24 bytes, once.

 private:
  void AppendHeader(char type, int64_t n);
  void PatchDeferred(size_t token, char type, size_t n);

  std::string* out_;
  ErrorSink* error_sink_;
  size_t errors_ = 0;
  bool resp3_ = false;
};

// Formats a double the way Redis 7.0 replies with it (`%.17g`, "inf", "-inf").
std::string FormatDouble(double d);

}  // namespace rill::protocol
