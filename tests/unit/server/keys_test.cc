// Generic key commands run through Engine::Execute, checked by exact RESP2 reply bytes. Values
// are put in place through the Database API so that these tests depend on no other family.

#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/keyspace.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"
#include "tests/unit/server/engine_test_fixture.h"

namespace rill {
namespace {

class KeysTest : public EngineTest {
 protected:
  void Set(std::string_view key, std::string_view value, int i = 0) { db(i).SetString(key, value); }
  // A key whose deadline passed a second ago but that lazy expiry has not removed yet.
  void SetExpired(std::string_view key) {
    db().SetString(key, "gone", ds::TtlMode::kSet, NowMs() - 1000);
  }
};

// Splits a flat RESP2 array of bulk strings ("*n\r\n$l\r\nk\r\n...") into sorted elements.
std::vector<std::string> SortedBulks(std::string_view resp) {
  std::vector<std::string> out;
  size_t pos = resp.find("\r\n") + 2;
  while (pos < resp.size()) {
    size_t len_end = resp.find("\r\n", pos);
    size_t len = std::stoul(std::string(resp.substr(pos + 1, len_end - pos - 1)));
    out.emplace_back(resp.substr(len_end + 2, len));
    pos = len_end + 2 + len + 2;
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(KeysTest, DelCountsEachExistingKeyOnce) {
  Set("a", "1");
  Set("b", "2");
  uint64_t dirty = engine_.stats().dirty;
  EXPECT_EQ(Run({"DEL", "a", "a", "b", "missing"}), ":2\r\n");
  EXPECT_EQ(engine_.stats().dirty, dirty + 2);
  EXPECT_EQ(Run({"UNLINK", "a"}), ":0\r\n");
  EXPECT_EQ(db().size(), 0u);
}

TEST_F(KeysTest, DelOfExpiredKeyCountsAsExpiredNotDeleted) {
  SetExpired("old");
  EXPECT_EQ(Run({"DEL", "old"}), ":0\r\n");
  EXPECT_EQ(engine_.stats().expired_keys, 1u);
}

TEST_F(KeysTest, ExistsCountsRepeatsAndTracksHits) {
  Set("a", "1");
  EXPECT_EQ(Run({"EXISTS", "a", "a", "nope"}), ":2\r\n");
  EXPECT_EQ(engine_.stats().keyspace_hits, 2u);
  EXPECT_EQ(engine_.stats().keyspace_misses, 1u);
  EXPECT_EQ(Run({"TOUCH", "a", "nope"}), ":1\r\n");
}

TEST_F(KeysTest, TypeOfStringAndMissingKey) {
  Set("s", "v");
  EXPECT_EQ(Run({"TYPE", "s"}), "+string\r\n");
  EXPECT_EQ(Run({"TYPE", "nope"}), "+none\r\n");
}

TEST_F(KeysTest, RenameMovesValueAndExpiry) {
  db().SetString("a", "v", ds::TtlMode::kSet, NowMs() + 100000);
  Set("b", "old");
  EXPECT_EQ(Run({"RENAME", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(db().Peek("a"), nullptr);
  ASSERT_NE(db().Peek("b"), nullptr);
  EXPECT_TRUE(db().Peek("b")->has_expire());
  EXPECT_EQ(Run({"RENAME", "a", "b"}), "-ERR no such key\r\n");
  EXPECT_EQ(Run({"RENAME", "b", "b"}), "+OK\r\n");
}

TEST_F(KeysTest, RenameNxRefusesLiveDestination) {
  Set("a", "1");
  Set("b", "2");
  EXPECT_EQ(Run({"RENAMENX", "a", "b"}), ":0\r\n");
  EXPECT_EQ(Run({"RENAMENX", "a", "a"}), ":0\r\n");
  EXPECT_EQ(Run({"RENAMENX", "a", "c"}), ":1\r\n");
  EXPECT_EQ(Run({"RENAMENX", "nope", "c"}), "-ERR no such key\r\n");
}

TEST_F(KeysTest, KeysMatchesGlobAndSkipsExpired) {
  Set("user:1", "a");
  Set("user:2", "b");
  Set("other", "c");
  SetExpired("user:3");
  EXPECT_EQ(SortedBulks(Run({"KEYS", "user:*"})), (std::vector<std::string>{"user:1", "user:2"}));
  EXPECT_EQ(SortedBulks(Run({"KEYS", "*"})),
            (std::vector<std::string>{"other", "user:1", "user:2"}));
  EXPECT_EQ(Run({"KEYS", "x*"}), "*0\r\n");
}

TEST_F(KeysTest, ScanVisitsEveryKeyAndDropsExpired) {
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    expected.push_back("k" + std::to_string(i));
    Set(expected.back(), "v");
  }
  SetExpired("dead");
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::string reply = Run({"SCAN", cursor, "COUNT", "7"});
    ASSERT_EQ(reply.substr(0, 5), "*2\r\n$");
    size_t len_end = reply.find("\r\n", 4);
    size_t len = std::stoul(reply.substr(5, len_end - 5));
    cursor = reply.substr(len_end + 2, len);
    for (auto& k : SortedBulks(reply.substr(len_end + 2 + len + 2))) seen.push_back(k);
    ASSERT_LT(++rounds, 1000);
  } while (cursor != "0");
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(db().Peek("dead"), nullptr);  // deleted by SCAN
}

TEST_F(KeysTest, ScanFiltersByMatchAndType) {
  Set("a1", "v");
  Set("a2", "v");
  Set("b1", "v");
  EXPECT_EQ(SortedBulks(Run({"SCAN", "0", "MATCH", "a*", "COUNT", "1000"}).substr(11)),
            (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(Run({"SCAN", "0", "TYPE", "list", "COUNT", "1000"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(SortedBulks(Run({"SCAN", "0", "TYPE", "STRING", "COUNT", "1000"}).substr(11)),
            (std::vector<std::string>{"a1", "a2", "b1"}));
}

TEST_F(KeysTest, ScanRejectsBadArguments) {
  EXPECT_EQ(Run({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", " 0"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", "18446744073709551616"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "COUNT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SCAN", "0", "FOO", "bar"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"SCAN", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST_F(KeysTest, RandomKeyAndDbSize) {
  EXPECT_EQ(Run({"RANDOMKEY"}), "$-1\r\n");
  SetExpired("dead");
  EXPECT_EQ(Run({"DBSIZE"}), ":1\r\n");  // not yet expired lazily
  EXPECT_EQ(Run({"RANDOMKEY"}), "$-1\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  Set("only", "v");
  EXPECT_EQ(Run({"RANDOMKEY"}), "$4\r\nonly\r\n");
}

TEST_F(KeysTest, ExpireOptionErrors) {
  Set("k", "v");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "abc", "NX", "GT"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "GT", "LT"}),
            "-ERR GT and LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "10", "foo"}), "-ERR Unsupported option foo\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "9223372036854776"}),
            "-ERR invalid expire time in 'expire' command\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "9223372036854775807"}),
            "-ERR invalid expire time in 'pexpire' command\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "k", "9223372036854776"}),
            "-ERR invalid expire time in 'expireat' command\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":-1\r\n");
}

TEST_F(KeysTest, ExpireConditions) {
  Set("k", "v");
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "XX"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "GT"}), ":0\r\n");  // no TTL counts as infinite
  EXPECT_EQ(Run({"EXPIRE", "k", "100", "LT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "NX"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "200", "XX", "GT"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRE", "k", "300", "LT"}), ":0\r\n");
  EXPECT_EQ(Run({"TTL", "k"}), ":200\r\n");
  EXPECT_EQ(Run({"EXPIRE", "missing", "10"}), ":0\r\n");
}

TEST_F(KeysTest, ExpireInThePastDeletes) {
  Set("k", "v");
  uint64_t dirty = engine_.stats().dirty;
  EXPECT_EQ(Run({"EXPIRE", "k", "-1"}), ":1\r\n");
  EXPECT_EQ(db().Peek("k"), nullptr);
  EXPECT_EQ(engine_.stats().dirty, dirty + 1);
  Set("k", "v");
  EXPECT_EQ(Run({"PEXPIRE", "k", "-9223372036854775808"}), ":1\r\n");
  EXPECT_EQ(db().Peek("k"), nullptr);
}

TEST_F(KeysTest, TtlFamilyAbsoluteAndRelative) {
  Set("k", "v");
  EXPECT_EQ(Run({"PEXPIREAT", "k", "99999999999600"}), ":1\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "k"}), ":100000000000\r\n");  // rounded to the nearest second
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":99999999999600\r\n");
  EXPECT_EQ(Run({"EXPIREAT", "k", "99999999999"}), ":1\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":99999999999000\r\n");
  EXPECT_EQ(Run({"TTL", "missing"}), ":-2\r\n");
  EXPECT_EQ(Run({"PTTL", "missing"}), ":-2\r\n");
  EXPECT_EQ(Run({"EXPIRETIME", "missing"}), ":-2\r\n");
  EXPECT_EQ(Run({"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(Run({"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(Run({"PEXPIRETIME", "k"}), ":-1\r\n");
  EXPECT_EQ(Run({"PEXPIRE", "k", "100000"}), ":1\r\n");
  std::string pttl = Run({"PTTL", "k"});
  int64_t ms = std::stoll(pttl.substr(1));
  EXPECT_GT(ms, 90000);
  EXPECT_LE(ms, 100000);
}

TEST_F(KeysTest, CopyWithinAndAcrossDatabases) {
  Set("src", "hello");
  EXPECT_EQ(Run({"COPY", "src", "src"}), "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst", "DB", "99"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst", "DB", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst", "FOO"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"COPY", "nope", "dst"}), ":0\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst"}), ":1\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst"}), ":0\r\n");
  EXPECT_EQ(Run({"COPY", "src", "dst", "REPLACE"}), ":1\r\n");
  EXPECT_EQ(Run({"COPY", "src", "src", "DB", "1"}), ":1\r\n");
  ASSERT_NE(db(1).Peek("src"), nullptr);
  EXPECT_EQ(db(1).Peek("src")->raw_bytes(), "hello");
}

TEST_F(KeysTest, MoveBetweenDatabases) {
  Set("k", "v");
  Set("taken", "0");
  Set("taken", "1", 1);
  EXPECT_EQ(Run({"MOVE", "k", "0"}), "-ERR source and destination objects are the same\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "99"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "abc"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"MOVE", "taken", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"MOVE", "nope", "1"}), ":0\r\n");
  EXPECT_EQ(Run({"MOVE", "k", "1"}), ":1\r\n");
  EXPECT_EQ(db().Peek("k"), nullptr);
  EXPECT_NE(db(1).Peek("k"), nullptr);
}

TEST_F(KeysTest, SelectAndSwapDb) {
  EXPECT_EQ(Run({"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SELECT", "3"}), "+OK\r\n");
  EXPECT_EQ(client_.db, 3);
  Set("in3", "v", 3);
  EXPECT_EQ(Run({"DBSIZE"}), ":1\r\n");
  EXPECT_EQ(Run({"SWAPDB", "a", "0"}), "-ERR invalid first DB index\r\n");
  EXPECT_EQ(Run({"SWAPDB", "0", "a"}), "-ERR invalid second DB index\r\n");
  EXPECT_EQ(Run({"SWAPDB", "0", "99"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run({"SWAPDB", "0", "3"}), "+OK\r\n");
  EXPECT_EQ(Run({"DBSIZE"}), ":0\r\n");
  EXPECT_NE(db(0).Peek("in3"), nullptr);
}

TEST_F(KeysTest, FlushDbAndFlushAll) {
  Set("a", "1");
  Set("b", "2", 1);
  EXPECT_EQ(Run({"FLUSHDB", "foo"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"FLUSHDB", "ASYNC", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"FLUSHDB", "SYNC"}), "+OK\r\n");
  EXPECT_EQ(db(0).size(), 0u);
  EXPECT_EQ(db(1).size(), 1u);
  uint64_t dirty = engine_.stats().dirty;
  EXPECT_EQ(Run({"FLUSHALL", "async"}), "+OK\r\n");
  EXPECT_EQ(db(1).size(), 0u);
  EXPECT_EQ(engine_.stats().dirty, dirty + 1);  // the one key removed
  EXPECT_EQ(Run({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(engine_.stats().dirty, dirty + 1);  // nothing removed, nothing counted
}

TEST_F(KeysTest, ObjectEncodingOfStrings) {
  Set("i", "12345");
  Set("neg", "-9223372036854775808");
  Set("lead", "0123");
  Set("short", std::string(44, 'x'));
  Set("long", std::string(45, 'x'));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "i"}), "$3\r\nint\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "neg"}), "$3\r\nint\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "lead"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "short"}), "$6\r\nembstr\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "long"}), "$3\r\nraw\r\n");
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "nope"}), "$-1\r\n");
}

TEST_F(KeysTest, ObjectRefcountFreqIdletime) {
  // Through SET, not the fixture's Set: a key written straight into the database gets the
  // access clock of the last command (or of the engine's start), and a second boundary in
  // between would make IDLETIME 1.
  ASSERT_EQ(Run({"SET", "small", "1"}), "+OK\r\n");
  ASSERT_EQ(Run({"SET", "big", "12345"}), "+OK\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "small"}), ":2147483647\r\n");
  EXPECT_EQ(Run({"OBJECT", "REFCOUNT", "big"}), ":1\r\n");
  EXPECT_EQ(Run({"OBJECT", "IDLETIME", "big"}), ":0\r\n");
  EXPECT_EQ(Run({"OBJECT", "FREQ", "nope"}), "$-1\r\n");
  EXPECT_EQ(Run({"OBJECT", "FREQ", "big"}),
            "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
            "note that when switching between policies at runtime LRU and LFU data will take "
            "some time to adjust.\r\n");
}

TEST_F(KeysTest, ObjectHelpIsFifteenStatusLines) {
  std::string reply = Run({"OBJECT", "HELP"});
  EXPECT_TRUE(reply.starts_with(
      "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING"))
      << reply;
  EXPECT_TRUE(reply.ends_with("\r\n+HELP\r\n+    Prints this help.\r\n")) << reply;
}

}  // namespace
}  // namespace rill
