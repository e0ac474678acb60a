// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. An HLL is a string value in
// Redis's exact representation (datastructs/hyperloglog.h); these handlers check that a value
// is one, change it, and signal as Redis 7.0 does.
//
// A dense HLL (12 KB) changes in place; a sparse one (at most hll-sparse-max-bytes) is edited
// in a copy that replaces the value, since its length changes with most edits.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/string_util.h"
#include "datastructs/hyperloglog.h"
#include "datastructs/keyspace.h"
#include "protocol/errors.h"
#include "server/config/config.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

namespace hll = ds::hll;

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupt = "INVALIDOBJ Corrupted HLL object detected";

size_t SparseMaxBytes(CommandContext& ctx) {
  static const Config::IntParam kSparseMax("hll-sparse-max-bytes");
  return static_cast<size_t>(ctx.engine.config().Int(kSparseMax));
}

// The HLL bytes of a string key, or nullopt after replying Redis's isHLLObjectOrReply error.
// A value stored as an integer is never an HLL (Redis refuses non-sds encodings).
std::optional<std::string_view> HllOrReply(CommandContext& ctx, const ds::Entry& entry) {
  if (entry.is_int() || !hll::IsHll(entry.raw_bytes())) {
    ctx.reply.Error(kNotHll);
    return std::nullopt;
  }
  return entry.raw_bytes();
}

uint8_t* Writable(std::span<uint8_t> bytes) { return bytes.data(); }

// Replaces the value of the slot's key with an edited copy, keeping its expiry.
void Store(CommandContext& ctx, ds::KeySlot& slot, std::string_view bytes) {
  ctx.db().SetString(slot, bytes, ds::TtlMode::kKeep, ds::kNoExpire, ds::StringForm::kBuffer);
}

// PFADD key [element ...]: 1 if a register changed (or the key was made), else 0. Each changed
// register is one change for the dirty counter, as in Redis.
void CmdPfAdd(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  TypedKey<ds::Entry> found = ctx.FindString(key, kWrite);
  if (found.wrong_type) return;
  const size_t sparse_max = SparseMaxBytes(ctx);
  uint64_t updated = 0;
  if (found.value == nullptr) {
    std::string value = hll::NewSparse();
    updated = 1;
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (hll::Add(value, ctx.args[i], sparse_max) == 1) ++updated;
    }
    hll::InvalidateCache(reinterpret_cast<uint8_t*>(value.data()));
    ctx.db().SetString(found.slot, value, ds::TtlMode::kClear, ds::kNoExpire,
                       ds::StringForm::kBuffer);
  } else {
    const std::optional<std::string_view> current = HllOrReply(ctx, *found.value);
    if (!current) return;
    if (hll::EncodingOf(*current) == hll::kDense) {
      // In place: the value is only made writable when a register has to rise.
      const uint8_t* registers =
          reinterpret_cast<const uint8_t*>(current->data()) + hll::kHeaderSize;
      uint8_t* writable = nullptr;
      for (size_t i = 2; i < ctx.argc(); ++i) {
        const hll::Pattern pattern = hll::PatternOf(ctx.args[i]);
        if (hll::DenseGet(registers, pattern.index) >= pattern.count) continue;
        if (writable == nullptr) {
          writable = Writable(ctx.db().MutableString(found.slot, 0));
          registers = writable + hll::kHeaderSize;
        }
        hll::DenseSet(writable + hll::kHeaderSize, pattern.index, pattern.count);
        ++updated;
      }
      if (writable != nullptr) hll::InvalidateCache(writable);
    } else {
      std::string value(*current);
      for (size_t i = 2; i < ctx.argc(); ++i) {
        const int result = hll::Add(value, ctx.args[i], sparse_max);
        if (result == 1) ++updated;
        if (result == -1) {
          // Redis has changed the registers it set before it found the corruption, and
          // signals nothing: neither does this (the error reply allows the unsignalled write).
          if (updated > 0) Store(ctx, found.slot, value);
          ctx.reply.Error(kCorrupt);
          return;
        }
      }
      if (updated > 0) {
        hll::InvalidateCache(reinterpret_cast<uint8_t*>(value.data()));
        Store(ctx, found.slot, value);
      }
    }
    if (updated == 0) ctx.db().MakeStringBuffer(found.slot);
  }
  if (updated > 0) ctx.Modified(key, '$', "pfadd", updated);
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]. One key: its cached cardinality, recomputed and stored back when
// stale (a change of the value that Redis signals and propagates, without an event). Several:
// the cardinality of their union, changing nothing.
void CmdPfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    uint8_t max[hll::kRegisters] = {};
    for (size_t i = 1; i < ctx.argc(); ++i) {
      TypedKey<ds::Entry> found = ctx.FindString(ctx.args[i], kRead);
      if (found.wrong_type) return;
      if (found.value == nullptr) continue;
      const std::optional<std::string_view> value = HllOrReply(ctx, *found.value);
      if (!value) return;
      if (!hll::MergeInto(max, *value)) {
        ctx.reply.Error(kCorrupt);
        return;
      }
    }
    ctx.reply.Integer(static_cast<int64_t>(hll::CountRaw(max)));
    return;
  }
  std::string_view key = ctx.args[1];
  TypedKey<ds::Entry> found = ctx.FindString(key, kRead);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  const std::optional<std::string_view> value = HllOrReply(ctx, *found.value);
  if (!value) return;
  ctx.db().MakeStringBuffer(found.slot);  // Redis unshares the value before reading the cache
  if (hll::CacheValid(*value)) {
    ctx.reply.Integer(static_cast<int64_t>(hll::CachedCardinality(*value)));
    return;
  }
  const std::optional<uint64_t> card = hll::Count(*value);
  if (!card) {
    ctx.reply.Error(kCorrupt);
    return;
  }
  hll::StoreCardinality(Writable(ctx.db().MutableString(found.slot, 0)), *card);
  ctx.Modified(key, '$', "");
  ctx.reply.Integer(static_cast<int64_t>(*card));
}

// PFMERGE destkey [sourcekey ...]: the destination (itself one of the inputs) becomes the union.
// Dense when any input is dense; an event "pfadd" as Redis sends, one change.
void CmdPfMerge(CommandContext& ctx) {
  uint8_t max[hll::kRegisters] = {};
  bool dense = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    TypedKey<ds::Entry> found = ctx.FindString(ctx.args[i], kRead);
    if (found.wrong_type) return;
    if (found.value == nullptr) continue;
    const std::optional<std::string_view> value = HllOrReply(ctx, *found.value);
    if (!value) return;
    if (hll::EncodingOf(*value) == hll::kDense) dense = true;
    if (!hll::MergeInto(max, *value)) {
      ctx.reply.Error(kCorrupt);
      return;
    }
  }
  std::string_view key = ctx.args[1];
  TypedKey<ds::Entry> dest = ctx.FindString(key, kWrite);
  std::string value =
      dest.value == nullptr ? hll::NewSparse() : std::string(dest.value->raw_bytes());
  if (dense && !hll::SparseToDense(value)) {
    ctx.reply.Error(kCorrupt);
    return;
  }
  const size_t sparse_max = SparseMaxBytes(ctx);
  for (int i = 0; i < hll::kRegisters; ++i) {
    if (max[i] == 0) continue;
    if (hll::EncodingOf(value) == hll::kDense) {
      uint8_t* registers = reinterpret_cast<uint8_t*>(value.data()) + hll::kHeaderSize;
      if (hll::DenseGet(registers, i) < max[i]) hll::DenseSet(registers, i, max[i]);
    } else {
      hll::SparseSet(value, i, max[i], sparse_max);
    }
  }
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(value.data()));
  if (dest.value == nullptr) {
    ctx.db().SetString(dest.slot, value, ds::TtlMode::kClear, ds::kNoExpire,
                       ds::StringForm::kBuffer);
  } else {
    Store(ctx, dest.slot, value);
  }
  ctx.Modified(key, '$', "pfadd");
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. Turning a sparse HLL dense adds to the dirty
// counter (so it propagates) without signalling the key, as Redis does.
void CmdPfDebug(CommandContext& ctx) {
  const std::string_view sub = CStr(ctx.args[1]);
  std::string_view key = ctx.args[2];
  TypedKey<ds::Entry> found = ctx.FindString(key, kWrite);
  if (found.wrong_type) return;
  if (found.value == nullptr) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  const std::optional<std::string_view> current = HllOrReply(ctx, *found.value);
  if (!current) return;
  ctx.db().MakeStringBuffer(found.slot);
  const bool sparse = hll::EncodingOf(*current) == hll::kSparse;
  // Makes the value dense; false after replying when it is corrupt.
  auto to_dense = [&](std::string* value) {
    if (!hll::SparseToDense(*value)) {
      ctx.reply.Error(kCorrupt);
      return false;
    }
    Store(ctx, found.slot, *value);
    ctx.ChangedUnwatched(key, '$', "");
    return true;
  };
  if (EqualsIgnoreCase(sub, "getreg")) {
    std::string value(*current);
    if (sparse && !to_dense(&value)) return;
    const auto* registers = reinterpret_cast<const uint8_t*>(value.data()) + hll::kHeaderSize;
    ctx.reply.ArrayHeader(hll::kRegisters);
    for (int i = 0; i < hll::kRegisters; ++i) ctx.reply.Integer(hll::DenseGet(registers, i));
  } else if (EqualsIgnoreCase(sub, "decode")) {
    if (!sparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(hll::DecodeSparse(*current));
  } else if (EqualsIgnoreCase(sub, "encoding")) {
    ctx.reply.Status(sparse ? "sparse" : "dense");
  } else if (EqualsIgnoreCase(sub, "todense")) {
    std::string value(*current);
    if (sparse && !to_dense(&value)) return;
    ctx.reply.Integer(sparse ? 1 : 0);
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST: checks the register code and the estimator's error (a few hundred ms).
void CmdPfSelfTest(CommandContext& ctx) {
  const std::string failure = hll::SelfTest(SparseMaxBytes(ctx));
  if (failure.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR " + failure);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& table) {
  table.Add("pfadd", &CmdPfAdd);
  // May replicate: a read that stores a recomputed cardinality back into the value.
  table.Add("pfcount", &CmdPfCount, kCmdMayReplicate);
  table.Add("pfmerge", &CmdPfMerge);
  table.Add("pfdebug", &CmdPfDebug);
  table.Add("pfselftest", &CmdPfSelfTest);
}

}  // namespace rill
