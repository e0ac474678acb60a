#include "persistence/aof_rewrite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "datastructs/hash.h"
#include "datastructs/keyspace.h"
#include "datastructs/list.h"
#include "datastructs/set.h"
#include "datastructs/stream.h"
#include "persistence/aof_command.h"

namespace rill::persistence {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Commands(const std::string& data) {
  AofReader reader(data);
  std::vector<std::string> out;
  std::vector<std::string> argv;
  while (reader.Next(&argv) == AofReader::Status::kCommand) {
    std::string line;
    for (const std::string& a : argv) line += (line.empty() ? "" : " ") + a;
    out.push_back(line);
  }
  EXPECT_EQ(reader.Next(&argv), AofReader::Status::kEnd);
  return out;
}

std::string Rewrite(std::vector<ds::Database*> dbs, const AofRewriteOptions& options = {}) {
  std::string out;
  EXPECT_TRUE(WriteAofRewrite(dbs, options, [&out](std::string_view b) {
    out.append(b);
    return true;
  }));
  return out;
}

TEST(AofRewriteTest, StringsWithExpiryAndEmptyDatabasesSkipped) {
  ds::Database db0, db1, db2;
  db2.SetString("k", "v");
  db2.SetInt("n", -42, ds::TtlMode::kSet, 1700000000123);
  std::vector<std::string> cmds = Commands(Rewrite({&db0, &db1, &db2}));
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[0], "SELECT 2");
  // Order within a database follows the keyspace; compare as a set of key groups.
  std::vector<std::string> rest(cmds.begin() + 1, cmds.end());
  EXPECT_THAT(rest,
              ::testing::UnorderedElementsAre("SET k v", "SET n -42", "PEXPIREAT n 1700000000123"));
  // The expiry follows its key.
  auto set_n = std::find(cmds.begin(), cmds.end(), "SET n -42");
  ASSERT_NE(set_n + 1, cmds.end());
  EXPECT_EQ(*(set_n + 1), "PEXPIREAT n 1700000000123");
}

TEST(AofRewriteTest, ListsGoInBatchesOf64) {
  ds::Database db;
  auto list = std::make_unique<ds::List>();
  for (int i = 0; i < 130; ++i) list->PushBack(std::to_string(i));
  db.SetObject("l", std::move(list));
  std::vector<std::string> cmds = Commands(Rewrite({&db}));
  ASSERT_EQ(cmds.size(), 4u);
  EXPECT_EQ(cmds[1].substr(0, 12), "RPUSH l 0 1 ");
  EXPECT_EQ(std::count(cmds[1].begin(), cmds[1].end(), ' '), 65);
  EXPECT_EQ(std::count(cmds[2].begin(), cmds[2].end(), ' '), 65);
  EXPECT_EQ(cmds[3], "RPUSH l 128 129");
}

TEST(AofRewriteTest, HashesGoInBatchesOf64PairsSetsOf64Members) {
  ds::Database db;
  auto hash = std::make_unique<ds::Hash>();
  for (int i = 0; i < 70; ++i) hash->Set("f" + std::to_string(i), std::to_string(i), {});
  db.SetObject("h", std::move(hash), ds::TtlMode::kSet, 1700000000000);
  auto small = std::make_unique<ds::Hash>();
  small->Set("a", "1", {});
  small->Set("b", "", {});
  db.SetObject("small", std::move(small));
  auto ints = std::make_unique<ds::Set>();
  for (int i = 0; i < 130; ++i) ints->Add(std::to_string(i), {});
  db.SetObject("s", std::move(ints));
  std::vector<std::string> cmds = Commands(Rewrite({&db}));
  // SELECT, HMSET x2 + PEXPIREAT, HMSET, SADD x3.
  ASSERT_EQ(cmds.size(), 8u);
  std::vector<std::string> hmset_h, sadd;
  for (const std::string& c : cmds) {
    if (c.starts_with("HMSET h ")) hmset_h.push_back(c);
    if (c.starts_with("SADD s ")) sadd.push_back(c);
  }
  ASSERT_EQ(hmset_h.size(), 2u);
  EXPECT_EQ(std::count(hmset_h[0].begin(), hmset_h[0].end(), ' '), 1 + 128);
  EXPECT_EQ(std::count(hmset_h[1].begin(), hmset_h[1].end(), ' '), 1 + 12);
  // An intset comes in ascending order: 64, 64 and 2 members.
  ASSERT_EQ(sadd.size(), 3u);
  EXPECT_EQ(sadd[0].substr(0, 13), "SADD s 0 1 2 ");
  EXPECT_EQ(std::count(sadd[1].begin(), sadd[1].end(), ' '), 1 + 64);
  EXPECT_EQ(sadd[2], "SADD s 128 129");
  EXPECT_THAT(cmds, ::testing::Contains("HMSET small a 1 b "));
  auto last_h = std::find(cmds.begin(), cmds.end(), hmset_h[1]);
  EXPECT_EQ(*(last_h + 1), "PEXPIREAT h 1700000000000");
}

TEST(AofRewriteTest, StreamsWithGroupsConsumersAndPendingEntries) {
  ds::Database db;
  auto stream = std::make_unique<ds::Stream>();
  const std::vector<std::string_view> fv = {"f", "v"};
  ASSERT_TRUE(stream->LoadEntry(ds::StreamId{1, 1}, fv, {}));
  ASSERT_TRUE(stream->LoadEntry(ds::StreamId{2, 0}, fv, {}));
  stream->set_entries_added(5);
  stream->set_max_deleted_id(ds::StreamId{1, 0});
  stream->set_last_id(ds::StreamId{9, 9});
  ds::ConsumerGroup* g = stream->CreateGroup("grp", ds::StreamId{2, 0}, 2);
  ds::StreamConsumer* alice = g->CreateConsumer("alice", 100);
  g->CreateConsumer("bob", 100);
  g->AddPending(ds::StreamId{1, 1}, alice, 1234).delivery_count = 3;
  db.SetObject("s", std::move(stream));
  auto empty = std::make_unique<ds::Stream>();
  empty->set_last_id(ds::StreamId{5, 5});
  db.SetObject("e", std::move(empty));
  ds::Database only_s;
  std::vector<std::string> cmds = Commands(Rewrite({&db}));
  std::vector<std::string> s_cmds, e_cmds;
  for (const std::string& c : cmds) {
    if (c.find(" s ") != std::string::npos || c.rfind("XADD s", 0) == 0) s_cmds.push_back(c);
    if (c.find(" e ") != std::string::npos || c.rfind("XADD e", 0) == 0) e_cmds.push_back(c);
  }
  EXPECT_THAT(s_cmds, ElementsAre("XADD s 1-1 f v", "XADD s 2-0 f v",
                                  "XSETID s 9-9 ENTRIESADDED 5 MAXDELETEDID 1-0",
                                  "XGROUP CREATE s grp 2-0 ENTRIESREAD 2",
                                  "XCLAIM s grp alice 0 1-1 TIME 1234 RETRYCOUNT 3 JUSTID FORCE",
                                  "XGROUP CREATECONSUMER s grp bob"));
  EXPECT_THAT(e_cmds, ElementsAre("XADD e MAXLEN 0 0-1 x y",
                                  "XSETID e 5-5 ENTRIESADDED 0 MAXDELETEDID 0-0"));
}

TEST(AofRewriteTest, TimestampAnnotationAndWriteFailure) {
  ds::Database db;
  db.SetString("k", "v");
  AofRewriteOptions options;
  options.timestamp_annotation = true;
  options.now_unix_seconds = 1700000000;
  EXPECT_EQ(Rewrite({&db}, options).substr(0, 16), "#TS:1700000000\r\n");
  std::vector<ds::Database*> dbs = {&db};
  EXPECT_FALSE(WriteAofRewrite(dbs, {}, [](std::string_view) { return false; }));
}

}  // namespace
}  // namespace rill::persistence
