// CLIENT subcommands of client-side caching: TRACKING, CACHING, GETREDIR, TRACKINGINFO, with
// Redis 7.0's checks in its order (networking.c's clientCommand). The tables and messages are
// server/engine/tracking.h.
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/string_util.h"
#include "protocol/errors.h"
#include "server/engine/client.h"
#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/engine/tracking.h"

namespace rill {
namespace {

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
void CmdClientTracking(CommandContext& ctx) {
  TrackingOptions options;
  bool has_redirect = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view opt = ctx.args[j];
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "redirect") && more) {
      ++j;
      if (has_redirect) {
        ctx.reply.Error("ERR A client can only redirect to a single other client");
        return;
      }
      int64_t id;
      if (!ParseInt64(ctx.args[j], &id)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      // The client must exist now, even if it may go away later (then the tracking client
      // hears of it: tracking-redir-broken).
      if (id <= 0 || ctx.engine.clients().Find(static_cast<uint64_t>(id)) == nullptr) {
        ctx.reply.Error("ERR The client ID you want redirect to does not exist");
        return;
      }
      has_redirect = true;
      options.redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "bcast")) {
      options.bcast = true;
    } else if (EqualsIgnoreCase(opt, "optin")) {
      options.optin = true;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      options.optout = true;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      options.noloop = true;
    } else if (EqualsIgnoreCase(opt, "prefix") && more) {
      ++j;
      options.prefixes.push_back(ctx.args[j]);
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  Tracking& tracking = ctx.engine.tracking();
  const ClientTracking* state = ctx.client.tracking;
  const bool on = state != nullptr && state->on;
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    if (!options.bcast && !options.prefixes.empty()) {
      ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
      return;
    }
    if (on && state->bcast != options.bcast) {
      ctx.reply.Error(
          "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
      return;
    }
    if (options.bcast && (options.optin || options.optout)) {
      ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
      return;
    }
    if (options.optin && options.optout) {
      ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    if (on && ((options.optin && state->optout) || (options.optout && state->optin))) {
      ctx.reply.Error(
          "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
          "then re-enabling it with a different mode.");
      return;
    }
    if (options.bcast) {
      bool goes_on = false;
      if (auto error = Tracking::PrefixCollision(state, options.prefixes, &goes_on)) {
        ctx.reply.Error("ERR " + *error);
        if (!goes_on) return;
      }
    }
    tracking.Enable(ctx.client, options);
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    tracking.Disable(ctx.client);
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO: whether the next command (or transaction) is tracked, in OPTIN or
// OPTOUT mode.
void CmdClientCaching(CommandContext& ctx) {
  ClientTracking* state = ctx.client.tracking;
  if (state == nullptr || !state->on) {
    ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
    return;
  }
  if (EqualsIgnoreCase(ctx.args[2], "yes")) {
    if (!state->optin) {
      ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqualsIgnoreCase(ctx.args[2], "no")) {
    if (!state->optout) {
      ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  state->caching = true;
  ctx.reply.Ok();
}

void CmdClientGetRedir(CommandContext& ctx) { ctx.reply.Integer(TrackingRedirectOf(ctx.client)); }

void CmdClientTrackingInfo(CommandContext& ctx) {
  const ClientTracking* state = ctx.client.tracking;
  const bool on = state != nullptr && state->on;
  std::vector<std::string_view> flags = {on ? "on" : "off"};
  if (on) {
    if (state->bcast) flags.push_back("bcast");
    if (state->optin) {
      flags.push_back("optin");
      if (state->caching) flags.push_back("caching-yes");
    }
    if (state->optout) {
      flags.push_back("optout");
      if (state->caching) flags.push_back("caching-no");
    }
    if (state->noloop) flags.push_back("noloop");
    if (state->broken_redirect) flags.push_back("broken_redirect");
  }
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (std::string_view flag : flags) ctx.reply.Bulk(flag);
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(TrackingRedirectOf(ctx.client));
  ctx.reply.Bulk("prefixes");
  if (state == nullptr) {
    ctx.reply.ArrayHeader(0);
    return;
  }
  ctx.reply.ArrayHeader(state->prefixes.size());
  for (const std::string& prefix : state->prefixes) ctx.reply.Bulk(prefix);
}

}  // namespace

void RegisterClientTrackingCommands(CommandTable& table) {
  table.Add("client|tracking", &CmdClientTracking);
  table.Add("client|caching", &CmdClientCaching);
  table.Add("client|getredir", &CmdClientGetRedir);
  table.Add("client|trackinginfo", &CmdClientTrackingInfo);
}

}  // namespace rill
