// DUMP and RESTORE, as Redis 7.0's dumpCommand / restoreCommand (cluster.c). The payload is the
// RDB serialization of the value with its version and CRC64 (persistence/dump_payload.h), so
// payloads move between Rill and redis-server both ways.
//
// RESTORE's checks come in Redis's order: options, then BUSYKEY (unless REPLACE), the TTL, the
// payload's version and checksum, and last its contents. A relative TTL is propagated as an
// absolute one (ABSTTL appended); a deadline already past restores nothing, and with REPLACE
// the old key's deletion goes out as DEL.
#include <cstdint>
#include <string>
#include <vector>

#include "common/string_util.h"
#include "datastructs/access_clock.h"
#include "persistence/dump_payload.h"
#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/engine/engine.h"
#include "server/persist/persistence.h"

namespace rill {
namespace {

void CmdDump(CommandContext& ctx) {
  ds::KeySlot slot = ctx.FindKey(ctx.args[1], kRead);
  const ds::Entry* entry = slot.entry();
  if (entry == nullptr) {
    ctx.reply.Null();
    return;
  }
  static const Config::IntParam kListNodeSize("list-max-listpack-size");
  persistence::RdbSaveOptions options;
  options.compression = ctx.engine.config().Bool("rdbcompression");
  options.list_max_listpack_size = ctx.engine.config().Int(kListNodeSize);
  ctx.reply.Bulk(persistence::CreateDumpPayload(*entry, options));
}

void CmdRestore(CommandContext& ctx) {
  bool replace = false;
  bool absttl = false;
  int64_t lfu_freq = -1;
  int64_t lru_idle = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.args[j];
    const size_t more = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(arg, "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(arg, "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(arg, "idletime") && more >= 1 && lfu_freq == -1) {
      if (!ParseInt64OrReply(ctx.args[++j], &lru_idle, ctx.reply)) return;
      if (lru_idle < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
    } else if (EqualsIgnoreCase(arg, "freq") && more >= 1 && lru_idle == -1) {
      if (!ParseInt64OrReply(ctx.args[++j], &lfu_freq, ctx.reply)) return;
      if (lfu_freq < 0 || lfu_freq > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }

  const std::string_view key = ctx.args[1];
  if (!replace && ctx.FindKey(key, kWrite).entry() != nullptr) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  int64_t ttl;
  if (!ParseInt64OrReply(ctx.args[2], &ttl, ctx.reply)) return;
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  const std::string_view payload = ctx.args[3];
  if (!persistence::VerifyDumpPayload(payload)) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  persistence::DumpValue value;
  std::string error;
  if (!persistence::LoadDumpPayload(payload, ctx.engine.rdb().PrepareLoad(), &value, &error)) {
    ctx.reply.Error("ERR Bad data format");
    return;
  }

  const bool deleted = replace && ctx.db().Delete(key);
  // Redis adds the clock to a relative TTL in wrapping arithmetic: a huge one comes out in the
  // past and restores nothing.
  if (ttl != 0 && !absttl) {
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(ctx.now_ms));
  }
  if (ttl != 0 && ttl <= ctx.now_ms && !ctx.engine.loading()) {
    if (deleted) {
      ctx.RewriteCommand({"DEL", key});
      ctx.Modified(key, 'g', "del");
    }
    ctx.reply.Simple("OK");
    return;
  }

  const ds::TtlMode ttl_mode = ttl != 0 ? ds::TtlMode::kSet : ds::TtlMode::kClear;
  const int64_t expire_ms = ttl != 0 ? ttl : ds::kNoExpire;
  ds::Entry* entry;
  if (!value.is_string) {
    entry = ctx.db().SetObject(key, std::move(value.object), ttl_mode, expire_ms);
  } else if (value.is_int) {
    entry = ctx.db().SetInt(key, value.int_value, ttl_mode, expire_ms);
  } else {
    entry = ctx.db().SetString(key, value.bytes, ttl_mode, expire_ms);
  }
  if (ttl != 0 && !absttl) {
    std::vector<std::string> rewritten(ctx.args.begin(), ctx.args.end());
    rewritten[2] = std::to_string(ttl);
    rewritten.emplace_back("ABSTTL");
    ctx.RewriteCommand(std::move(rewritten));
  }
  // Redis's objectSetLRUOrLFU: FREQ under an LFU policy, IDLETIME under any other.
  ds::AccessClock& clock = ctx.engine.access_clock();
  if (clock.lfu()) {
    if (lfu_freq >= 0) entry->set_access_bits(clock.LfuBitsWithCounter(lfu_freq));
  } else if (lru_idle >= 0) {
    entry->set_access_bits(clock.LruBitsIdleFor(static_cast<uint64_t>(lru_idle)));
  }
  ctx.Modified(key, 'g', "restore");
  ctx.reply.Simple("OK");
}

}  // namespace

void RegisterDumpCommands(CommandTable& table) {
  table.Add("dump", CmdDump);
  table.Add("restore", CmdRestore);
}

}  // namespace rill
