#include "persistence/listpack.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "common/number_parse.h"
#include "datastructs/keyspace.h"
#include "datastructs/stream_block.h"

namespace rill::persistence {
namespace {

constexpr size_t kListpackHeaderSize = 6;
constexpr uint8_t kEnd = 0xff;
constexpr uint16_t kUnknownCount = 65535;

size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

void PutBacklen(std::string* out, uint64_t l) {
  const size_t n = BacklenSize(l);
  char buf[5];
  // Most significant 7-bit group first; all but the first byte carry 0x80.
  for (size_t i = 0; i < n; ++i) {
    const int shift = static_cast<int>(7 * (n - 1 - i));
    buf[i] = static_cast<char>(((l >> shift) & 127) | (i > 0 ? 128 : 0));
  }
  out->append(buf, n);
}

void PutLittleEndian(std::string* out, uint64_t v, int bytes) {
  char buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(buf, static_cast<size_t>(bytes));
}

uint64_t GetLittleEndian(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Sign-extends the low `bits` bits of `v`.
int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  v &= (sign << 1) - 1;
  return static_cast<int64_t>((v ^ sign) - sign);
}

// Size of encoding + data of an integer element.
size_t IntegerHeadSize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

size_t StringHeadSize(size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

bool StringAsInteger(std::string_view s, int64_t* v) { return s.size() <= 20 && ParseInt64(s, v); }

}  // namespace

std::string_view PackedElement::AsString(char (&scratch)[24]) const {
  if (!is_int) return str;
  char* end = absl::numbers_internal::FastIntToBuffer(int_value, scratch);
  return {scratch, static_cast<size_t>(end - scratch)};
}

// ---- builder ----

ListpackBuilder::ListpackBuilder(std::string* out) : out_(out) {
  out_->assign(kListpackHeaderSize, '\0');
}

// The stream blocks already size listpack entries (to cut nodes where Redis does): one rule.
size_t ListpackBuilder::StringEntrySize(std::string_view s) {
  return ds::StreamBlock::LpStringSize(s);
}

size_t ListpackBuilder::IntegerEntrySize(int64_t v) { return ds::StreamBlock::LpIntSize(v); }

void ListpackBuilder::AppendString(std::string_view s) {
  int64_t v;
  if (StringAsInteger(s, &v)) {
    AppendInteger(v);
    return;
  }
  const size_t len = s.size();
  if (len < 64) {
    out_->push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    out_->push_back(static_cast<char>(0xe0 | (len >> 8)));
    out_->push_back(static_cast<char>(len & 0xff));
  } else {
    out_->push_back(static_cast<char>(0xf0));
    PutLittleEndian(out_, len, 4);
  }
  out_->append(s);
  PutBacklen(out_, StringHeadSize(len));
  ++count_;
}

void ListpackBuilder::AppendInteger(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  const size_t head = IntegerHeadSize(v);
  switch (head) {
    case 1:
      out_->push_back(static_cast<char>(v));
      break;
    case 2:  // 110xxxxx yyyyyyyy: 13 bits, two's complement
      out_->push_back(static_cast<char>(0xc0 | ((u >> 8) & 0x1f)));
      out_->push_back(static_cast<char>(u & 0xff));
      break;
    case 3:
      out_->push_back(static_cast<char>(0xf1));
      PutLittleEndian(out_, u, 2);
      break;
    case 4:
      out_->push_back(static_cast<char>(0xf2));
      PutLittleEndian(out_, u, 3);
      break;
    case 5:
      out_->push_back(static_cast<char>(0xf3));
      PutLittleEndian(out_, u, 4);
      break;
    default:
      out_->push_back(static_cast<char>(0xf4));
      PutLittleEndian(out_, u, 8);
  }
  PutBacklen(out_, head);
  ++count_;
}

std::string_view ListpackBuilder::Finish() {
  out_->push_back(static_cast<char>(kEnd));
  const auto total = static_cast<uint32_t>(out_->size());
  const uint16_t count = count_ < kUnknownCount ? static_cast<uint16_t>(count_) : kUnknownCount;
  char header[kListpackHeaderSize];
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>((total >> (8 * i)) & 0xff);
  header[4] = static_cast<char>(count & 0xff);
  header[5] = static_cast<char>(count >> 8);
  std::memcpy(out_->data(), header, sizeof(header));
  return *out_;
}

// ---- listpack reader ----

bool PackedReader::Fail(const char* why) {
  if (error_ == nullptr) error_ = why;
  pos_ = blob_.size();
  return false;
}

bool PackedReader::AtEnd() {
  if (error_ != nullptr) return true;
  const size_t end = blob_.size() - 1;  // the end marker
  if (pos_ < end) return false;
  if (pos_ == end && header_count_ >= 0 && seen_ != header_count_) {
    Fail("element count does not match the header");
  }
  return true;
}

bool PackedReader::CountElement() {
  ++seen_;
  if (header_count_ >= 0 && seen_ > header_count_) {
    return Fail("more elements than the header says");
  }
  return true;
}

ListpackReader::ListpackReader(std::string_view blob) : PackedReader(blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < kListpackHeaderSize + 1) {
    Fail("listpack shorter than its header");
    return;
  }
  if (GetLittleEndian(p, 4) != blob.size()) {
    Fail("listpack header size does not match its length");
    return;
  }
  if (p[blob.size() - 1] != kEnd) {
    Fail("listpack does not end with its end marker");
    return;
  }
  const auto count = static_cast<uint16_t>(GetLittleEndian(p + 4, 2));
  header_count_ = count == kUnknownCount ? -1 : count;
  pos_ = kListpackHeaderSize;
}

bool ListpackReader::Next(PackedElement* e) {
  if (AtEnd()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(blob_.data());
  const size_t end = blob_.size() - 1;  // position of the end marker
  const unsigned char b = p[pos_];
  const size_t avail = end - pos_;  // bytes before the end marker
  size_t head = 0;                  // encoding + data
  e->is_int = true;
  if ((b & 0x80) == 0) {
    e->int_value = b;
    head = 1;
  } else if ((b & 0xc0) == 0x80) {
    const size_t len = b & 0x3f;
    head = 1 + len;
    if (head > avail) return Fail("listpack string runs past the end");
    e->is_int = false;
    e->str = blob_.substr(pos_ + 1, len);
  } else if ((b & 0xe0) == 0xc0) {
    if (avail < 2) return Fail("listpack integer runs past the end");
    e->int_value = SignExtend((static_cast<uint64_t>(b & 0x1f) << 8) | p[pos_ + 1], 13);
    head = 2;
  } else if ((b & 0xf0) == 0xe0) {
    if (avail < 2) return Fail("listpack string length runs past the end");
    const size_t len = (static_cast<size_t>(b & 0x0f) << 8) | p[pos_ + 1];
    head = 2 + len;
    if (head > avail) return Fail("listpack string runs past the end");
    e->is_int = false;
    e->str = blob_.substr(pos_ + 2, len);
  } else if (b == 0xf0) {
    if (avail < 5) return Fail("listpack string length runs past the end");
    const uint64_t len = GetLittleEndian(p + pos_ + 1, 4);
    if (len > avail - 5) return Fail("listpack string runs past the end");
    head = 5 + static_cast<size_t>(len);
    e->is_int = false;
    e->str = blob_.substr(pos_ + 5, static_cast<size_t>(len));
  } else if (b >= 0xf1 && b <= 0xf4) {
    static constexpr int kBytes[] = {2, 3, 4, 8};
    const int bytes = kBytes[b - 0xf1];
    if (avail < static_cast<size_t>(1 + bytes)) return Fail("listpack integer runs past the end");
    e->int_value = SignExtend(GetLittleEndian(p + pos_ + 1, bytes), 8 * bytes);
    head = 1 + static_cast<size_t>(bytes);
  } else {
    return Fail("listpack entry has an unknown encoding");
  }
  // The backlen must encode exactly `head`, in its canonical size.
  const size_t backlen_size = BacklenSize(head);
  if (avail - head < backlen_size) return Fail("listpack entry backlen runs past the end");
  size_t q = pos_ + head;
  uint64_t backlen = 0;
  for (size_t i = 0; i < backlen_size; ++i) {
    const unsigned char c = p[q + i];
    if (((c & 0x80) != 0) != (i > 0)) return Fail("listpack entry has a malformed backlen");
    backlen = (backlen << 7) | (c & 127);
  }
  if (backlen != head) return Fail("listpack entry backlen does not match its size");
  pos_ = q + backlen_size;
  return CountElement();
}

// ---- ziplist reader ----

namespace {
constexpr size_t kZiplistHeaderSize = 10;
}  // namespace

ZiplistReader::ZiplistReader(std::string_view blob) : PackedReader(blob) {
  const auto* p = reinterpret_cast<const unsigned char*>(blob.data());
  if (blob.size() < kZiplistHeaderSize + 1) {
    Fail("ziplist shorter than its header");
    return;
  }
  if (GetLittleEndian(p, 4) != blob.size()) {
    Fail("ziplist header size does not match its length");
    return;
  }
  if (GetLittleEndian(p + 4, 4) > blob.size() - 1) {
    Fail("ziplist tail offset is out of range");
    return;
  }
  if (p[blob.size() - 1] != kEnd) {
    Fail("ziplist does not end with its end marker");
    return;
  }
  const auto count = static_cast<uint16_t>(GetLittleEndian(p + 8, 2));
  header_count_ = count == UINT16_MAX ? -1 : count;
  pos_ = kZiplistHeaderSize;
}

bool ZiplistReader::Next(PackedElement* e) {
  if (AtEnd()) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(blob_.data());
  const size_t end = blob_.size() - 1;
  const size_t start = pos_;
  size_t q = pos_;
  // prevlen
  uint64_t prevlen;
  if (p[q] < 254) {
    prevlen = p[q];
    q += 1;
  } else if (p[q] == 254) {
    if (end - q < 5) return Fail("ziplist prevlen runs past the end");
    prevlen = GetLittleEndian(p + q + 1, 4);
    q += 5;
  } else {
    return Fail("ziplist entry has an invalid prevlen");
  }
  if (prevlen != prev_entry_size_) return Fail("ziplist prevlen does not match the entry before");
  if (q >= end) return Fail("ziplist entry encoding runs past the end");
  const unsigned char enc = p[q];
  const size_t avail = end - q;
  size_t size = 0;  // encoding + data
  e->is_int = true;
  switch (enc >> 6) {
    case 0: {
      const size_t len = enc & 0x3f;
      size = 1 + len;
      if (size > avail) return Fail("ziplist string runs past the end");
      e->is_int = false;
      e->str = blob_.substr(q + 1, len);
      break;
    }
    case 1: {
      if (avail < 2) return Fail("ziplist string length runs past the end");
      const size_t len = (static_cast<size_t>(enc & 0x3f) << 8) | p[q + 1];
      size = 2 + len;
      if (size > avail) return Fail("ziplist string runs past the end");
      e->is_int = false;
      e->str = blob_.substr(q + 2, len);
      break;
    }
    case 2: {
      if (enc != 0x80) return Fail("ziplist entry has an unknown encoding");
      if (avail < 5) return Fail("ziplist string length runs past the end");
      uint64_t len = 0;
      for (int i = 1; i <= 4; ++i) len = (len << 8) | p[q + i];
      if (len > avail - 5) return Fail("ziplist string runs past the end");
      size = 5 + static_cast<size_t>(len);
      e->is_int = false;
      e->str = blob_.substr(q + 5, static_cast<size_t>(len));
      break;
    }
    default: {
      int bytes = 0;
      if (enc == 0xc0) {
        bytes = 2;
      } else if (enc == 0xd0) {
        bytes = 4;
      } else if (enc == 0xe0) {
        bytes = 8;
      } else if (enc == 0xf0) {
        bytes = 3;
      } else if (enc == 0xfe) {
        bytes = 1;
      } else if (enc >= 0xf1 && enc <= 0xfd) {
        e->int_value = (enc & 0x0f) - 1;
      } else {
        return Fail("ziplist entry has an unknown encoding");
      }
      if (avail < static_cast<size_t>(1 + bytes)) return Fail("ziplist integer runs past the end");
      if (bytes > 0) e->int_value = SignExtend(GetLittleEndian(p + q + 1, bytes), 8 * bytes);
      size = 1 + static_cast<size_t>(bytes);
    }
  }
  pos_ = q + size;
  prev_entry_size_ = pos_ - start;
  return CountElement();
}

}  // namespace rill::persistence
