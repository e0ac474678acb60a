// Consumer group management: XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER/HELP and
// XACK.

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "server/commands/arg_parse.h"
#include "server/commands/stream_internal.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using namespace stream_internal;

void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  ctx.reply.ArrayHeader(lines.size() + 3);
  ctx.reply.Simple(std::string(command) +
                   " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : lines) ctx.reply.Simple(line);
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

void XGroupHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "XGROUP",
      {"CREATE <key> <groupname> <id|$> [option]",
       "    Create a new consumer group. Options are:", "    * MKSTREAM",
       "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
       "      Set the group's entries_read counter (internal use).",
       "CREATECONSUMER <key> <groupname> <consumer>",
       "    Create a new consumer in the specified group.",
       "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
       "DESTROY <key> <groupname>", "    Remove the specified group.",
       "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
       "    Set the current group ID and entries_read counter."});
}

// All XGROUP subcommands go through Redis's single xgroupCommand flow: options, key, group,
// then the subcommand itself, so that errors come in Redis's order.
void CmdXGroup(CommandContext& ctx) {
  std::string_view sub = ctx.args[1];
  if (ctx.argc() == 2 && EqualsIgnoreCase(sub, "HELP")) {
    XGroupHelp(ctx);
    return;
  }
  const bool create = EqualsIgnoreCase(sub, "CREATE");
  const bool setid = EqualsIgnoreCase(sub, "SETID");
  bool mkstream = false;
  int64_t entries_read = ds::ConsumerGroup::kInvalidEntriesRead;
  ds::Stream* stream = nullptr;
  ds::ConsumerGroup* group = nullptr;
  std::string_view key, group_name;

  if (ctx.argc() >= 4) {
    for (size_t i = 5; i < ctx.argc();) {
      if (create && EqualsIgnoreCase(ctx.args[i], "MKSTREAM")) {
        mkstream = true;
        ++i;
      } else if ((create || setid) && EqualsIgnoreCase(ctx.args[i], "ENTRIESREAD") &&
                 i + 1 < ctx.argc()) {
        if (!ParseInt64OrReply(ctx.args[i + 1], &entries_read, ctx.reply)) return;
        if (entries_read < 0 && entries_read != ds::ConsumerGroup::kInvalidEntriesRead) {
          ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
          return;
        }
        i += 2;
      } else {
        ReplySubcommandSyntaxError(ctx);
        return;
      }
    }
    key = ctx.args[2];
    group_name = ctx.args[3];
    TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(key, kWrite);
    if (found.wrong_type) return;
    stream = found.value;

    if (!mkstream) {
      if (stream == nullptr) {
        ctx.reply.Error(
            "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
            "want to use the MKSTREAM option to create an empty stream automatically.");
        return;
      }
      group = stream->FindGroup(group_name);
      if (group == nullptr && (setid || EqualsIgnoreCase(sub, "CREATECONSUMER") ||
                               EqualsIgnoreCase(sub, "DELCONSUMER"))) {
        ctx.reply.Error("NOGROUP No such consumer group '" + std::string(CStr(group_name)) +
                        "' for key name '" + std::string(CStr(key)) + "'");
        return;
      }
    }
  }

  if (create && ctx.argc() >= 5 && ctx.argc() <= 8) {
    ds::StreamId id;
    if (ctx.args[4] == "$") {
      id = stream != nullptr ? stream->last_id() : ds::StreamId::Min();
    } else if (!ParseIdOrReply(ctx, ctx.args[4], 0, true, nullptr, &id)) {
      return;
    }
    if (stream == nullptr) {
      // MKSTREAM: the new key is signalled; the change counted is the group's, below.
      stream =
          ctx.FindOrCreate<ds::Stream>(key, [] { return std::make_unique<ds::Stream>(); }).value;
      ctx.Modified(key, 't', /*event=*/{}, /*changes=*/0);
    }
    if (stream->CreateGroup(group_name, id, entries_read) == nullptr) {
      ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
      return;
    }
    ctx.reply.Ok();
    ctx.ChangedUnwatched(key, 't', "xgroup-create");
  } else if (setid && (ctx.argc() == 5 || ctx.argc() == 7)) {
    ds::StreamId id;
    if (ctx.args[4] == "$") {
      id = stream->last_id();
    } else if (!ParseIdOrReply(ctx, ctx.args[4], 0, false, nullptr, &id)) {
      return;
    }
    group->last_id = id;
    group->entries_read = entries_read;
    ctx.reply.Ok();
    ctx.ChangedUnwatched(key, 't', "xgroup-setid");
  } else if (EqualsIgnoreCase(sub, "DESTROY") && ctx.argc() == 4) {
    if (group == nullptr) {
      ctx.reply.Integer(0);
      return;
    }
    stream->DestroyGroup(group_name);
    ctx.reply.Integer(1);
    ctx.ChangedUnwatched(key, 't', "xgroup-destroy");
    // Clients blocked in XREADGROUP on this group get their NOGROUP error.
    SignalKeyReady(ctx, key);
  } else if (EqualsIgnoreCase(sub, "CREATECONSUMER") && ctx.argc() == 5) {
    bool created = group->CreateConsumer(ctx.args[4], ctx.now_ms) != nullptr;
    if (created) {
      ctx.ChangedUnwatched(key, 't', "xgroup-createconsumer");
    }
    ctx.reply.Integer(created ? 1 : 0);
  } else if (EqualsIgnoreCase(sub, "DELCONSUMER") && ctx.argc() == 5) {
    int64_t pending = group->DeleteConsumer(ctx.args[4]);
    if (pending >= 0) {
      ctx.ChangedUnwatched(key, 't', "xgroup-delconsumer");
    }
    ctx.reply.Integer(pending < 0 ? 0 : pending);
  } else {
    ReplySubcommandSyntaxError(ctx);
  }
}

void CmdXAck(CommandContext& ctx) {
  TypedKey<ds::Stream> found = ctx.FindTyped<ds::Stream>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ds::Stream* stream = found.value;
  ds::ConsumerGroup* group = stream != nullptr ? stream->FindGroup(ctx.args[2]) : nullptr;
  if (group == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // Parse every ID first: XACK either acknowledges all it can or fails without changes.
  std::vector<ds::StreamId> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!ParseIdOrReply(ctx, ctx.args[j], 0, true, nullptr, &ids[j - 3])) return;
  }
  int64_t acknowledged = 0;
  for (ds::StreamId id : ids) acknowledged += group->Acknowledge(id) ? 1 : 0;
  if (acknowledged != 0) {
    ctx.ChangedUnwatched(ctx.args[1], 't', /*event=*/{}, static_cast<uint64_t>(acknowledged));
  }
  ctx.reply.Integer(acknowledged);
}

}  // namespace

void RegisterStreamGroupCommands(CommandTable& table) {
  for (const char* sub : {"xgroup|create", "xgroup|setid", "xgroup|destroy",
                          "xgroup|createconsumer", "xgroup|delconsumer", "xgroup|help"}) {
    table.Add(sub, &CmdXGroup);
  }
  table.Add("xack", &CmdXAck);
}

}  // namespace rill
