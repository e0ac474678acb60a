#include "server/commands/debug.h"

#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/strings/str_format.h"
#include "common/string_util.h"
#include "datastructs/hash.h"
#include "datastructs/intset.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "persistence/lzf_codec.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/keys_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "server/observe/log.h"

namespace rill {
namespace {

// Bytes of an RDB length field (rdbSaveLen).
size_t RdbLengthBytes(uint64_t n) {
  if (n < (1 << 6)) return 1;
  if (n < (1 << 14)) return 2;
  if (n <= std::numeric_limits<uint32_t>::max()) return 5;
  return 9;
}

// Bytes of an RDB integer encoding of `v` (rdbEncodeInteger), or 0 when it needs more than 32
// bits and is written as a string instead.
size_t RdbIntegerBytes(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) return 2;
  if (v >= INT16_MIN && v <= INT16_MAX) return 3;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 0;
}

// What rdbSaveRawString writes for `s`: an integer encoding for short canonical integers, LZF
// when it saves room (rdbcompression yes, more than 20 bytes), else length and bytes.
size_t RdbStringBytes(std::string_view s, bool compression) {
  int64_t v;
  if (s.size() <= 11 && ParseInt64(s, &v) && RdbIntegerBytes(v) != 0) {
    return RdbIntegerBytes(v);
  }
  if (compression && s.size() > 20) {
    if (auto packed = persistence::LzfCompress(s)) {
      return 1 + RdbLengthBytes(packed->size()) + RdbLengthBytes(s.size()) + packed->size();
    }
  }
  return RdbLengthBytes(s.size()) + s.size();
}

// Bytes of one listpack entry holding `s` (encoding, data, back length), as Redis's listpack
// stores list elements: integers in 1 to 9 bytes, strings with a 1, 2 or 5-byte header.
size_t ListpackEntryBytes(std::string_view s) {
  int64_t v;
  size_t body;
  if (s.size() <= 20 && ParseInt64(s, &v)) {
    if (v >= 0 && v <= 127) {
      body = 1;
    } else if (v >= -4096 && v <= 4095) {
      body = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
      body = 3;
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
      body = 4;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      body = 5;
    } else {
      body = 9;
    }
  } else {
    body = s.size() + (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5);
  }
  size_t backlen = 1;
  for (size_t rest = body >> 7; rest > 0; rest >>= 7) ++backlen;
  return body + backlen;
}

constexpr size_t kListpackOverhead = 7;  // 6-byte header and the end byte

// The quicklist figures DEBUG OBJECT shows for a list, from Rill's nodes as Redis's listpacks
// would size them, and the list's RDB length (QUICKLIST_2: node count, then each node as a
// packed container string; node sizes are taken as the average, and not compressed).
struct ListFigures {
  size_t listpack_bytes = 0;
  size_t serialized = 0;
};

ListFigures ListOf(const ds::List& list) {
  ListFigures f;
  list.ForEach([&f](std::string_view value) { f.listpack_bytes += ListpackEntryBytes(value); });
  const size_t nodes = list.node_count();
  f.listpack_bytes += nodes * kListpackOverhead;
  f.serialized = RdbLengthBytes(nodes);
  if (nodes > 0) {
    const size_t node_bytes = f.listpack_bytes / nodes;
    f.serialized += nodes * (1 + RdbLengthBytes(node_bytes) + node_bytes);
  }
  return f;
}

size_t SerializedLength(CommandContext& ctx, const ds::Entry& entry) {
  if (entry.type() == ds::ValueType::kString) {
    if (entry.is_int()) {
      const int64_t v = entry.int_value();
      if (RdbIntegerBytes(v) != 0) return RdbIntegerBytes(v);
      char digits[24];
      const size_t n = std::snprintf(digits, sizeof(digits), "%" PRId64, v);
      return RdbLengthBytes(n) + n;
    }
    return RdbStringBytes(entry.raw_bytes(), ctx.engine.config().Bool("rdbcompression"));
  }
  if (entry.type() == ds::ValueType::kList) {
    return ListOf(static_cast<const ds::List&>(*entry.object())).serialized;
  }
  const bool compression = ctx.engine.config().Bool("rdbcompression");
  if (entry.type() == ds::ValueType::kHash) {
    // HASH_LISTPACK: one string holding the listpack (taken uncompressed); HASH: the count,
    // then each field and value as a string.
    const auto& hash = static_cast<const ds::Hash&>(*entry.object());
    size_t bytes = 0;
    hash.ForEach([&](std::string_view f, std::string_view v) {
      bytes += hash.is_listpack() ? ListpackEntryBytes(f) + ListpackEntryBytes(v)
                                  : RdbStringBytes(f, compression) + RdbStringBytes(v, compression);
    });
    if (hash.is_listpack()) bytes += kListpackOverhead;
    return RdbLengthBytes(hash.is_listpack() ? bytes : hash.size()) + bytes;
  }
  if (entry.type() == ds::ValueType::kSet) {
    // SET_INTSET: one string holding the intset; SET: the count, then each member.
    const auto& set = static_cast<const ds::Set&>(*entry.object());
    if (set.is_intset()) {
      const size_t blob = set.intset().Blob().size();
      return RdbLengthBytes(blob) + blob;
    }
    size_t bytes = RdbLengthBytes(set.size());
    set.ForEach([&](std::string_view m) { bytes += RdbStringBytes(m, compression); });
    return bytes;
  }
  // Streams: their RDB form is about as big as their packed blocks.
  return entry.object()->MemoryUsage();
}

// DEBUG OBJECT key: Redis's one-line description. The key is read without expiry or access.
void DebugObject(CommandContext& ctx) {
  const ds::Entry* entry = ctx.db().Peek(ctx.args[2]);
  if (entry == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  std::string extra;
  if (entry->type() == ds::ValueType::kList) {
    const auto& list = static_cast<const ds::List&>(*entry->object());
    const size_t nodes = list.node_count();
    extra = absl::StrFormat(
        " ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
        "ql_uncompressed_size:%d",
        nodes, nodes ? static_cast<double>(list.size()) / nodes : 0.0,
        list.limits().max_listpack_size, ctx.engine.config().Int("list-compress-depth") != 0,
        ListOf(list).listpack_bytes);
  }
  const uint32_t bits = entry->access_bits();
  ctx.reply.Status(absl::StrFormat(
      "Value at:%p refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
      static_cast<const void*>(entry), keys_internal::Refcount(ctx, *entry),
      keys_internal::EncodingName(*entry), SerializedLength(ctx, *entry), bits,
      ctx.engine.access_clock().IdleMs(bits) / 1000, extra));
}

// DEBUG POPULATE count [prefix] [size]: keys "prefix:N" with values "value:N" (padded with zero
// bytes, or cut, to `size`); existing keys are left alone. Like Redis, no keyspace events.
void DebugPopulate(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64OrReply(ctx.args[2], &count, ctx.reply)) return;
  if (count < 0) {
    ctx.reply.Error("ERR value is out of range, must be positive");
    return;
  }
  int64_t size = 0;
  if (ctx.argc() == 5) {
    if (!ParseInt64OrReply(ctx.args[4], &size, ctx.reply)) return;
    if (size < 0) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
    // Better than Redis, whose allocation of a value this big aborts the server: no value may
    // be bigger than proto-max-bulk-len anyway.
    static const Config::IntParam kMaxBulkLen("proto-max-bulk-len");
    if (size > ctx.engine.config().Int(kMaxBulkLen)) {
      ctx.reply.Error(errors::kStringTooLong);
      return;
    }
  }
  const std::string_view prefix = ctx.argc() >= 4 ? ctx.args[3] : std::string_view("key");
  std::string key, value;
  for (int64_t i = 0; i < count; ++i) {
    key = absl::StrFormat("%s:%d", ToAbsl(prefix), i);
    ds::KeySlot slot = ctx.FindKey(key, kWrite);
    if (slot.entry() != nullptr) continue;
    value = absl::StrFormat("value:%d", i);
    if (size != 0) value.resize(static_cast<size_t>(size), '\0');
    ctx.db().SetString(slot, value);
    // As Redis: WATCH sees the new key, but no event and no dirty change.
    ctx.Modified(key, 'g', /*event=*/{}, /*changes=*/0);
  }
  ctx.reply.Ok();
}

}  // namespace

bool RunDebugKeyspaceSubcommand(CommandContext& ctx, std::string_view sub) {
  if (sub == "object" && ctx.argc() == 3) {
    DebugObject(ctx);
  } else if (sub == "populate" && ctx.argc() >= 3 && ctx.argc() <= 5) {
    DebugPopulate(ctx);
  } else if (sub == "log" && ctx.argc() == 3) {
    Log(LogLevel::kWarning, "DEBUG LOG: %s", ToAbsl(ctx.args[2]));
    ctx.reply.Ok();
  } else {
    return false;
  }
  return true;
}

}  // namespace rill
