// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB.
// Confirmations are one frame per channel, written straight into the client's output (they
// are not one reply: a SUBSCRIBE of three channels answers with three frames).
#include <string>
#include <vector>

#include "server/engine/command.h"
#include "server/engine/engine.h"
#include "server/engine/pubsub.h"

namespace rill {
namespace {

using Kind = PubSub::Kind;

size_t CountFor(const Client& client, Kind kind) {
  return kind == Kind::kShard ? client.shard_channels.size() : client.subscription_count();
}

void Subscribe(CommandContext& ctx, Kind kind, std::string_view frame_kind) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string name(ctx.args[i]);
    ctx.engine.pubsub().Subscribe(ctx.client, kind, name);
    AppendSubscriptionReply(ctx.reply.buffer(), ctx.client.resp == 3, frame_kind, &name,
                            CountFor(ctx.client, kind));
  }
}

void Unsubscribe(CommandContext& ctx, Kind kind, std::string_view frame_kind) {
  std::vector<std::string> names;
  if (ctx.argc() > 1) {
    names.assign(ctx.args.begin() + 1, ctx.args.end());
  } else {
    const StringSet& mine = kind == Kind::kChannel   ? ctx.client.channels
                            : kind == Kind::kPattern ? ctx.client.patterns
                                                     : ctx.client.shard_channels;
    names.assign(mine.begin(), mine.end());
    if (names.empty()) {
      // Nothing to leave: one frame with a null name, as Redis.
      AppendSubscriptionReply(ctx.reply.buffer(), ctx.client.resp == 3, frame_kind, nullptr,
                              CountFor(ctx.client, kind));
      return;
    }
  }
  for (const std::string& name : names) {
    ctx.engine.pubsub().Unsubscribe(ctx.client, kind, name);
    AppendSubscriptionReply(ctx.reply.buffer(), ctx.client.resp == 3, frame_kind, &name,
                            CountFor(ctx.client, kind));
  }
}

void CmdSubscribe(CommandContext& ctx) { Subscribe(ctx, Kind::kChannel, "subscribe"); }
void CmdPSubscribe(CommandContext& ctx) { Subscribe(ctx, Kind::kPattern, "psubscribe"); }
void CmdSSubscribe(CommandContext& ctx) { Subscribe(ctx, Kind::kShard, "ssubscribe"); }
void CmdUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, Kind::kChannel, "unsubscribe"); }
void CmdPUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, Kind::kPattern, "punsubscribe"); }
void CmdSUnsubscribe(CommandContext& ctx) { Unsubscribe(ctx, Kind::kShard, "sunsubscribe"); }

void CmdPublish(CommandContext& ctx) {
  ctx.reply.Integer(
      static_cast<int64_t>(ctx.engine.pubsub().Publish(ctx.args[1], ctx.args[2], false)));
}

void CmdSPublish(CommandContext& ctx) {
  ctx.reply.Integer(
      static_cast<int64_t>(ctx.engine.pubsub().Publish(ctx.args[1], ctx.args[2], true)));
}

void ReplyChannels(CommandContext& ctx, bool shard) {
  std::string_view pattern = ctx.argc() > 2 ? ctx.args[2] : std::string_view();
  std::vector<std::string> names = ctx.engine.pubsub().ChannelNames(pattern, shard);
  ctx.reply.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply.Bulk(n);
}

void ReplyNumSub(CommandContext& ctx, bool shard) {
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(
        static_cast<int64_t>(ctx.engine.pubsub().SubscriberCount(ctx.args[i], shard)));
  }
}

void CmdPubsubChannels(CommandContext& ctx) { ReplyChannels(ctx, false); }
void CmdPubsubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, true); }
void CmdPubsubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, false); }
void CmdPubsubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, true); }
void CmdPubsubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.engine.pubsub().pattern_count()));
}

void CmdPubsubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterPubSubCommands(CommandTable& table) {
  table.Add("subscribe", CmdSubscribe, kCmdAllowedWhileSubscribed);
  table.Add("psubscribe", CmdPSubscribe, kCmdAllowedWhileSubscribed);
  table.Add("ssubscribe", CmdSSubscribe, kCmdAllowedWhileSubscribed);
  table.Add("unsubscribe", CmdUnsubscribe, kCmdAllowedWhileSubscribed);
  table.Add("punsubscribe", CmdPUnsubscribe, kCmdAllowedWhileSubscribed);
  table.Add("sunsubscribe", CmdSUnsubscribe, kCmdAllowedWhileSubscribed);
  table.Add("publish", CmdPublish, kCmdMayReplicate);
  table.Add("spublish", CmdSPublish, kCmdMayReplicate);
  table.Add("pubsub|channels", CmdPubsubChannels);
  table.Add("pubsub|shardchannels", CmdPubsubShardChannels);
  table.Add("pubsub|numsub", CmdPubsubNumSub);
  table.Add("pubsub|shardnumsub", CmdPubsubShardNumSub);
  table.Add("pubsub|numpat", CmdPubsubNumPat);
  table.Add("pubsub|help", CmdPubsubHelp);
}

}  // namespace rill
