// Parking a client in the blocking registry (server/engine/blocking.h) for the blocking
// commands of every family (BLPOP and friends, BZPOPMIN and friends): the command's arguments
// are copied (the read buffer they pointed into is gone by the time the client is served), and
// a served wait runs in a context of the client's own and is propagated like a command.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/engine/engine.h"

namespace rill {

// A parked command's own copy of its arguments: the read buffer they pointed into is gone by
// the time the client is served.
struct SavedArgs {
  std::vector<std::string> argv;
  std::vector<std::string_view> views;

  explicit SavedArgs(std::span<const std::string_view> args) {
    argv.assign(args.begin(), args.end());
    views.assign(argv.begin(), argv.end());
  }
};

// Parks the client; `serve(ctx, key)` runs in a context of the client's own when `key` is
// ready and returns true once it replied; `timeout` writes the reply for an expired wait.
template <typename ServeFn, typename TimeoutFn>
void ParkClient(CommandContext& ctx, std::vector<std::string> keys, int64_t deadline_ms,
                ServeFn serve, TimeoutFn timeout) {
  auto saved = std::make_shared<SavedArgs>(ctx.args);
  Engine* engine = &ctx.engine;
  Client* client = &ctx.client;
  ctx.engine.blocking().Block(
      ctx.client, ctx.client.db, std::move(keys), deadline_ms,
      [engine, client, saved, serve](std::string_view key, protocol::ReplyBuilder& reply) {
        CommandContext waiter_ctx{*engine, *client, saved->views, reply, NowMs()};
        const uint64_t dirty_before = engine->stats().dirty;
        const bool served = serve(waiter_ctx, key);
        engine->PropagateCommand(waiter_ctx, nullptr, dirty_before);
        return served ? WaitResult::kServed : WaitResult::kKeepWaiting;
      },
      [timeout](protocol::ReplyBuilder& reply) { timeout(reply); });
}

}  // namespace rill
