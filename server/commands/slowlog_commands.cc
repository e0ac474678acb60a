// SLOWLOG GET/LEN/RESET/HELP (server/slowlog.h keeps the entries).
#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "server/commands/arg_parse.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

void CmdSlowlogGet(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(absl::StrCat("ERR unknown subcommand or wrong number of arguments for '",
                                 ToAbsl(ctx.args[1]), "'. Try SLOWLOG HELP."));
    return;
  }
  const auto& entries = ctx.engine.slowlog().entries();
  int64_t count = 10;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.args[2], &count) || count < -1)) {
    ctx.reply.Error("ERR count should be greater than or equal to -1");
    return;
  }
  size_t n = count == -1 ? entries.size() : std::min(entries.size(), static_cast<size_t>(count));
  ctx.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = entries[i];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(e.id);
    ctx.reply.Integer(e.time_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.ArrayHeader(e.argv.size());
    for (const std::string& arg : e.argv) ctx.reply.Bulk(arg);
    ctx.reply.Bulk(e.addr);
    ctx.reply.Bulk(e.name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.slowlog().entries().size()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  ctx.engine.slowlog().Reset();
  ctx.reply.Ok();
}

void CmdSlowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterSlowlogCommands(CommandTable& table) {
  table.Add("slowlog|get", &CmdSlowlogGet);
  table.Add("slowlog|len", &CmdSlowlogLen);
  table.Add("slowlog|reset", &CmdSlowlogReset);
  table.Add("slowlog|help", &CmdSlowlogHelp);
}

}  // namespace rill
