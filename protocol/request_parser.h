// Incremental parser for client requests: RESP multibulk (`*N\r\n$len\r\narg\r\n...`) and
// inline (telnet-style, space separated, with quotes) commands, as Redis 7.0 reads them.
//
// Contract with the connection:
//   * `Parse(data)` is given the unconsumed bytes of the read buffer, starting at the first byte
//     of the command being parsed. After a kNeedMore, the next call passes the same start with
//     more bytes appended (the buffer may have moved in memory; the parser keeps only offsets).
//   * kCommand: `args()` are views into `data`, valid until the caller drops those bytes;
//     `consumed()` bytes form this command. The parser is ready for the next command.
//   * kError: `error()` is the full Redis error text (e.g. "ERR Protocol error: invalid bulk
//     length"); the connection replies with it and closes, as Redis does.
//   * Empty commands (`*0`, `*-1`, blank inline lines) produce nothing, as in Redis. When a real
//     command follows them in `data`, it is returned and consumed() covers both. Otherwise
//     kCommand comes back with zero args and consumed() covering just the empty commands: the
//     caller drops those bytes and calls again (it must not execute an empty command).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace rill::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  // Redis 7.0 rejects a multibulk count above INT_MAX ("invalid multibulk length"); 1024*1024
  // was the limit of older versions. Argument storage is never reserved from this count.
  int64_t max_multibulk_len = std::numeric_limits<int32_t>::max();
  size_t max_inline_len = 64 * 1024;  // PROTO_INLINE_MAX_SIZE
};

enum class ParseStatus { kNeedMore, kCommand, kError };

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  ParseStatus Parse(std::string_view data);

  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  // While the client still has to authenticate, Redis refuses multibulk counts above 10 and
  // bulks above 16 KiB ("Protocol error: unauthenticated ..."), so that an anonymous client
  // cannot make the server buffer much. The connection sets this from its auth state.
  void set_auth_required(bool required) { auth_required_ = required; }

  // Bytes of the current (incomplete) command already known to be needed: lets the connection
  // size its next read for a large bulk argument. 0 when unknown.
  size_t bytes_wanted() const { return bytes_wanted_; }

  void Reset();

 private:
  ParseStatus ParseInline(std::string_view data);
  ParseStatus ParseMultibulk(std::string_view data);
  ParseStatus Fail(std::string message);
  // Splits one inline line (without its line ending) into args_; false on unbalanced quotes.
  bool SplitInline(std::string_view line);
  void ResetCommandState();

  // An inline argument: a view into the request when it needed no unescaping, otherwise a
  // range of inline_storage_ (views are made only once the storage stops growing).
  struct InlineArg {
    size_t start;
    size_t len;
    bool owned;
  };

  ParserLimits limits_;
  bool auth_required_ = false;
  std::vector<std::string_view> args_;
  // Offsets of parsed arguments (start, length) of the command in progress, relative to the
  // start of `data`, so that parsing resumes where it stopped when more bytes arrive.
  std::vector<std::pair<size_t, size_t>> arg_offsets_;
  int64_t multibulk_remaining_ = -1;  // -1: header not yet parsed
  // Offset in `data` where the current command begins, within one Parse call: non-zero after
  // stepping over empty commands (`*0`, blank inline lines). Always 0 between calls.
  size_t cmd_start_ = 0;
  size_t pos_ = 0;         // resume offset (multibulk: next header; inline: scan)
  int64_t bulk_len_ = -1;  // length of the bulk being read, -1 when at a '$' header
  size_t consumed_ = 0;
  size_t bytes_wanted_ = 0;
  std::string error_;
  std::string inline_storage_;  // bytes of inline args that needed unquoting/unescaping
  std::vector<InlineArg> inline_args_;
};

}  // namespace rill::protocol
