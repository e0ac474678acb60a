// XREAD BLOCK / XREADGROUP BLOCK: clients parked until entries arrive, served as Redis 7.0's
// serveClientsBlockedOnStreamKey does.
//
// A waiter keeps its request with every "$" already turned into the stream's last ID at the
// time it blocked. When one of its keys is signalled (XADD, XGROUP DESTROY, any other change
// to the key, its deletion),
// TryServeStreamWaiter decides: entries past the waiter's ID (for a group: past the group's
// last delivered ID) are delivered, at most COUNT (1000 when no COUNT was given); a group that
// no longer exists gets NOGROUP; a group reader whose key was deleted or replaced gets
// UNBLOCKED; otherwise the client keeps waiting. A timeout replies with a null array.

#include "server/commands/stream_blocking.h"

#include <memory>
#include <string>
#include <vector>

#include "server/commands/stream_internal.h"
#include "server/commands/stream_read_internal.h"
#include "server/engine/blocking.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill::stream_internal {

namespace {
// A blocked read without COUNT takes at most this many entries per stream, as in Redis: a
// waiter with a low ID would otherwise receive the whole stream at once.
constexpr size_t kBlockedDefaultCount = 1000;
}  // namespace

StreamWaitResult TryServeStreamWaiter(Engine& engine, Client& client, StreamReadRequest& req,
                                      std::string_view key, int64_t now_ms,
                                      protocol::ReplyBuilder& reply) {
  size_t k = 0;
  while (k < req.keys.size() && req.keys[k] != key) ++k;
  if (k == req.keys.size()) return StreamWaitResult::kKeepWaiting;

  // The waiter's own context, for the changes a group read makes (not a command: nothing is
  // propagated from it but what the read propagates itself).
  CommandContext ctx{engine, client, {}, reply, now_ms};
  ds::Entry* entry = ctx.FindKey(key, kWrite).entry();
  ds::Stream* stream = entry != nullptr && entry->type() == ds::ValueType::kStream
                           ? static_cast<ds::Stream*>(entry->object())
                           : nullptr;
  if (stream == nullptr) {
    if (!req.has_group) return StreamWaitResult::kKeepWaiting;
    reply.Error("UNBLOCKED the stream key no longer exists");
    return StreamWaitResult::kReplied;
  }
  ds::ConsumerGroup* group = nullptr;
  ds::StreamId after = req.ids[k];
  if (req.has_group) {
    group = stream->FindGroup(req.group);
    if (group == nullptr) {
      reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
      return StreamWaitResult::kReplied;
    }
    after = group->last_id;
  }
  // Keys are signalled by XADD but also by any other change (XDEL, XSETID ... call
  // KeyModified): serve only when there is an entry to give. (Redis serves an empty batch in
  // the one case this differs: entries added and removed again before the waiter is served.)
  ds::StreamId top;
  if (!stream->LastValidId(&top) || top <= after) return StreamWaitResult::kKeepWaiting;

  const size_t count = req.count != 0 ? req.count : kBlockedDefaultCount;
  if (reply.resp3()) {
    reply.MapHeader(1);
  } else {
    reply.ArrayHeader(1);
    reply.ArrayHeader(2);
  }
  reply.Bulk(key);
  if (group != nullptr) {
    const GroupReadTarget target{ctx, key, req.group};
    ds::StreamConsumer* consumer = ServedConsumer(target, *group, req.consumer, req.noack, now_ms);
    if (ReplyGroupRead(reply, target, *stream, *group, *consumer, after, count, req.noack,
                       now_ms) != 0) {
      ctx.ChangedUnwatched(key, 't', /*event=*/{});
    }
  } else {
    ds::StreamId start = after;
    start.Increment();
    size_t token = reply.BeginDeferredArray();
    size_t n = ReplyRangeEntries(reply, *stream, start, ds::StreamId::Max(), count, false);
    reply.EndDeferredArray(token, n);
  }
  return StreamWaitResult::kReplied;
}

void ReplyStreamWaitTimeout(protocol::ReplyBuilder& reply) { reply.NullArray(); }

void BlockRead(CommandContext& ctx, StreamReadRequest req) {
  // Inside MULTI/EXEC a blocking read acts as its non-blocking form: as if it timed out.
  if (ctx.client.no_block) {
    ReplyStreamWaitTimeout(ctx.reply);
    return;
  }
  auto shared = std::make_shared<StreamReadRequest>(std::move(req));
  Engine& engine = ctx.engine;
  Client& client = ctx.client;
  std::vector<std::string> keys = shared->keys;  // the registry waits once per distinct key
  engine.blocking().Block(
      client, client.db, std::move(keys), shared->deadline_ms,
      [&engine, &client, shared](std::string_view key, protocol::ReplyBuilder& reply) {
        return TryServeStreamWaiter(engine, client, *shared, key, NowMs(), reply) ==
                       StreamWaitResult::kReplied
                   ? WaitResult::kServed
                   : WaitResult::kKeepWaiting;
      },
      [](protocol::ReplyBuilder& reply) { ReplyStreamWaitTimeout(reply); });
}

}  // namespace rill::stream_internal
