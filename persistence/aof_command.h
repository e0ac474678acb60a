// Commands in an append-only file: the RESP multibulk form Redis logs them in, and a reader
// that parses a file of them with Redis 7.0's loader rules.
//
//   *<argc>\r\n  then per argument  $<len>\r\n<len bytes>\r\n
//
// Lines starting with '#' between commands are annotations (aof-timestamp-enabled writes
// "#TS:<unix seconds>\r\n") and are skipped.
//
// The reader is pure parsing over a byte source, so that it can be fuzzed: it never trusts a
// count or length from the input for an allocation (arguments grow as their bytes actually
// arrive), and every malformed input ends in kFormatError or kTruncated, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rill::persistence {

// Appends one command in RESP multibulk form.
void AppendAofCommand(std::string* out, std::span<const std::string_view> args);
void AppendAofCommand(std::string* out, std::initializer_list<std::string_view> args);
// The SELECT Redis logs when the database changes.
void AppendAofSelect(std::string* out, int db);

class AofReader {
 public:
  // Fills `buf` with up to `n` bytes; returns how many (0 at the end of input, -1 on an I/O
  // error, errno set).
  using ReadFn = std::function<int64_t(char* buf, size_t n)>;

  explicit AofReader(ReadFn read);
  // Reads from memory (tests, fuzzing).
  explicit AofReader(std::string_view data);

  enum class Status {
    kCommand,      // *argv holds the next command
    kEnd,          // clean end of input after a whole command (or of an empty input)
    kTruncated,    // the input ends inside a command: an incomplete tail
    kFormatError,  // bytes that are not a command where one must start
    kIoError,      // the source failed (errno is the source's)
  };
  Status Next(std::vector<std::string>* argv);

  // Bytes consumed up to the end of the last complete command (annotations after it are not
  // counted): where Redis truncates an incomplete tail.
  uint64_t valid_offset() const { return valid_offset_; }
  // Bytes consumed so far.
  uint64_t offset() const { return consumed_ + pos_; }

 private:
  // Redis reads each line with fgets into a 1024-byte buffer: at most 1023 bytes per line.
  static constexpr size_t kMaxLine = 1023;

  enum class Fill { kOk, kEnd, kError };
  // Makes at least one unread byte available.
  Fill FillSome();
  // One fgets: up to and including '\n', at most kMaxLine bytes. Empty at end of input.
  Fill ReadLine(std::string* line);
  // Reads exactly `n` bytes into `out` (appending as they arrive). kEnd if the input ends.
  Fill ReadBytes(uint64_t n, std::string* out);

  ReadFn read_;
  std::string buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t consumed_ = 0;  // bytes before buf_[0]
  uint64_t valid_offset_ = 0;
  bool eof_ = false;
};

}  // namespace rill::persistence
