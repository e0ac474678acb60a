// The key kit (server/engine/command_context.h): typed lookups, find-or-create, and the
// engine's check that a command which changed keys signalled it through the kit.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/list.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "tests/unit/server/engine_test_fixture.h"

namespace rill {
namespace {

class KeyKitTest : public EngineTest {
 protected:
  // A context for calling the kit directly, replying into `out_`.
  CommandContext Context() { return CommandContext{engine_, client_, {}, reply_, 0}; }

  std::string out_;
  protocol::ReplyBuilder reply_{&out_};
};

TEST_F(KeyKitTest, FindTypedAnswersWrongTypeOnceAndNothingForAMissingKey) {
  Run({"SET", "s", "v"});
  CommandContext ctx = Context();
  TypedKey<ds::List> missing = ctx.FindTyped<ds::List>("nope", kRead);
  EXPECT_EQ(missing.value, nullptr);
  EXPECT_FALSE(missing.wrong_type);
  EXPECT_EQ(out_, "");
  TypedKey<ds::List> wrong = ctx.FindTyped<ds::List>("s", kRead);
  EXPECT_EQ(wrong.value, nullptr);
  EXPECT_TRUE(wrong.wrong_type);
  EXPECT_EQ(out_, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  TypedKey<ds::Entry> str = ctx.FindString("s", kRead);
  ASSERT_NE(str.value, nullptr);
  EXPECT_EQ(str.value->StringLength(), 1u);
}

TEST_F(KeyKitTest, ReadsCountHitsAndMissesWritesDoNot) {
  CommandContext ctx = Context();
  const uint64_t misses = engine_.stats().keyspace_misses;
  ctx.FindKey("a", kRead);
  EXPECT_EQ(engine_.stats().keyspace_misses, misses + 1);
  ctx.FindKey("a", kWrite);
  EXPECT_EQ(engine_.stats().keyspace_misses, misses + 1);
}

TEST_F(KeyKitTest, FindOrCreateMakesTheKeyOnceAndModifiedCountsChanges) {
  CommandContext ctx = Context();
  int made = 0;
  auto make = [&] {
    ++made;
    return std::make_unique<ds::List>(ds::ListLimits{-2});
  };
  TypedKey<ds::List> first = ctx.FindOrCreate<ds::List>("l", make);
  ASSERT_NE(first.value, nullptr);
  EXPECT_TRUE(first.created);
  first.value->PushBack("x");
  const uint64_t dirty = engine_.stats().dirty;
  ctx.Modified("l", 'l', "rpush", 3);
  EXPECT_EQ(engine_.stats().dirty, dirty + 3);
  TypedKey<ds::List> second = ctx.FindOrCreate<ds::List>("l", make);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.value, first.value);
  EXPECT_EQ(made, 1);
  second.value->PopFront();
  ctx.DeleteEmptied(second);
  EXPECT_EQ(second.value, nullptr);
  EXPECT_EQ(engine_.db(0).size(), 0u);
}

// A handler that writes a key behind the kit's back (no Modified): the engine stops there in
// builds with checks (NDEBUG not defined), naming the command.
void UnsignalledWrite(CommandContext& ctx) {
  ctx.db().SetString("sneaky", "v");
  ctx.reply.Ok();
}

#ifndef NDEBUG
TEST_F(KeyKitTest, AWriteThatSkipsModifiedIsCaught) {
  engine_.commands().Add("echo", &UnsignalledWrite);
  EXPECT_DEATH(Run({"ECHO", "x"}), "command 'echo' changed keys without signalling them");
}
#endif

// The same write, signalled, or refused with an error (XADD leaves the stream it created when
// the entry is refused, as Redis does), passes the check.
void SignalledWrite(CommandContext& ctx) {
  ds::KeySlot slot = ctx.FindKey("fine", kWrite);
  ctx.db().SetString(slot, "v");
  ctx.Modified("fine", '$', "set");
  ctx.reply.Ok();
}
void ErroredWrite(CommandContext& ctx) {
  ctx.db().SetString("half", "v");
  ctx.reply.Error("ERR refused after the key was made");
}

TEST_F(KeyKitTest, SignalledOrFailedWritesPass) {
  engine_.commands().Add("echo", &SignalledWrite);
  EXPECT_EQ(Run({"ECHO", "x"}), "+OK\r\n");
  engine_.commands().Add("echo", &ErroredWrite);
  EXPECT_EQ(Run({"ECHO", "x"}), "-ERR refused after the key was made\r\n");
  EXPECT_EQ(engine_.db(0).size(), 2u);
}

}  // namespace
}  // namespace rill
