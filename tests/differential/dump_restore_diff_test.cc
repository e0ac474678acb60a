// DUMP and RESTORE compared between rill and redis-server 7.0: payloads of every type and
// encoding moved both ways (DUMP in one server, RESTORE in the other, the values compared), the
// same payload bytes where both servers lay the value out alike, every RESTORE option and
// error in Redis's order, damaged payloads ("ERR Bad data format", never a crash), keyspace
// events, the dirty counter and the access bits IDLETIME and FREQ set.
#include <string>
#include <vector>

#include "persistence/dump_payload.h"
#include "tests/support/differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class DumpRestoreDiffTest : public DifferentialTest {
 protected:
  void TearDown() override {
    SendBoth({"CONFIG", "SET", "notify-keyspace-events", ""});
    SendBoth({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
    SendBoth({"CONFIG", "SET", "rdbcompression", "yes"});
    SendBoth({"HELLO", "2"});
  }

  // The same keys on both servers: small and big encodings of every type.
  void FillEveryType() {
    std::vector<Argv> fill = {
        {"SET", "str", "hello"},
        {"SET", "int", "12345"},
        {"SET", "negint", "-9223372036854775808"},
        {"SET", "bigstr", std::string(5000, 'x') + "tail"},
        {"SET", "empty", ""},
        {"RPUSH", "list", "a", "1", "-7", "b"},
        {"HSET", "hash", "f1", "v1", "f2", "2"},
        {"SADD", "intset", "3", "1", "2", "-100"},
        {"SADD", "set", "pear", "apple", "3"},
        {"ZADD", "zset", "1", "a", "2.5", "b", "-inf", "c"},
        {"XADD", "stream", "1-1", "f", "v"},
        {"XADD", "stream", "2-0", "f", "w", "g", "x"},
        {"XGROUP", "CREATE", "stream", "grp", "0"},
        {"XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">"},
    };
    Argv big_list = {"RPUSH", "biglist"};
    Argv big_hash = {"HSET", "bighash"};
    Argv big_set = {"SADD", "bigset"};
    Argv big_intset = {"SADD", "bigintset"};
    Argv big_zset = {"ZADD", "bigzset"};
    for (int i = 0; i < 600; ++i) {
      const std::string n = std::to_string(i);
      big_list.push_back("element-" + n);
      big_hash.insert(big_hash.end(), {"field-" + n, "value-" + n});
      big_set.push_back("member-" + n);
      big_intset.push_back(std::to_string(i * 1000003LL));
      big_zset.insert(big_zset.end(), {std::to_string(i * 0.5), "m-" + n});
    }
    fill.insert(fill.end(), {big_list, big_hash, big_set, big_intset, big_zset});
    for (const Argv& argv : fill) SendBoth(argv);
  }

  static std::vector<std::string> Keys() {
    return {"str", "int",  "negint", "bigstr",  "empty",   "list",   "hash",      "intset",
            "set", "zset", "stream", "biglist", "bighash", "bigset", "bigintset", "bigzset"};
  }

  // What a key holds, read with the commands of its type; compared between the servers.
  void ExpectSameValue(const std::string& key) {
    SCOPED_TRACE(key);
    const std::string type = SimpleOf(ExpectSame({"TYPE", key}));
    if (type == "string") {
      ExpectSame({"GET", key});
    } else if (type == "list") {
      ExpectSame({"LRANGE", key, "0", "-1"});
    } else if (type == "hash") {
      ExpectSame({"HGETALL", key}, Compare::kSortedPairs);
    } else if (type == "set") {
      ExpectSame({"SMEMBERS", key}, Compare::kSortedArray);
    } else if (type == "zset") {
      ExpectSame({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    } else if (type == "stream") {
      ExpectSame({"XRANGE", key, "-", "+"});
      ExpectSame({"XINFO", "GROUPS", key});
      ExpectSame({"XPENDING", key, "grp"});
    } else {
      ADD_FAILURE() << "unexpected type " << type;
    }
    ExpectSame({"OBJECT", "ENCODING", key});
    ExpectSame({"TTL", key});
  }

  static std::string SimpleOf(const std::string& reply) {
    if (reply.size() < 3 || reply[0] != '+') return reply;
    return reply.substr(1, reply.size() - 3);
  }

  // A payload whose footer is made right for `body` (so only the value can be wrong).
  static std::string WithFooter(std::string body) {
    persistence::AppendDumpFooter(&body);
    return body;
  }
};

TEST_F(DumpRestoreDiffTest, PayloadsMoveBothWaysForEveryType) {
  FillEveryType();
  for (const std::string& key : Keys()) {
    SCOPED_TRACE(key);
    const std::string from_rill = BulkValue(Rill({"DUMP", key}));
    const std::string from_redis = BulkValue(Redis({"DUMP", key}));
    ASSERT_FALSE(from_rill.empty());
    ASSERT_FALSE(from_redis.empty());
    // Each server restores the other's payload (and its own) to the same value.
    EXPECT_EQ(Rill({"RESTORE", "r_" + key, "0", from_redis}), "+OK\r\n");
    EXPECT_EQ(Redis({"RESTORE", "r_" + key, "0", from_rill}), "+OK\r\n");
    EXPECT_EQ(Rill({"RESTORE", "own_" + key, "0", from_rill}), "+OK\r\n");
    EXPECT_EQ(Redis({"RESTORE", "own_" + key, "0", from_redis}), "+OK\r\n");
    ExpectSameValue("r_" + key);
    ExpectSameValue("own_" + key);
    // A restored value dumps to a payload that restores again, in both.
    const std::string again = BulkValue(Rill({"DUMP", "r_" + key}));
    ExpectSame({"RESTORE", "again_" + key, "0", again});
    ExpectSameValue("again_" + key);
  }
}

TEST_F(DumpRestoreDiffTest, SameBytesWhereTheLayoutIsTheSame) {
  FillEveryType();
  // Hash tables (big hashes and sets) are laid out in each server's own order, and a stream's
  // consumers carry the times they were seen.
  for (const char* key : {"str", "int", "negint", "bigstr", "empty", "list", "hash", "intset",
                          "zset", "biglist", "bigzset", "missing"}) {
    SCOPED_TRACE(key);
    ExpectSame({"DUMP", key});
  }
  ExpectSame({"CONFIG", "SET", "rdbcompression", "no"});
  ExpectSame({"DUMP", "bigstr"});
  ExpectSame({"DUMP", "biglist"});
  SendBoth({"HELLO", "3"});
  ExpectSame({"DUMP", "missing"});
  ExpectSame({"DUMP", "str"});
  ExpectSame({"DUMP"});
  ExpectSame({"DUMP", "a", "b"});
}

TEST_F(DumpRestoreDiffTest, RestoreOptionsAndErrorsInRedisOrder) {
  ExpectSame({"SET", "s", "hello"});
  ExpectSame({"RPUSH", "l", "a", "b"});
  const std::string p = BulkValue(Redis({"DUMP", "s"}));
  const std::string lp = BulkValue(Redis({"DUMP", "l"}));
  ASSERT_FALSE(p.empty());
  for (const Argv& argv : std::vector<Argv>{
           {"RESTORE", "s", "0", p},
           {"RESTORE", "s", "-1", p},
           {"RESTORE", "x", "-1", p},
           {"RESTORE", "x", "abc", p},
           {"RESTORE", "x", "1.5", p},
           {"RESTORE", "s", "abc", "junk"},
           {"RESTORE", "x", "0", "junk"},
           {"RESTORE", "x", "0", ""},
           {"RESTORE", "x", "0", p, "BOGUS"},
           {"RESTORE", "s", "0", p, "BOGUS"},
           {"RESTORE", "x", "0", p, "IDLETIME"},
           {"RESTORE", "x", "0", p, "IDLETIME", "-1"},
           {"RESTORE", "x", "0", p, "IDLETIME", "x"},
           {"RESTORE", "x", "0", p, "FREQ", "256"},
           {"RESTORE", "x", "0", p, "FREQ", "-1"},
           {"RESTORE", "x", "0", p, "FREQ", "1", "IDLETIME", "5"},
           {"RESTORE", "x", "0", p, "IDLETIME", "5", "FREQ", "1"},
           {"RESTORE", "x", "0", p, "IDLETIME", "5", "IDLETIME", "6"},
           {"RESTORE", "x", "0"},
           {"RESTORE", "x"},
           {"EXISTS", "x"},
           {"RESTORE", "x", "0", p, "replace", "absttl", "idletime", "10"},
           {"GET", "x"},
           {"TTL", "x"},
           {"OBJECT", "IDLETIME", "x"},
           {"RESTORE", "s", "0", lp, "REPLACE"},
           {"TYPE", "s"},
           {"LRANGE", "s", "0", "-1"},
           {"RESTORE", "t", "100000", p},
           {"TTL", "t"},
           {"RESTORE", "t2", "4102444800000", p, "ABSTTL"},
           {"PEXPIRETIME", "t2"},
           // A deadline already past restores nothing; a huge relative TTL wraps into the past.
           {"RESTORE", "t3", "1", p, "ABSTTL"},
           {"EXISTS", "t3"},
           {"RESTORE", "t4", "9223372036854775000", p},
           {"EXISTS", "t4"},
           {"RESTORE", "t", "1", p, "ABSTTL", "REPLACE"},
           {"EXISTS", "t"},
       }) {
    ExpectSame(argv);
  }
  // FREQ counts under an LFU policy, IDLETIME under the others.
  ExpectSame({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  ExpectSame({"RESTORE", "f", "0", p, "FREQ", "100"});
  ExpectSame({"OBJECT", "FREQ", "f"});
  ExpectSame({"RESTORE", "f2", "0", p, "IDLETIME", "100"});
  ExpectSame({"OBJECT", "FREQ", "f2"});
}

TEST_F(DumpRestoreDiffTest, DamagedPayloadsAreRefused) {
  ExpectSame({"RPUSH", "l", "a", "b", "c"});
  ExpectSame({"HSET", "h", "f", "v"});
  ExpectSame({"SET", "s", std::string(100, 'z')});
  for (const char* key : {"l", "h", "s"}) {
    SCOPED_TRACE(key);
    const std::string p = BulkValue(Redis({"DUMP", key}));
    ASSERT_GT(p.size(), 10u);
    const std::string body = p.substr(0, p.size() - 10);
    std::string flipped = p;
    flipped[p.size() / 2] ^= 0x20;
    std::string newer = body;
    newer.push_back(11);
    newer.push_back(0);
    newer += p.substr(p.size() - 8);
    std::vector<std::string> bad = {
        flipped,                                              // checksum no longer matches
        p.substr(1),                                          // first byte lost
        p.substr(0, p.size() - 1),                            // footer cut
        newer,                                                // RDB version 11 (Redis 7.2)
        WithFooter(""),                                       // no type byte
        WithFooter(body.substr(0, body.size() / 2)),          // value cut, footer right
        WithFooter(std::string(1, '\x07') + body.substr(1)),  // a module type byte
        WithFooter(std::string(1, '\xff') + body.substr(1)),  // an opcode, not a type
        WithFooter(std::string(1, '\x63') + body.substr(1)),  // an unknown type
        WithFooter(body + "trailing"),                        // bytes after the value: accepted
        WithFooter(std::string("\x0e\x00", 2)),               // an empty quicklist
        WithFooter(std::string("\x02\x00", 2)),               // an empty set
        WithFooter(std::string("\x04\x00", 2)),               // an empty hash
    };
    for (size_t i = 0; i < bad.size(); ++i) {
      SCOPED_TRACE(i);
      ExpectSame({"RESTORE", "x", "0", bad[i], "REPLACE"});
    }
  }
  // With the server still answering.
  ExpectSame({"PING"});
}

TEST_F(DumpRestoreDiffTest, EventsDirtyAndWatch) {
  ExpectSame({"SET", "s", "hello"});
  const std::string p = BulkValue(Redis({"DUMP", "s"}));
  ClientPair watcher = ConnectPair();
  ExpectSamePair(watcher, {"WATCH", "n"});
  ExpectSameEffects({{"RESTORE", "n", "0", p},
                     {"RESTORE", "n", "0", p},
                     {"RESTORE", "n", "0", p, "REPLACE"},
                     {"RESTORE", "n", "1", p, "REPLACE", "ABSTTL"},
                     {"RESTORE", "n", "1", p, "ABSTTL"},
                     {"RESTORE", "m", "5000", p},
                     {"DUMP", "m"}});
  ExpectSamePair(watcher, {"MULTI"});
  ExpectSamePair(watcher, {"EXEC"});
}

}  // namespace
}  // namespace rill::testing
