// Commands on string values as arrays of bits: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO. The bit work is datastructs/bitops.h; these handlers parse, look keys up and
// reply, in Redis 7.0's order (which decides which error a bad request gets).
//
// Writes change the value in place (Database::MutableString); a value grows to the byte the
// highest bit written needs, never past proto-max-bulk-len, which bounds every bit offset.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/string_util.h"
#include "datastructs/bitops.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/config/config.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

namespace bits = ds::bits;

constexpr std::string_view kBitOffsetError = "ERR bit offset is not an integer or out of range";
constexpr std::string_view kBitValueError = "ERR bit is not an integer or out of range";
constexpr std::string_view kBitArgError = "ERR The bit argument must be 1 or 0.";
constexpr std::string_view kBitfieldTypeError =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";
constexpr std::string_view kOverflowTypeError = "ERR Invalid OVERFLOW type specified";
constexpr std::string_view kBitfieldRoError = "ERR BITFIELD_RO only supports the GET subcommand";
constexpr std::string_view kBitopNotError =
    "ERR BITOP NOT must be called with a single source key.";

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Redis's getBitOffsetFromArgument: a bit offset whose byte lies within proto-max-bulk-len.
// With `field_bits` > 0 (BITFIELD), "#N" means the N-th field of that width: N * field_bits,
// multiplied as Redis's 64-bit arithmetic does (a product that wraps is then out of range).
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, unsigned field_bits,
                    uint64_t* offset) {
  static const Config::IntParam kMaxBulkLen("proto-max-bulk-len");
  const bool fields = field_bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t value;
  if (!ParseInt64(arg.substr(fields ? 1 : 0), &value)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  if (fields) value = static_cast<int64_t>(static_cast<uint64_t>(value) * field_bits);
  if (value < 0 || (value >> 3) >= ctx.engine.config().Int(kMaxBulkLen)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  *offset = static_cast<uint64_t>(value);
  return true;
}

// BITCOUNT's and BITPOS's [start end [BYTE|BIT]] resolved against a value of `length` bytes:
// the bytes to scan, and in BIT mode the masks of the bits of the first and last byte that lie
// outside the range (Redis's first_byte_neg_mask / last_byte_neg_mask).
struct ByteRange {
  int64_t start = 0;
  int64_t end = -1;
  uint8_t first_mask = 0;
  uint8_t last_mask = 0;
};

// Redis's clamping: negative indexes count from the end, then both are clamped into the value.
ByteRange Clamp(int64_t start, int64_t end, int64_t length, bool bit_unit) {
  const int64_t total = bit_unit ? length << 3 : length;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  ByteRange r{start, end};
  if (bit_unit && start <= end) {
    r.first_mask = static_cast<uint8_t>(~((1u << (8 - (start & 7))) - 1) & 0xff);
    r.last_mask = static_cast<uint8_t>((1u << (7 - (end & 7))) - 1);
    r.start = start >> 3;
    r.end = end >> 3;
  }
  return r;
}

// BYTE or BIT, compared as Redis's strcasecmp does; false after replying a syntax error.
bool ParseUnit(CommandContext& ctx, std::string_view arg, bool* bit_unit) {
  const std::string_view word = CStr(arg);
  if (EqualsIgnoreCase(word, "bit")) {
    *bit_unit = true;
  } else if (EqualsIgnoreCase(word, "byte")) {
    *bit_unit = false;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return false;
  }
  return true;
}

// SETBIT key offset 0|1: the bit's previous value. A value grows (zero-filled) to reach the bit;
// setting a bit to what it already is changes nothing and signals nothing, as in Redis 7.0.
void CmdSetBit(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  int64_t on;
  if (!ParseInt64(ctx.args[3], &on) || (on & ~int64_t{1}) != 0) {
    ctx.reply.Error(kBitValueError);
    return;
  }
  TypedKey<ds::Entry> found = ctx.FindString(key, kWrite);
  if (found.wrong_type) return;
  const size_t byte = static_cast<size_t>(offset >> 3);
  const unsigned shift = 7 - static_cast<unsigned>(offset & 7);
  if (found.value != nullptr) {
    char scratch[24];
    const std::string_view value = found.value->StringView(scratch);
    if (byte < value.size()) {
      const int old = (static_cast<uint8_t>(value[byte]) >> shift) & 1;
      if (old == on) {
        ctx.db().MakeStringBuffer(found.slot);
        ctx.reply.Integer(old);
        return;
      }
    }
  }
  std::span<uint8_t> bytes = ctx.db().MutableString(found.slot, byte + 1);
  const int old = (bytes[byte] >> shift) & 1;
  bytes[byte] = static_cast<uint8_t>((bytes[byte] & ~(1u << shift)) | (on << shift));
  ctx.Modified(key, '$', "setbit");
  ctx.reply.Integer(old);
}

// GETBIT key offset: 0 past the end of the value or for a missing key.
void CmdGetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  TypedKey<ds::Entry> found = ctx.FindString(ctx.args[1], kRead);
  if (found.wrong_type) return;
  int bit = 0;
  if (found.value != nullptr) {
    char scratch[24];
    const std::string_view value = found.value->StringView(scratch);
    const uint64_t byte = offset >> 3;
    if (byte < value.size()) bit = (static_cast<uint8_t>(value[byte]) >> (7 - (offset & 7))) & 1;
  }
  ctx.reply.Integer(bit);
}

// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0 looks the key up before it reads the range: a
// missing key counts 0 whatever the arguments.
void CmdBitCount(CommandContext& ctx) {
  TypedKey<ds::Entry> found = ctx.FindString(ctx.args[1], kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  char scratch[24];
  const std::string_view value = found.value->StringView(scratch);
  const int64_t length = static_cast<int64_t>(value.size());
  ByteRange range{0, length - 1};
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    int64_t start, end;
    if (!ParseInt64OrReply(ctx.args[2], &start, ctx.reply)) return;
    if (!ParseInt64OrReply(ctx.args[3], &end, ctx.reply)) return;
    if (start < 0 && end < 0 && start > end) {  // empty before the unit is even read
      ctx.reply.Integer(0);
      return;
    }
    bool bit_unit = false;
    if (ctx.argc() == 5 && !ParseUnit(ctx, ctx.args[4], &bit_unit)) return;
    range = Clamp(start, end, length, bit_unit);
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (range.start > range.end) {
    ctx.reply.Integer(0);
    return;
  }
  const uint8_t* p = Bytes(value);
  uint64_t count =
      bits::PopCount(p + range.start, static_cast<size_t>(range.end - range.start + 1));
  // Bits of the edge bytes outside a BIT range were counted: take them off again.
  if (range.first_mask != 0) count -= __builtin_popcount(p[range.start] & range.first_mask);
  if (range.last_mask != 0) count -= __builtin_popcount(p[range.end] & range.last_mask);
  ctx.reply.Integer(static_cast<int64_t>(count));
}

// BITPOS's search in three steps, as Redis's: the first byte with the bits before the range
// made "not found", the whole bytes, the last byte with the bits after the range made so too.
// Returns the position relative to byte `*start`; `*start` and `*bytes` end as the byte and
// length of the last step, which decides whether a 0 found past its end lies outside the range.
int64_t FindInRange(const uint8_t* p, const ByteRange& range, int bit, int64_t* start,
                    int64_t* bytes) {
  auto masked = [bit](uint8_t byte, uint8_t mask) {
    return static_cast<uint8_t>(bit ? byte & ~mask : byte | mask);
  };
  int64_t pos;
  if (range.first_mask != 0) {
    uint8_t c = masked(p[*start], range.first_mask);
    if (range.last_mask != 0 && *bytes == 1) c = masked(c, range.last_mask);
    pos = bits::FindBit(&c, 1, bit);
    if (*bytes == 1 || (pos != -1 && pos != 8)) return pos;
    ++*start;
    --*bytes;
  }
  const int64_t whole = *bytes - (range.last_mask != 0 ? 1 : 0);
  if (whole > 0) {
    pos = bits::FindBit(p + *start, static_cast<size_t>(whole), bit);
    if (*bytes == whole || (pos != -1 && pos != whole * 8)) return pos;
    *start += whole;
    *bytes -= whole;
  }
  const uint8_t c = masked(p[range.end], range.last_mask);
  return bits::FindBit(&c, 1, bit);
}

// BITPOS key 0|1 [start [end [BYTE|BIT]]]: the first bit set (or clear) in the range. Without an
// end, a search for 0 that runs off the value finds the first bit past it (the value reads as
// zero-padded); with an end, it finds none (-1).
void CmdBitPos(CommandContext& ctx) {
  int64_t bit;
  if (!ParseInt64OrReply(ctx.args[2], &bit, ctx.reply)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error(kBitArgError);
    return;
  }
  TypedKey<ds::Entry> found = ctx.FindString(ctx.args[1], kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  char scratch[24];
  const std::string_view value = found.value->StringView(scratch);
  const int64_t length = static_cast<int64_t>(value.size());
  ByteRange range{0, length - 1};
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    int64_t start, end = length - 1;
    if (!ParseInt64OrReply(ctx.args[3], &start, ctx.reply)) return;
    bool bit_unit = false;
    if (ctx.argc() == 6 && !ParseUnit(ctx, ctx.args[5], &bit_unit)) return;
    if (ctx.argc() >= 5) {
      if (!ParseInt64OrReply(ctx.args[4], &end, ctx.reply)) return;
      end_given = true;
    }
    range = Clamp(start, end, length, bit_unit);
  } else if (ctx.argc() != 3) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (range.start > range.end) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t start = range.start;
  int64_t bytes = range.end - range.start + 1;
  const int64_t pos = FindInRange(Bytes(value), range, static_cast<int>(bit), &start, &bytes);
  if (end_given && bit == 0 && pos == bytes * 8) {
    ctx.reply.Integer(-1);
    return;
  }
  ctx.reply.Integer(pos == -1 ? -1 : pos + start * 8);
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: the result's length, that of the longest source.
// Missing sources read as empty; an empty result deletes the destination.
void CmdBitOp(CommandContext& ctx) {
  const std::string_view name = CStr(ctx.args[1]);
  bits::Op op;
  if (EqualsIgnoreCase(name, "and")) {
    op = bits::Op::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = bits::Op::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = bits::Op::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = bits::Op::kNot;
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  if (op == bits::Op::kNot && ctx.argc() != 4) {
    ctx.reply.Error(kBitopNotError);
    return;
  }
  const std::string_view dest = ctx.args[2];
  const size_t sources = ctx.argc() - 3;
  // Integers are read as their decimal text, which needs somewhere to live.
  struct Scratch {
    char bytes[24];
  };
  std::vector<Scratch> scratch(sources);
  std::vector<std::string_view> values(sources);
  size_t longest = 0;
  for (size_t i = 0; i < sources; ++i) {
    TypedKey<ds::Entry> found = ctx.FindString(ctx.args[3 + i], kRead);
    if (found.wrong_type) return;
    if (found.value != nullptr) values[i] = found.value->StringView(scratch[i].bytes);
    longest = std::max(longest, values[i].size());
  }
  if (longest == 0) {
    if (ctx.db().Delete(dest)) ctx.Modified(dest, 'g', "del");
    ctx.reply.Integer(0);
    return;
  }
  // The destination may be one of the sources: the result is built apart, then stored.
  std::string result(longest, '\0');
  bits::Combine(op, values, reinterpret_cast<uint8_t*>(result.data()), longest);
  ds::KeySlot slot = ctx.FindKey(dest, kWrite);
  ctx.db().SetString(slot, result, ds::TtlMode::kClear, ds::kNoExpire, ds::StringForm::kBuffer);
  ctx.Modified(dest, '$', "set");
  ctx.reply.Integer(static_cast<int64_t>(longest));
}

// One BITFIELD operation, parsed before any is run.
struct FieldOp {
  enum Kind : uint8_t { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  bits::Overflow overflow;
  unsigned bits;
  uint64_t offset;
  int64_t value;  // SET's value, INCRBY's increment
};

// Redis's getBitfieldTypeFromArgument: i1..i64 or u1..u63.
bool ParseFieldType(CommandContext& ctx, std::string_view arg, bool* is_signed, unsigned* width) {
  int64_t n;
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u') || !ParseInt64(CStr(arg.substr(1)), &n) ||
      n < 1 || n > (arg[0] == 'i' ? 64 : 63)) {
    ctx.reply.Error(kBitfieldTypeError);
    return false;
  }
  *is_signed = arg[0] == 'i';
  *width = static_cast<unsigned>(n);
  return true;
}

// Parses BITFIELD's operations as Redis does, left to right, stopping at the first error.
bool ParseFieldOps(CommandContext& ctx, std::vector<FieldOp>* ops) {
  bits::Overflow overflow = bits::Overflow::kWrap;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const size_t left = ctx.argc() - j - 1;
    const std::string_view word = CStr(ctx.args[j]);
    FieldOp op{};
    if (EqualsIgnoreCase(word, "get") && left >= 2) {
      op.kind = FieldOp::kGet;
    } else if (EqualsIgnoreCase(word, "set") && left >= 3) {
      op.kind = FieldOp::kSet;
    } else if (EqualsIgnoreCase(word, "incrby") && left >= 3) {
      op.kind = FieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(word, "overflow") && left >= 1) {
      const std::string_view mode = CStr(ctx.args[++j]);
      if (EqualsIgnoreCase(mode, "wrap")) {
        overflow = bits::Overflow::kWrap;
      } else if (EqualsIgnoreCase(mode, "sat")) {
        overflow = bits::Overflow::kSat;
      } else if (EqualsIgnoreCase(mode, "fail")) {
        overflow = bits::Overflow::kFail;
      } else {
        ctx.reply.Error(kOverflowTypeError);
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
    if (!ParseFieldType(ctx, ctx.args[j + 1], &op.is_signed, &op.bits)) return false;
    if (!ParseBitOffset(ctx, ctx.args[j + 2], op.bits, &op.offset)) return false;
    if (op.kind != FieldOp::kGet && !ParseInt64OrReply(ctx.args[j + 3], &op.value, ctx.reply)) {
      return false;
    }
    op.overflow = overflow;
    ops->push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }
  return true;
}

// A SET or INCRBY on the field at `op`: the reply value and the value to store, or no store
// when FAIL refuses the overflow.
struct FieldWrite {
  bool refused;
  int64_t reply;
  uint64_t old_bits;
  uint64_t new_bits;
};

FieldWrite ComputeWrite(const FieldOp& op, const uint8_t* p) {
  if (op.is_signed) {
    const int64_t old = bits::GetSigned(p, op.offset, op.bits);
    int64_t wrapped = 0;
    int64_t value;
    int overflow;
    if (op.kind == FieldOp::kIncrBy) {
      overflow = bits::CheckSignedOverflow(old, op.value, op.bits, op.overflow, &wrapped);
      value = overflow ? wrapped : old + op.value;
    } else {
      value = op.value;
      overflow = bits::CheckSignedOverflow(value, 0, op.bits, op.overflow, &wrapped);
      if (overflow) value = wrapped;
    }
    const bool refused = overflow != 0 && op.overflow == bits::Overflow::kFail;
    const int64_t reply = op.kind == FieldOp::kIncrBy ? value : old;
    return {refused, reply, static_cast<uint64_t>(old), static_cast<uint64_t>(value)};
  }
  const uint64_t old = bits::GetUnsigned(p, op.offset, op.bits);
  uint64_t wrapped = 0;
  uint64_t value;
  int overflow;
  if (op.kind == FieldOp::kIncrBy) {
    value = old + static_cast<uint64_t>(op.value);
    overflow = bits::CheckUnsignedOverflow(old, op.value, op.bits, op.overflow, &wrapped);
  } else {
    value = static_cast<uint64_t>(op.value);
    overflow = bits::CheckUnsignedOverflow(value, 0, op.bits, op.overflow, &wrapped);
  }
  if (overflow) value = wrapped;
  const bool refused = overflow != 0 && op.overflow == bits::Overflow::kFail;
  const uint64_t reply = op.kind == FieldOp::kIncrBy ? value : old;
  return {refused, static_cast<int64_t>(reply), old, value};
}

// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
// OVERFLOW WRAP|SAT|FAIL] ...: one reply per GET/SET/INCRBY. Only GETs: a read. With writes the
// value first grows to the highest bit written; each write that changes the field (or any write
// when the value grew) is one change for the dirty counter, all signalled once as "setbit".
void BitFieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<FieldOp> ops;
  if (!ParseFieldOps(ctx, &ops)) return;
  std::string_view key = ctx.args[1];
  uint64_t highest = 0;
  bool writes = false;
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::kGet) continue;
    writes = true;
    highest = std::max(highest, op.offset + op.bits - 1);
  }
  if (writes && read_only_command) {
    ctx.reply.Error(kBitfieldRoError);
    return;
  }
  TypedKey<ds::Entry> found = ctx.FindString(key, writes ? kWrite : kRead);
  if (found.wrong_type) return;

  // The value's bytes: read through `view` until a write needs them writable.
  char scratch[24];
  std::string_view view = found.value != nullptr ? found.value->StringView(scratch) : "";
  uint8_t* writable = nullptr;
  const size_t needed = static_cast<size_t>(highest >> 3) + 1;
  const bool grows = writes && (found.value == nullptr || view.size() < needed);
  if (grows) {
    std::span<uint8_t> bytes = ctx.db().MutableString(found.slot, needed);
    writable = bytes.data();
    view = {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  uint64_t changes = 0;
  ctx.reply.ArrayHeader(ops.size());
  for (const FieldOp& op : ops) {
    if (op.kind == FieldOp::kGet) {
      ctx.reply.Integer(
          op.is_signed ? bits::GetSignedPadded(view, op.offset, op.bits)
                       : static_cast<int64_t>(bits::GetUnsignedPadded(view, op.offset, op.bits)));
      continue;
    }
    const FieldWrite w = ComputeWrite(op, Bytes(view));
    if (w.refused) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Integer(w.reply);
    const uint64_t mask = op.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << op.bits) - 1;
    if ((w.old_bits & mask) == (w.new_bits & mask) && !grows) continue;
    if (writable == nullptr) {
      std::span<uint8_t> bytes = ctx.db().MutableString(found.slot, needed);
      writable = bytes.data();
      view = {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
    bits::SetField(writable, op.offset, op.bits, w.new_bits);
    ++changes;
  }
  if (changes > 0) {
    ctx.Modified(key, '$', "setbit", changes);
  } else if (grows) {
    // Every write refused by OVERFLOW FAIL: Redis has made or grown the value all the same,
    // and signals nothing.
    ctx.ChangedUnwatched(key, '$', "", 0);
  } else if (writes) {
    ctx.db().MakeStringBuffer(found.slot);
  }
}

void CmdBitField(CommandContext& ctx) { BitFieldGeneric(ctx, false); }
void CmdBitFieldRo(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace

void RegisterBitmapCommands(CommandTable& table) {
  table.Add("setbit", &CmdSetBit);
  table.Add("getbit", &CmdGetBit);
  table.Add("bitcount", &CmdBitCount);
  table.Add("bitpos", &CmdBitPos);
  table.Add("bitop", &CmdBitOp);
  table.Add("bitfield", &CmdBitField);
  table.Add("bitfield_ro", &CmdBitFieldRo);
}

}  // namespace rill
