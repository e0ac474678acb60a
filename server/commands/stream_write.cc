// Stream commands that add or remove entries: XADD XTRIM XDEL XSETID, and XLEN.
//
// Argument handling follows Redis 7.0's t_stream.c step by step (options first, then the
// key), because the order decides which error a client sees when several things are wrong.

#include <cstdint>
#include <vector>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace stream_internal;

struct AddTrimArgs {
  // XADD only.
  ds::StreamId id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
  // XADD and XTRIM.
  ds::TrimSpec trim;
  bool approx_given = false;  // "~" was written (LIMIT may still be the default)
  size_t trim_value_pos = 0;  // argument index of the MAXLEN/MINID value
};

// Approximate trimming depends on node boundaries, which differ between servers and
// configurations: Redis logs it as exact trimming to what it left ("~" becomes "=", the value
// the resulting length or first ID).
void RewriteApproxTrim(CommandContext& ctx, const AddTrimArgs& args, const ds::Stream& stream) {
  if (!args.approx_given) return;
  ctx.RewriteArgument(args.trim_value_pos - 1, "=");
  if (args.trim.strategy == ds::TrimStrategy::kMaxLen) {
    ctx.RewriteArgument(args.trim_value_pos, std::to_string(stream.length()));
  } else {
    ds::StreamId first;
    if (!stream.FirstValidId(&first)) first = ds::StreamId::Max();
    ctx.RewriteArgument(args.trim_value_pos, first.ToString());
  }
}

// Redis's streamParseAddOrTrimArgsOrReply. Returns the index of the ID argument (XADD) or a
// positive value (XTRIM); -1 after replying with an error.
int ParseAddOrTrimArgs(CommandContext& ctx, bool xadd, AddTrimArgs* args) {
  const auto& argv = ctx.args;
  const int argc = static_cast<int>(argv.size());
  bool limit_given = false;
  int i = 2;
  for (; i < argc; ++i) {
    const int more = argc - 1 - i;
    std::string_view opt = argv[i];
    if (xadd && opt == "*") break;  // the common auto-ID case
    const bool maxlen = EqualsIgnoreCase(opt, "maxlen") && more > 0;
    const bool minid = !maxlen && EqualsIgnoreCase(opt, "minid") && more > 0;
    if (maxlen || minid) {
      if (args->trim.strategy != ds::TrimStrategy::kNone) {
        ctx.reply.Error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      args->trim.approx = false;
      std::string_view next = argv[i + 1];
      if (more >= 2 && next == "~") {
        args->trim.approx = true;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      args->approx_given = args->trim.approx;
      args->trim_value_pos = static_cast<size_t>(i) + 1;
      if (maxlen) {
        if (!ParseInt64OrReply(argv[i + 1], &args->trim.maxlen, ctx.reply)) return -1;
        if (args->trim.maxlen < 0) {
          ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
        args->trim.strategy = ds::TrimStrategy::kMaxLen;
      } else {
        if (!ParseIdOrReply(ctx, argv[i + 1], 0, true, nullptr, &args->trim.minid)) return -1;
        args->trim.strategy = ds::TrimStrategy::kMinId;
      }
      ++i;
    } else if (EqualsIgnoreCase(opt, "limit") && more > 0) {
      if (!ParseInt64OrReply(argv[i + 1], &args->trim.limit, ctx.reply)) return -1;
      if (args->trim.limit < 0) {
        ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqualsIgnoreCase(opt, "nomkstream")) {
      args->no_mkstream = true;
    } else if (xadd) {
      if (!ParseIdOrReply(ctx, opt, 0, true, &args->seq_given, &args->id)) return -1;
      args->id_given = true;
      break;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return -1;
    }
  }

  if (args->trim.limit != 0 && args->trim.strategy == ds::TrimStrategy::kNone) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && args->trim.strategy == ds::TrimStrategy::kNone) {
    ctx.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limit_given) {
    if (!args->trim.approx) {
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (args->trim.approx) {
    // Approximate trimming does at most 100 nodes' worth of work per call unless told.
    static const Config::IntParam kMaxEntries("stream-node-max-entries");
    int64_t limit = 100 * ctx.engine.config().Int(kMaxEntries);
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    args->trim.limit = limit;
  } else {
    args->trim.limit = 0;
  }
  return i;
}

void CmdXAdd(CommandContext& ctx) {
  AddTrimArgs args;
  const int id_pos = ParseAddOrTrimArgs(ctx, true, &args);
  if (id_pos < 0) return;
  const size_t field_pos = static_cast<size_t>(id_pos) + 1;
  if (ctx.argc() < field_pos + 2 || (ctx.argc() - field_pos) % 2 == 1) {
    ctx.reply.Error(errors::WrongArity("xadd"));
    return;
  }
  if (args.id_given && args.seq_given && args.id.IsZero()) {
    ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }

  std::string_view key = ctx.args[1];
  // As Redis, the stream is created before the entry is checked: an entry refused below leaves
  // an empty stream behind.
  TypedKey<ds::Stream> found =
      args.no_mkstream
          ? ctx.FindTyped<ds::Stream>(key, kWrite)
          : ctx.FindOrCreate<ds::Stream>(key, [] { return std::make_unique<ds::Stream>(); });
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  if (stream == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (stream->last_id() == ds::StreamId::Max()) {
    ctx.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }

  ds::StreamId added;
  auto status = stream->Add(args.id_given ? &args.id : nullptr, args.seq_given, ctx.now_ms,
                            ctx.args.subspan(field_pos), NodeLimits(ctx), &added);
  if (status != ds::Stream::AddStatus::kOk) {
    ctx.reply.Error(status == ds::Stream::AddStatus::kIdNotGreater
                        ? "ERR The ID specified in XADD is equal or smaller than the target "
                          "stream top item"
                        : "ERR Elements are too large to be stored");
    return;
  }
  ReplyId(ctx.reply, added);
  // Modified also wakes XREAD/XREADGROUP waiters.
  ctx.Modified(key, 't', "xadd");
  // Logged with the ID it got, so that a replay does not read its own clock.
  if ((!args.id_given || !args.seq_given) && ctx.propagating()) {
    ctx.RewriteArgument(id_pos, added.ToString());
  }
  if (args.trim.strategy != ds::TrimStrategy::kNone) {
    if (stream->Trim(args.trim) != 0) ctx.Notify('t', "xtrim", key);
    RewriteApproxTrim(ctx, args, *stream);
  }
}

void CmdXTrim(CommandContext& ctx) {
  AddTrimArgs args;
  if (ParseAddOrTrimArgs(ctx, false, &args) < 0) return;
  std::string_view key = ctx.args[1];
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(key, kWrite);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  if (stream == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  const int64_t deleted = stream->Trim(args.trim);
  if (deleted != 0) {
    ctx.Modified(key, 't', "xtrim", static_cast<uint64_t>(deleted));
    RewriteApproxTrim(ctx, args, *stream);
  }
  ctx.reply.Integer(deleted);
}

void CmdXDel(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(key, kWrite);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  if (stream == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // All IDs are checked before anything is deleted, so a bad ID changes nothing.
  std::vector<ds::StreamId> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!ParseIdOrReply(ctx, ctx.args[j], 0, true, nullptr, &ids[j - 2])) return;
  }
  int64_t deleted = 0;
  for (ds::StreamId id : ids) deleted += stream->Delete(id) ? 1 : 0;
  if (deleted != 0) {
    ctx.Modified(key, 't', "xdel", static_cast<uint64_t>(deleted));
  }
  ctx.reply.Integer(deleted);
}

void CmdXSetId(CommandContext& ctx) {
  ds::StreamId id, max_deleted;
  int64_t entries_added = -1;
  if (!ParseIdOrReply(ctx, ctx.args[2], 0, true, nullptr, &id)) return;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    const bool more = i + 1 < ctx.argc();
    std::string_view opt = ctx.args[i];
    if (EqualsIgnoreCase(opt, "ENTRIESADDED") && more) {
      if (!ParseInt64OrReply(ctx.args[i + 1], &entries_added, ctx.reply)) return;
      if (entries_added < 0) {
        ctx.reply.Error("ERR entries_added must be positive");
        return;
      }
    } else if (EqualsIgnoreCase(opt, "MAXDELETEDID") && more) {
      if (!ParseIdOrReply(ctx, ctx.args[i + 1], 0, true, nullptr, &max_deleted)) return;
      if (id < max_deleted) {
        ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }

  std::string_view key = ctx.args[1];
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(key, kWrite);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  if (stream == nullptr) {
    ctx.reply.Error(errors::kNoSuchKey);
    return;
  }
  if (stream->length() > 0) {
    ds::StreamId top;
    stream->LastValidId(&top);
    if (id < top) {
      ctx.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && stream->length() > static_cast<uint64_t>(entries_added)) {
      ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  stream->set_last_id(id);
  if (entries_added != -1) stream->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_deleted.IsZero()) stream->set_max_deleted_id(max_deleted);
  ctx.reply.Ok();
  ctx.Modified(key, 't', "xsetid");
}

void CmdXLen(CommandContext& ctx) {
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.Integer(found.value == nullptr ? 0 : static_cast<int64_t>(found.value->length()));
}

}  // namespace

void RegisterStreamWriteCommands(CommandTable& table) {
  table.Add("xadd", &CmdXAdd);
  table.Add("xtrim", &CmdXTrim);
  table.Add("xdel", &CmdXDel);
  table.Add("xsetid", &CmdXSetId);
  table.Add("xlen", &CmdXLen);
}

}  // namespace rill
