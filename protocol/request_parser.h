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
//   * A big bulk (kBigBulk bytes or more) whose payload has not fully arrived when its header is
//     read may be read elsewhere: after kNeedMore, big_bulk_pending() says where its payload
//     starts in `data`; the caller reads that payload into a buffer of its own, removes the
//     payload bytes it already had from its buffer (so that the header is followed directly by
//     the bulk's CRLF and what comes after) and calls AttachBulk with the filled buffer. The
//     argument is then a view into that buffer (Redis reads such a bulk into a query buffer
//     sized for it alone and makes the argument's object from it, PROTO_MBULK_BIG_ARG). A
//     caller that never attaches gets every bulk from `data`, as before.
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

  // Bulks at least this long may be read into a buffer of their own (PROTO_MBULK_BIG_ARG).
  static constexpr size_t kBigBulk = 32 * 1024;
  // After kNeedMore: the command waits for the payload of a bulk of kBigBulk bytes or more that
  // has no attached buffer. Its first payload byte is at big_bulk_offset() in `data` (the
  // command starts at offset 0) and it is big_bulk_length() bytes long (CRLF excluded).
  bool big_bulk_pending() const { return bulk_len_ >= static_cast<int64_t>(kBigBulk); }
  size_t big_bulk_offset() const { return pos_; }
  size_t big_bulk_length() const { return static_cast<size_t>(bulk_len_); }
  // Gives the pending big bulk its payload: big_bulk_length() bytes at `payload`, which must
  // stay valid and unchanged until DropAttachedBulks(). From the next Parse call on, the
  // caller's data holds that bulk's header directly followed by its CRLF. Parsing the same
  // command again from its start (a command postponed by CLIENT PAUSE) finds the attachment by
  // its offset. REQUIRES: big_bulk_pending(), payload.size() == big_bulk_length().
  void AttachBulk(std::string_view payload);
  // Forgets the attached payloads. The caller calls it when it drops the bytes of the command
  // they belong to (after kCommand, once the command will not be parsed again).
  void DropAttachedBulks() { attached_.clear(); }

  // After kNeedMore on a multibulk request: the bytes at its start already parsed (its header,
  // its complete arguments, the header of the bulk being read) and the total length of its
  // complete arguments. Redis has moved those into the command's argv by then, which CLIENT
  // LIST shows as qbuf (what is left) and argv-mem. Both 0 for an inline request or between
  // commands.
  size_t partial_parsed() const { return multibulk_remaining_ > 0 ? pos_ : 0; }
  size_t partial_arg_bytes() const;

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

  // A bulk payload read outside `data`: `offset` is where its payload would start, counted
  // from the start of the command.
  struct AttachedBulk {
    size_t offset;
    std::string_view payload;
  };
  // Arguments of the command in progress that are attached payloads: (argument index, index
  // in attached_).
  struct AttachedArg {
    size_t arg;
    size_t attached;
  };
  // Looks for an attached payload of the bulk's length at `offset`; on a hit, the bulk being
  // read is that payload.
  void UseAttached(size_t offset);

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
  std::vector<AttachedBulk> attached_;
  std::vector<AttachedArg> attached_args_;
  std::string inline_storage_;  // bytes of inline args that needed unquoting/unescaping
  std::vector<InlineArg> inline_args_;
};

}  // namespace rill::protocol
