#include "server/meta/command_meta.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/engine/command.h"

namespace rill {
namespace {

using ::testing::ElementsAre;

std::vector<std::string_view> Vec(std::span<const std::string_view> s) {
  return {s.begin(), s.end()};
}

TEST(CommandMetaTest, GetFacts) {
  const CommandMeta* get = FindCommandMeta("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(get->arity, 2);
  EXPECT_THAT(Vec(get->flags), ElementsAre("readonly", "fast"));
  EXPECT_EQ(get->first_key, 1);
  EXPECT_EQ(get->last_key, 1);
  EXPECT_EQ(get->key_step, 1);
  EXPECT_THAT(Vec(get->acl_categories), ElementsAre("@read", "@string", "@fast"));
  EXPECT_EQ(get->group, "string");
  EXPECT_EQ(get->since, "1.0.0");
  ASSERT_EQ(get->key_specs.size(), 1u);
  EXPECT_THAT(Vec(get->key_specs[0].flags), ElementsAre("RO", "access"));
  EXPECT_EQ(get->key_specs[0].bs_type, "index");
  EXPECT_EQ(get->key_specs[0].bs_index, 1);
  EXPECT_EQ(get->key_specs[0].fk_type, "range");
  EXPECT_EQ(get->key_specs[0].fk_lastkey, 0);
  EXPECT_EQ(get->key_specs[0].fk_keystep, 1);
  ASSERT_EQ(get->arguments.size(), 1u);
  EXPECT_EQ(get->arguments[0].name, "key");
  EXPECT_EQ(get->arguments[0].type, "key");
  EXPECT_EQ(get->arguments[0].key_spec_index, 0);
}

TEST(CommandMetaTest, SetFacts) {
  const CommandMeta* set = FindCommandMeta("set");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->arity, -3);
  EXPECT_THAT(Vec(set->flags), ElementsAre("write", "denyoom"));
  ASSERT_EQ(set->key_specs.size(), 1u);
  EXPECT_THAT(Vec(set->key_specs[0].flags),
              ElementsAre("RW", "access", "update", "variable_flags"));
  // SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL]
  ASSERT_EQ(set->arguments.size(), 5u);
  const ArgMeta& condition = set->arguments[2];
  EXPECT_EQ(condition.type, "oneof");
  EXPECT_EQ(condition.flags, kArgOptional);
  EXPECT_EQ(condition.since, "2.6.12");
  ASSERT_EQ(condition.arguments.size(), 2u);
  EXPECT_EQ(condition.arguments[0].token, "NX");
  EXPECT_EQ(condition.arguments[1].type, "pure-token");
  ASSERT_EQ(set->history.size(), 4u);
  EXPECT_EQ(set->history[0].first, "2.6.12");
  EXPECT_FALSE(set->history[0].second.empty());
}

TEST(CommandMetaTest, KeynumAndKeywordSpecs) {
  const CommandMeta* eval = FindCommandMeta("eval");
  ASSERT_NE(eval, nullptr);
  ASSERT_EQ(eval->key_specs.size(), 1u);
  EXPECT_EQ(eval->key_specs[0].bs_index, 2);
  EXPECT_EQ(eval->key_specs[0].fk_type, "keynum");
  EXPECT_EQ(eval->key_specs[0].fk_keynumidx, 0);
  EXPECT_EQ(eval->key_specs[0].fk_firstkey, 1);
  EXPECT_EQ(eval->key_specs[0].fk_keystep, 1);

  const CommandMeta* xread = FindCommandMeta("xread");
  ASSERT_NE(xread, nullptr);
  ASSERT_EQ(xread->key_specs.size(), 1u);
  EXPECT_EQ(xread->key_specs[0].bs_type, "keyword");
  EXPECT_EQ(xread->key_specs[0].bs_keyword, "STREAMS");
  EXPECT_EQ(xread->key_specs[0].bs_startfrom, 1);
  EXPECT_EQ(xread->key_specs[0].fk_lastkey, -1);
  EXPECT_EQ(xread->key_specs[0].fk_limit, 2);
}

TEST(CommandMetaTest, SubcommandLookup) {
  const CommandMeta* config_get = FindCommandMeta("config|get");
  ASSERT_NE(config_get, nullptr);
  EXPECT_EQ(config_get->name, "config|get");
  EXPECT_EQ(config_get->arity, -3);
  const CommandMeta* config = FindCommandMeta("config");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->arity, -2);
  EXPECT_EQ(config->subcommands.size(), 5u);  // get, help, resetstat, rewrite, set
  EXPECT_EQ(FindCommandMeta("config|nosuch"), nullptr);
  EXPECT_EQ(FindCommandMeta("get|x"), nullptr);
}

TEST(CommandMetaTest, UnknownIsNull) {
  EXPECT_EQ(FindCommandMeta("nosuchcommand"), nullptr);
  EXPECT_EQ(FindCommandMeta(""), nullptr);
  EXPECT_EQ(FindCommandMeta("GET"), nullptr);  // lookups take lower-case names
}

TEST(CommandMetaTest, AllCommandsSortedAndComplete) {
  auto all = AllCommandMeta();
  EXPECT_EQ(all.size(), 240u);  // Redis 7.0's COMMAND COUNT
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
}

void ExpectDocumented(const CommandMeta& m) {
  EXPECT_FALSE(m.summary.empty()) << m.name;
  EXPECT_FALSE(m.since.empty()) << m.name;
  EXPECT_FALSE(m.group.empty()) << m.name;
  EXPECT_NE(m.arity, 0) << m.name;
  for (const auto& [version, note] : m.history) {
    EXPECT_FALSE(version.empty()) << m.name;
    EXPECT_FALSE(note.empty()) << m.name;
  }
  for (const CommandMeta& sub : m.subcommands) {
    EXPECT_EQ(sub.name.substr(0, m.name.size() + 1), std::string(m.name) + "|");
    EXPECT_EQ(FindCommandMeta(sub.name), &sub);
    ExpectDocumented(sub);
  }
}

TEST(CommandMetaTest, EveryEntryHasSummarySinceGroup) {
  size_t count = 0;
  for (const CommandMeta& m : AllCommandMeta()) {
    EXPECT_EQ(FindCommandMeta(m.name), &m);
    ExpectDocumented(m);
    count += 1 + m.subcommands.size();
  }
  EXPECT_EQ(count, 366u);
}

TEST(CommandMetaTest, FlagBits) {
  EXPECT_EQ(CommandFlagsFromMeta(*FindCommandMeta("get")), kCmdReadonly | kCmdFast);
  EXPECT_EQ(CommandFlagsFromMeta(*FindCommandMeta("set")), kCmdWrite | kCmdDenyOom);
  EXPECT_EQ(CommandFlagsFromMeta(*FindCommandMeta("blpop")),
            kCmdWrite | kCmdNoScript | kCmdBlocking);
  uint32_t auth = CommandFlagsFromMeta(*FindCommandMeta("auth"));
  EXPECT_TRUE(auth & kCmdNoAuth);
  EXPECT_TRUE(auth & kCmdNoScript);
  EXPECT_TRUE(CommandFlagsFromMeta(*FindCommandMeta("zunionstore")) & kCmdMovableKeys);
}

}  // namespace
}  // namespace rill
