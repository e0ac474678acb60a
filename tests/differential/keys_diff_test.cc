// Keyspace commands compared between rill and redis.
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "tests/support/differential.h"
#include "tests/support/keyspace_snapshot.h"

namespace rill::testing {
namespace {

class KeysDiffTest : public DifferentialTest {
 protected:
  void MakeKeys() {
    ExpectSame({"MSET", "one",   "1", "two",   "2", "three", "3", "four",
                "4",    "h[llo", "x", "hello", "x", "hallo", "x", "hxllo",
                "x",    "hllo",  "x", "a\\b",  "x", "a*b",   "x"});
    ExpectSame({"RPUSH", "list1", "a"});
    ExpectSame({"XADD", "stream1", "1-1", "f", "v"});
  }
};

TEST_F(KeysDiffTest, DelUnlinkExists) {
  ExpectSame({"MSET", "a", "1", "b", "2", "c", "3"});
  ExpectSame({"EXISTS", "a"});
  ExpectSame({"EXISTS", "a", "a", "a", "missing"});
  ExpectSame({"DEL", "a", "a", "missing"});
  ExpectSame({"UNLINK", "b", "b", "c"});
  ExpectSame({"EXISTS", "a", "b", "c"});
  ExpectSame({"DEL"});
  ExpectSame({"EXISTS"});
  ExpectSame({"UNLINK"});
}

TEST_F(KeysDiffTest, TypeOfEachKind) {
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"RPUSH", "l", "a"});
  ExpectSame({"XADD", "x", "1-1", "f", "v"});
  // Rill has no sets, hashes or sorted sets: only the types it stores are compared.
  for (const char* key : {"s", "l", "x", "missing"}) ExpectSame({"TYPE", key});
  ExpectSame({"TYPE"});
}

TEST_F(KeysDiffTest, RenameAndRenamenx) {
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"RENAME", "a", "b"});
  ExpectSame({"GET", "b"});
  ExpectSame({"RENAME", "missing", "x"});
  ExpectSame({"RENAME", "b", "b"});
  ExpectSame({"RENAMENX", "b", "b"});
  ExpectSame({"RENAMENX", "missing", "x"});
  ExpectSame({"SET", "c", "3"});
  ExpectSame({"RENAMENX", "b", "c"});
  ExpectSame({"RENAMENX", "b", "d"});
  ExpectSame({"MGET", "b", "c", "d"});
  ExpectSame({"SET", "t", "v", "EX", "100"});
  ExpectSame({"RENAME", "t", "t2"});
  ExpectSame({"TTL", "t2"});
  ExpectSame({"RENAME", "c", "t2"});
  ExpectSame({"TTL", "t2"});
  ExpectSame({"RENAME", "c"});
}

TEST_F(KeysDiffTest, KeysPatterns) {
  MakeKeys();
  for (const char* pattern :
       {"*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\[llo", "h[llo", "a\\\\b",
        "a\\*b", "*o*", "t*", "nomatch*", "????", "[", "\\", "h[", "*[", "[a-"}) {
    ExpectSame({"KEYS", pattern}, Compare::kSortedArray);
  }
  ExpectSame({"KEYS"});
}

TEST_F(KeysDiffTest, Scan) {
  MakeKeys();
  for (int i = 0; i < 60; ++i) ExpectSame({"SET", "bulk:" + std::to_string(i), "v"});
  ExpectSameScan({"SCAN", "0"});
  ExpectSameScan({"SCAN", "0", "COUNT", "3"});
  ExpectSameScan({"SCAN", "0", "MATCH", "h*"});
  ExpectSameScan({"SCAN", "0", "MATCH", "bulk:1*", "COUNT", "5"});
  ExpectSameScan({"SCAN", "0", "TYPE", "list"});
  ExpectSameScan({"SCAN", "0", "TYPE", "stream"});
  ExpectSameScan({"SCAN", "0", "TYPE", "string", "MATCH", "t*"});
  ExpectSameScan({"SCAN", "0", "TYPE", "nosuchtype"});
  ExpectSame({"SCAN", "abc"});
  ExpectSame({"SCAN", "0", "COUNT", "0"});
  ExpectSame({"SCAN", "0", "COUNT", "-1"});
  ExpectSame({"SCAN", "0", "COUNT", "x"});
  ExpectSame({"SCAN", "0", "MATCH"});
  ExpectSame({"SCAN", "0", "BOGUS", "1"});
  ExpectSame({"SCAN"});
  ExpectSame({"FLUSHALL"});
  ExpectSame({"SCAN", "0"});
}

TEST_F(KeysDiffTest, RandomkeyAndDbsize) {
  ExpectSame({"RANDOMKEY"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"SET", "only", "v"});
  ExpectSame({"RANDOMKEY"});
  ExpectSame({"MSET", "a", "1", "b", "2"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"DBSIZE", "extra"});
  ExpectSame({"RANDOMKEY", "extra"});
}

TEST_F(KeysDiffTest, ExpireFamilyBasics) {
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"EXPIRE", "k", "100"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"EXPIRE", "missing", "100"});
  ExpectSame({"TTL", "missing"});
  ExpectSame({"PTTL", "missing"});
  ExpectSame({"SET", "p", "v"});
  ExpectSame({"TTL", "p"});
  ExpectSame({"PTTL", "p"});
  ExpectSame({"PEXPIRE", "p", "100000"});
  ExpectSame({"TTL", "p"});
  ExpectSame({"EXPIREAT", "p", "4102444800"});
  ExpectSame({"EXPIRETIME", "p"});
  ExpectSame({"PEXPIRETIME", "p"});
  ExpectSame({"PEXPIREAT", "p", "4102444800999"});
  ExpectSame({"EXPIRETIME", "p"});
  ExpectSame({"PEXPIRETIME", "p"});
  ExpectSame({"EXPIRETIME", "missing"});
  ExpectSame({"PEXPIRETIME", "missing"});
  ExpectSame({"SET", "np", "v"});
  ExpectSame({"EXPIRETIME", "np"});
  ExpectSame({"PERSIST", "p"});
  ExpectSame({"PERSIST", "p"});
  ExpectSame({"PERSIST", "missing"});
  ExpectSame({"TTL", "p"});
}

TEST_F(KeysDiffTest, ExpireWithPastOrBadValues) {
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"EXPIRE", "k", "abc"});
  ExpectSame({"EXPIRE", "k", "1.5"});
  ExpectSame({"EXPIRE", "k", "9223372036854775807"});
  ExpectSame({"PEXPIRE", "k", "9223372036854775807"});
  ExpectSame({"EXPIREAT", "k", "9223372036854775807"});
  ExpectSame({"PEXPIREAT", "k", "9223372036854775807"});
  ExpectSame({"EXPIRE", "k", "-9223372036854775808"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"EXPIRE", "k", "0"});
  ExpectSame({"EXISTS", "k"});
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"EXPIRE", "k", "-1"});
  ExpectSame({"EXISTS", "k"});
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"EXPIREAT", "k", "1"});
  ExpectSame({"EXISTS", "k"});
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"PEXPIRE", "k", "-100"});
  ExpectSame({"GET", "k"});
  ExpectSame({"EXPIRE", "k"});
}

TEST_F(KeysDiffTest, ExpireConditions) {
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"EXPIRE", "k", "100", "XX"});
  ExpectSame({"EXPIRE", "k", "100", "GT"});
  ExpectSame({"EXPIRE", "k", "100", "LT"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"PERSIST", "k"});
  ExpectSame({"EXPIRE", "k", "100", "NX"});
  ExpectSame({"EXPIRE", "k", "200", "NX"});
  ExpectSame({"EXPIRE", "k", "200", "XX"});
  ExpectSame({"EXPIRE", "k", "100", "GT"});
  ExpectSame({"EXPIRE", "k", "300", "GT"});
  ExpectSame({"EXPIRE", "k", "400", "LT"});
  ExpectSame({"EXPIRE", "k", "50", "LT"});
  ExpectSame({"TTL", "k"});
  ExpectSame({"EXPIRE", "k", "10", "NX", "XX"});
  ExpectSame({"EXPIRE", "k", "10", "GT", "LT"});
  ExpectSame({"EXPIRE", "k", "10", "NX", "GT"});
  ExpectSame({"EXPIRE", "k", "10", "NX", "LT"});
  ExpectSame({"EXPIRE", "k", "60", "XX", "GT"});
  ExpectSame({"EXPIRE", "k", "10", "BOGUS"});
  ExpectSame({"EXPIRE", "k", "10", "nx"});
  ExpectSame({"EXPIRE", "missing", "10", "NX"});
  ExpectSame({"PEXPIRE", "k", "1000000", "GT"});
  ExpectSame({"EXPIREAT", "k", "4102444800", "LT"});
  ExpectSame({"EXPIREAT", "k", "4102444801", "GT"});
  ExpectSame({"PEXPIREAT", "k", "4102444800000", "LT"});
  ExpectSame({"EXPIRETIME", "k"});
  ExpectSame({"EXPIRE", "k", "0", "GT"});
  ExpectSame({"EXPIRE", "k", "-1", "LT"});
  ExpectSame({"EXISTS", "k"});
}

TEST_F(KeysDiffTest, Touch) {
  ExpectSame({"MSET", "a", "1", "b", "2"});
  ExpectSame({"TOUCH", "a", "b", "missing", "a"});
  ExpectSame({"TOUCH"});
}

TEST_F(KeysDiffTest, CopyAndMove) {
  ExpectSame({"SET", "src", "v"});
  ExpectSame({"COPY", "src", "dst"});
  ExpectSame({"GET", "dst"});
  ExpectSame({"COPY", "src", "dst"});
  ExpectSame({"SET", "src", "w", "EX", "100"});
  ExpectSame({"COPY", "src", "dst", "REPLACE"});
  ExpectSame({"GET", "dst"});
  ExpectSame({"TTL", "dst"});
  ExpectSame({"COPY", "missing", "dst"});
  ExpectSame({"COPY", "src", "src"});
  ExpectSame({"COPY", "src", "other", "DB", "1"});
  ExpectSame({"COPY", "src", "other", "DB", "16"});
  ExpectSame({"COPY", "src", "other", "DB", "abc"});
  ExpectSame({"COPY", "src", "other", "BOGUS"});
  ExpectSame({"COPY", "src", "src", "DB", "1", "REPLACE"});
  ExpectSame({"RPUSH", "list", "a", "b"});
  ExpectSame({"COPY", "list", "list2"});
  ExpectSame({"LRANGE", "list2", "0", "-1"});
  ExpectSame({"MOVE", "src", "1"});
  ExpectSame({"MOVE", "src", "1"});
  ExpectSame({"MOVE", "dst", "1"});
  ExpectSame({"MOVE", "dst", "0"});
  ExpectSame({"MOVE", "dst", "16"});
  ExpectSame({"MOVE", "dst", "x"});
  ExpectSame({"MOVE", "missing", "1"});
  ExpectSame({"SELECT", "1"});
  ExpectSame({"MGET", "src", "dst", "other"});
  ExpectSame({"TTL", "src"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"SELECT", "0"});
}

TEST_F(KeysDiffTest, SelectAndSwapdb) {
  ExpectSame({"SELECT", "15"});
  ExpectSame({"SET", "k", "db15"});
  ExpectSame({"SELECT", "16"});
  ExpectSame({"SELECT", "-1"});
  ExpectSame({"SELECT", "abc"});
  ExpectSame({"SELECT", "1.0"});
  ExpectSame({"SELECT"});
  ExpectSame({"SELECT", "0"});
  ExpectSame({"SET", "k", "db0"});
  ExpectSame({"SWAPDB", "0", "15"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SWAPDB", "0", "16"});
  ExpectSame({"SWAPDB", "a", "1"});
  ExpectSame({"SWAPDB", "0", "-1"});
  ExpectSame({"SWAPDB", "3", "3"});
  ExpectSame({"SWAPDB", "0"});
  ExpectSame({"SELECT", "15"});
  ExpectSame({"GET", "k"});
  ExpectSame({"SELECT", "0"});
}

TEST_F(KeysDiffTest, FlushdbAndFlushall) {
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"SELECT", "2"});
  ExpectSame({"SET", "b", "1"});
  ExpectSame({"FLUSHDB"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"SELECT", "0"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"FLUSHDB", "ASYNC"});
  ExpectSame({"FLUSHDB", "SYNC"});
  ExpectSame({"FLUSHDB", "BOGUS"});
  ExpectSame({"FLUSHDB", "SYNC", "ASYNC"});
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"FLUSHALL", "ASYNC"});
  ExpectSame({"DBSIZE"});
  ExpectSame({"FLUSHALL", "SYNC"});
  ExpectSame({"FLUSHALL", "BOGUS"});
  ExpectSame({"FLUSHALL", "sync"});
}

// FLUSHALL/FLUSHDB ASYNC (and, under lazyfree-lazy-user-flush, without a mode) hand the
// databases to the lazy-free thread: lazyfreed_objects counts their keys once freed, whatever
// their types; SYNC, and the default without the option, free at once and count nothing.
TEST_F(KeysDiffTest, AsyncFlushesCountTheirKeysAsLazyFreed) {
  struct Step {
    std::vector<std::string> flush;
    const char* user_flush;  // lazyfree-lazy-user-flush
  };
  const Step steps[] = {
      {{"FLUSHALL", "ASYNC"}, "no"}, {{"FLUSHDB", "ASYNC"}, "no"},  {{"FLUSHALL"}, "yes"},
      {{"FLUSHDB"}, "yes"},          {{"FLUSHALL", "SYNC"}, "yes"}, {{"FLUSHALL"}, "no"},
      {{"FLUSHDB", "SYNC"}, "yes"},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(absl::StrJoin(step.flush, " ") + ", lazyfree-lazy-user-flush " + step.user_flush);
    SendBoth({"CONFIG", "SET", "lazyfree-lazy-user-flush", step.user_flush});
    SendBoth({"CONFIG", "RESETSTAT"});
    ExpectSame({"SELECT", "0"});
    for (int i = 0; i < 40; ++i) ExpectSame({"SET", "k" + std::to_string(i), "v"});
    ExpectSame({"RPUSH", "l", "a", "b", "c"});
    ExpectSame({"HSET", "h", "f", "v"});
    ExpectSame({"SET", "e", "1", "EX", "100"});
    ExpectSame({"SELECT", "3"});
    ExpectSame({"SADD", "s", "1", "2"});
    ExpectSame({"SELECT", "0"});
    ExpectSame(step.flush);
    ExpectSame({"DBSIZE"});
    EXPECT_EQ(LazyFreedObjects(rill_client()), LazyFreedObjects(redis_client()))
        << "lazyfreed_objects, rill then redis";
    SendBoth({"FLUSHALL", "SYNC"});
  }
  SendBoth({"CONFIG", "SET", "lazyfree-lazy-user-flush", "no"});
}

// lazyfree-lazy-server-del: a big value (a 100-member set) that a write replaces or the server
// deletes on its own goes to the lazy-free thread, counted in lazyfreed_objects; with the option
// off nothing is counted.
TEST_F(KeysDiffTest, ServerDeletionsFreeLazilyUnderLazyfreeLazyServerDel) {
  std::vector<std::string> members = {"SADD", "big"};
  for (int i = 0; i < 100; ++i) members.push_back("m" + std::to_string(i));
  ExpectSame({"SET", "s", "1"});
  ExpectSame({"ZADD", "z", "1", "m"});
  ExpectSame({"RPUSH", "l", "x", "y"});
  const std::vector<std::vector<std::string>> writes = {
      {"SET", "big", "x"},
      {"SETEX", "big", "100", "x"},
      {"MSET", "big", "x", "other", "y"},
      {"EVAL", "return redis.call('set', KEYS[1], 'x')", "1", "big"},
      {"RENAME", "s", "big"},
      {"COPY", "s", "big", "REPLACE"},
      {"SUNIONSTORE", "big", "nosuchset"},
      {"SINTERSTORE", "big", "big", "nosuchset"},
      {"ZRANGESTORE", "big", "z", "0", "-1"},
      {"SORT", "l", "ALPHA", "STORE", "big"},
      {"BITOP", "OR", "big", "nosuchkey1", "nosuchkey2"},
      {"GEORADIUS", "nosuchgeo", "0", "0", "1", "km", "STORE", "big"},
  };
  for (const char* setting : {"yes", "no"}) {
    SendBoth({"CONFIG", "SET", "lazyfree-lazy-server-del", setting});
    for (const auto& write : writes) {
      SCOPED_TRACE(absl::StrJoin(write, " ") + ", lazyfree-lazy-server-del " + setting);
      SendBoth({"DEL", "big"});
      ExpectSame(members);
      ExpectSame({"SET", "s", "1"});
      SendBoth({"CONFIG", "RESETSTAT"});
      ExpectSame(write);
      ExpectSame({"TYPE", "big"});
      EXPECT_EQ(LazyFreedObjects(rill_client()), LazyFreedObjects(redis_client()))
          << "lazyfreed_objects, rill then redis";
    }
  }
  // RESTORE ... REPLACE over the big set.
  SendBoth({"CONFIG", "SET", "lazyfree-lazy-server-del", "yes"});
  SendBoth({"DEL", "big"});
  ExpectSame(members);
  const std::string payload = BulkValue(redis_client().Command({"DUMP", "s"}));
  SendBoth({"CONFIG", "RESETSTAT"});
  ExpectSame({"RESTORE", "big", "0", payload, "REPLACE"});
  EXPECT_EQ(LazyFreedObjects(rill_client()), LazyFreedObjects(redis_client()));
  SendBoth({"CONFIG", "SET", "lazyfree-lazy-server-del", "no"});
}

TEST_F(KeysDiffTest, ObjectSubcommands) {
  ExpectSame({"SET", "k", "v"});
  ExpectSame({"OBJECT", "REFCOUNT", "k"});
  ExpectSame({"OBJECT", "REFCOUNT", "missing"});
  ExpectSame({"OBJECT", "IDLETIME", "k"});
  ExpectSame({"OBJECT", "IDLETIME", "missing"});
  ExpectSame({"OBJECT", "FREQ", "k"});
  ExpectSame({"OBJECT", "ENCODING", "missing"});
  ExpectSame({"OBJECT", "BOGUS", "k"});
  ExpectSame({"OBJECT", "ENCODING"});
  ExpectSame({"OBJECT"});
  ExpectSame({"OBJECT", "HELP"});
  ExpectSame({"OBJECT", "help"});
}

TEST_F(KeysDiffTest, Resp3Replies) {
  SendBoth({"HELLO", "3"});
  MakeKeys();
  ExpectSame({"KEYS", "h*"}, Compare::kSortedArray);
  ExpectSame({"RANDOMKEY", "extra"});
  ExpectSame({"TTL", "missing"});
  ExpectSame({"OBJECT", "ENCODING", "missing"});
  ExpectSame({"EXPIRE", "one", "100"});
  ExpectSame({"TYPE", "one"});
  ExpectSameScan({"SCAN", "0", "MATCH", "h*"});
  ExpectSame({"FLUSHALL"});
  ExpectSame({"RANDOMKEY"});
}

}  // namespace
}  // namespace rill::testing
