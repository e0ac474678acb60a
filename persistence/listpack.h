// Redis's listpack and ziplist byte formats, as RDB stores lists and streams in them.
//
// Listpack (lists since 7.0, streams since 5.0):
//
//   +------------------+-----------------+---------+-----+---------+------+
//   | total bytes      | element count   | entry 1 | ... | entry N | 0xff |
//   | uint32 LE        | uint16 LE       |         |     |         |      |
//   |                  | (65535=unknown) |         |     |         |      |
//   +------------------+-----------------+---------+-----+---------+------+
//
//   entry = encoding [+ data] + backlen, where backlen is the size of encoding+data in 1-5
//   bytes, 7 bits each, most significant first, every byte but the first with 0x80 set (read
//   from the entry's end leftwards). Encodings:
//
//     0xxxxxxx                       7-bit unsigned integer
//     10xxxxxx + data                string of up to 63 bytes
//     110xxxxx yyyyyyyy              13-bit signed integer (x high bits, y low byte)
//     1110xxxx yyyyyyyy + data       string of up to 4095 bytes (12-bit length, big end first)
//     11110000 + 4-byte LE len + data  longer string
//     11110001 / 0010 / 0011 / 0100  16 / 24 / 32 / 64-bit signed integer, little endian
//
//   A string of at most 20 bytes that is the canonical decimal form of an int64 is stored as
//   the smallest integer encoding that holds it.
//
// Ziplist (lists before 7.0; loaded only):
//
//   [zlbytes uint32 LE][zltail uint32 LE][zllen uint16 LE] entries [0xff]
//   entry = prevlen (1 byte < 254, or 0xfe + uint32 LE) + encoding [+ data]:
//     00xxxxxx | 01xxxxxx xxxxxxxx (big endian) | 10000000 + uint32 BE  string lengths
//     0xc0 int16, 0xd0 int32, 0xe0 int64, 0xf0 int24, 0xfe int8 (little endian)
//     0xf1..0xfd  immediate 0..12
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rill::persistence {

// Builds one listpack in a caller-owned buffer, which keeps its capacity between listpacks.
class ListpackBuilder {
 public:
  // Starts a new listpack in `*out` (cleared).
  explicit ListpackBuilder(std::string* out);

  // Appends a string, integer-encoded when it is a canonical int64 of at most 20 bytes.
  void AppendString(std::string_view s);
  void AppendInteger(int64_t v);
  // Appends the end marker and fills in the header. REQUIRES: called once, last.
  std::string_view Finish();

  size_t count() const { return count_; }
  // Bytes the listpack would have if finished now.
  size_t bytes() const { return out_->size() + 1; }

  // Bytes one element takes in a listpack (encoding + data + backlen).
  static size_t StringEntrySize(std::string_view s);
  static size_t IntegerEntrySize(int64_t v);

 private:
  std::string* out_;
  size_t count_ = 0;
};

// A decoded listpack or ziplist element: an integer or a view into the blob.
struct PackedElement {
  bool is_int = false;
  int64_t int_value = 0;
  std::string_view str;

  // The element as a string; integers are formatted into `scratch`.
  std::string_view AsString(char (&scratch)[24]) const;
};

// What the listpack and ziplist readers share: the blob, the position, the header's count and
// the first error. Any inconsistency makes Next() return false with error() set; a well-formed
// end makes it return false with error() empty.
class PackedReader {
 public:
  // Element count from the header, or -1 when the header says "unknown".
  int64_t header_count() const { return header_count_; }
  const char* error() const { return error_; }
  bool ok() const { return error_ == nullptr; }

 protected:
  explicit PackedReader(std::string_view blob) : blob_(blob) {}
  bool Fail(const char* why);
  // True (nothing more to read) at the end marker or after an error; checks the count there.
  bool AtEnd();
  // Counts one element read; false if the header promised fewer.
  bool CountElement();

  std::string_view blob_;
  size_t pos_ = 0;
  int64_t header_count_ = -1;
  int64_t seen_ = 0;
  const char* error_ = nullptr;
};

// Walks a listpack, validating every entry against the blob's bounds (hostile input is
// expected: RDB files and, later, RESTORE payloads).
class ListpackReader : public PackedReader {
 public:
  explicit ListpackReader(std::string_view blob);
  bool Next(PackedElement* element);
};

// Same contract for a ziplist (prevlen fields are checked against the entry before).
class ZiplistReader : public PackedReader {
 public:
  explicit ZiplistReader(std::string_view blob);
  bool Next(PackedElement* element);

 private:
  size_t prev_entry_size_ = 0;
};

}  // namespace rill::persistence
