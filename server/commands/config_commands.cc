// CONFIG GET / SET / RESETSTAT / REWRITE / HELP. The parameter logic lives in server/config;
// these handlers only turn arguments into Config calls and results into replies.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/errors.h"
#include "server/config/config.h"
#include "server/config/config_params.h"
#include "server/config/reset_stats.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

// enable-protected-configs "local": the connection decided it (Client::local_peer).
bool IsLocalClient(const Client& client) { return client.local_peer; }

void CmdConfigGet(CommandContext& ctx) {
  std::vector<std::string_view> patterns(ctx.args.begin() + 2, ctx.args.end());
  auto pairs = ctx.engine.config().Get(patterns);
  ctx.reply.MapHeader(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

// Values of secret parameters (requirepass, masterauth ...) never reach the slow log or MONITOR,
// whether or not CONFIG SET then fails.
void RedactSecrets(CommandContext& ctx) {
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    const config_params::Param* param = nullptr;
    for (const config_params::Param& p : config_params::AllParams()) {
      if (EqualsIgnoreCase(p.name, ctx.args[i]) ||
          (!p.alias.empty() && EqualsIgnoreCase(p.alias, ctx.args[i]))) {
        param = &p;
        break;
      }
    }
    if (param != nullptr && (param->flags & config_params::kSensitive)) ctx.Redact(i + 1);
  }
}

void CmdConfigSet(CommandContext& ctx) {
  // Parameter/value pairs after "CONFIG SET": an odd count is a syntax error, as in Redis.
  if ((ctx.argc() - 2) % 2 != 0) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.args[i], ctx.args[i + 1]);
  RedactSecrets(ctx);
  std::string error;
  Config::SetOptions options{.local_client = IsLocalClient(ctx.client)};
  if (ctx.engine.config().Set(pairs, &error, options)) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(error);
  }
}

void CmdConfigResetStat(CommandContext& ctx) {
  ResetStats(ctx.engine);
  ctx.reply.Ok();
}

void CmdConfigRewrite(CommandContext& ctx) {
  std::string error;
  if (ctx.engine.config().Rewrite(&error)) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(error);
  }
}

void CmdConfigHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Reply with every parameter matching the glob-style <pattern>, and its value.",
      "SET <directive> <value>",
      "    Change <directive> to <value> (several pairs are applied all or none).",
      "RESETSTAT",
      "    Zero the statistics that INFO reports.",
      "REWRITE",
      "    Write the running configuration back to the config file.",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterConfigCommands(CommandTable& table) {
  table.Add("config|get", CmdConfigGet);
  table.Add("config|set", CmdConfigSet);
  table.Add("config|resetstat", CmdConfigResetStat);
  table.Add("config|rewrite", CmdConfigRewrite);
  table.Add("config|help", CmdConfigHelp);
}

}  // namespace rill
