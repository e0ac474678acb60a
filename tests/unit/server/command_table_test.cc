#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/engine/command.h"

namespace rill {
namespace {

class CommandTableTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterAllCommands(table_); }
  CommandTable table_;
};

TEST_F(CommandTableTest, AnySpellingFindsTheSameCommand) {
  const Command* get = table_.Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  // The second lookup of each spelling is answered from the cache.
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(table_.Find("GET"), get);
    EXPECT_EQ(table_.Find("gEt"), get);
    EXPECT_EQ(table_.Find("get"), get);
  }
}

TEST_F(CommandTableTest, UnknownNamesStayUnknown) {
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(table_.Find("gett"), nullptr);
    EXPECT_EQ(table_.Find(""), nullptr);
    EXPECT_EQ(table_.Find(std::string(100, 'g')), nullptr);
    EXPECT_EQ(table_.Find(std::string_view("get\0", 4)), nullptr);
  }
}

// Many names share cache slots; whatever the order of lookups, each returns its own command.
TEST_F(CommandTableTest, NamesSharingACacheSlotDoNotMixUp) {
  std::vector<std::string> names;
  table_.ForEach([&](const Command& cmd) { names.push_back(cmd.name); });
  ASSERT_GT(names.size(), 100u);
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[(i * 37 + round) % names.size()];
      const Command* cmd = table_.Find(name);
      ASSERT_NE(cmd, nullptr) << name;
      EXPECT_EQ(cmd->name, name);
    }
  }
}

// Registering may move every command in the map (a rehash): lookups after it must find the
// commands where they are now, not where a cached lookup saw them.
TEST(CommandTableCacheTest, RegisteringForgetsCachedLookups) {
  CommandTable table;
  table.Add("ping", [](CommandContext&) {});
  const Command* before = table.Find("PING");
  ASSERT_NE(before, nullptr);
  RegisterAllCommands(table);  // hundreds of commands: the map grows and moves its entries
  const Command* where = nullptr;
  table.ForEach([&](const Command& cmd) {
    if (cmd.name == "ping") where = &cmd;
  });
  ASSERT_NE(where, nullptr);
  ASSERT_NE(where, before) << "the map did not move the command: the test proves nothing";
  EXPECT_EQ(table.Find("PING"), where);
  EXPECT_EQ(table.Find("PING")->name, "ping");
}

}  // namespace
}  // namespace rill
