// Stream entry commands (XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XREAD) and generic key
// commands on streams: same requests to rill and redis, same reply bytes. IDs are explicit so
// that replies are deterministic.
#include <string>
#include <vector>

#include "tests/support/differential.h"
#include "tests/support/keyspace_snapshot.h"

namespace rill::testing {
namespace {

class StreamsDiffTest : public DifferentialTest {
 protected:
  // Adds `n` entries "<i>-1 f<i%3> v<i>" (ms from `first`), to both servers.
  void Fill(const std::string& key, int first, int n, const std::string& value_prefix = "v") {
    for (int i = first; i < first + n; ++i) {
      ExpectSame({"XADD", key, std::to_string(i) + "-1", "f" + std::to_string(i % 3),
                  value_prefix + std::to_string(i)});
    }
  }
};

TEST_F(StreamsDiffTest, XAddIdForms) {
  ExpectSame({"XADD", "s", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "1-0", "f", "v"});
  ExpectSame({"XADD", "s", "1-*", "f", "v"});
  ExpectSame({"XADD", "s", "1-*", "f", "v"});
  ExpectSame({"XADD", "s", "2", "f", "v"});
  ExpectSame({"XADD", "s", "2-*", "a", "1", "b", "2"});
  ExpectSame({"XADD", "s", "5-*", "a", "1"});
  ExpectSame({"XADD", "s", "0-0", "f", "v"});
  ExpectSame({"XADD", "s", "0-*", "f", "v"});
  ExpectSame({"XADD", "s", "00003-0", "f", "v"});
  ExpectSame({"XADD", "s", "+6-0", "f", "v"});
  ExpectSame({"XADD", "s", "7-+1", "f", "v"});
  ExpectSame({"XADD", "s", "-", "f", "v"});
  ExpectSame({"XADD", "s", "+", "f", "v"});
  ExpectSame({"XADD", "s", "abc", "f", "v"});
  ExpectSame({"XADD", "s", "8-x", "f", "v"});
  ExpectSame({"XADD", "s", "9-", "f", "v"});
  ExpectSame({"XADD", "s", "-9", "f", "v"});
  ExpectSame({"XADD", "s", "18446744073709551615-18446744073709551614", "f", "v"});
  ExpectSame({"XADD", "s", "18446744073709551615-*", "f", "v"});
  ExpectSame({"XADD", "s", "*", "f", "v"});
  ExpectSame({"XADD", "s", "18446744073709551616-0", "f", "v"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XADD", "n", "0-*", "f", "v"});
  ExpectSame({"XADD", "n2", "0-0", "f", "v"});
  ExpectSame({"EXISTS", "n2"});
}

TEST_F(StreamsDiffTest, XAddArgumentErrors) {
  ExpectSame({"XADD", "s", "1-1", "f"});
  ExpectSame({"XADD", "s", "1-1", "f", "v", "g"});
  ExpectSame({"XADD", "s", "1-1"});
  ExpectSame({"XADD", "s"});
  ExpectSame({"XADD", "s", "MAXLEN"});
  ExpectSame({"XADD", "s", "MAXLEN", "-1", "*", "f", "v"});
  ExpectSame({"XADD", "s", "MAXLEN", "abc", "*", "f", "v"});
  ExpectSame({"XADD", "s", "MAXLEN", "~", "1", "MINID", "0", "*", "f", "v"});
  ExpectSame({"XADD", "s", "MINID", "(5", "*", "f", "v"});
  ExpectSame({"XADD", "s", "LIMIT", "5", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "LIMIT", "0", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "MAXLEN", "5", "LIMIT", "5", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "1-1", "f", "v"});
  ExpectSame({"XADD", "s", "NOMKSTREAM", "1-1", "f", "v"});
  ExpectSame({"EXISTS", "s"});
  ExpectSame({"XADD", "s", "nomkstream", "maxlen", "=", "0", "1-1", "f", "v"});
  ExpectSame({"SET", "str", "x"});
  ExpectSame({"XADD", "str", "1-1", "f", "v"});
  ExpectSame({"XADD", "str", "NOMKSTREAM", "1-1", "f", "v"});
  ExpectSame({"XLEN", "str"});
  ExpectSame({"XRANGE", "str", "-", "+"});
}

TEST_F(StreamsDiffTest, FieldsAndValuesRoundTrip) {
  ExpectSame({"XADD", "s", "1-1", "f", "v", "g", "w"});
  ExpectSame({"XADD", "s", "1-2", "f", "x", "g", "y"});
  ExpectSame({"XADD", "s", "1-3", "g", "x", "f", "y"});
  ExpectSame({"XADD", "s", "1-4", "f", "only"});
  ExpectSame({"XADD", "s", "1-5", "", "", "123", "-7"});
  ExpectSame({"XADD", "s", "1-6", std::string("a\0b", 3), std::string(300, 'z')});
  ExpectSame({"XADD", "s", "1-7", "f", "v", "f", "v"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XREVRANGE", "s", "+", "-"});
}

TEST_F(StreamsDiffTest, RangeBoundsAndCount) {
  Fill("s", 1, 12);
  ExpectSame({"XADD", "s", "5-0", "f", "v"});
  ExpectSame({"XADD", "s", "13-0", "f", "v"});
  ExpectSame({"XADD", "s", "13-5", "f", "v"});
  for (auto [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"-", "+"},
           {"3", "5"},
           {"3-1", "5-0"},
           {"(3-1", "5"},
           {"3", "(5-1"},
           {"(3", "(5"},
           {"13", "13"},
           {"13-1", "+"},
           {"(13-5", "+"},
           {"-", "(1-1"},
           {"0", "0"},
           {"5", "3"},
           {"(-", "+"},
           {"-", "(+"},
           {"(0-0", "+"},
           {"-", "(0-0"},
           {"(18446744073709551615-18446744073709551615", "+"},
           {"x", "+"},
           {"-", "y"},
           {"(", "+"},
           {"((1", "+"},
           {"1-", "+"}}) {
    ExpectSame({"XRANGE", "s", a, b});
    ExpectSame({"XREVRANGE", "s", b, a});
  }
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "3"});
  ExpectSame({"XRANGE", "s", "-", "+", "count", "0"});
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "-5"});
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "x"});
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT"});
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "2", "COUNT", "4"});
  ExpectSame({"XRANGE", "s", "-", "+", "LIMIT", "2"});
  ExpectSame({"XREVRANGE", "s", "+", "-", "COUNT", "4"});
  ExpectSame({"XRANGE", "missing", "-", "+"});
  ExpectSame({"XREVRANGE", "missing", "+", "-", "COUNT", "0"});
  ExpectSame({"XRANGE", "s", "-"});
}

TEST_F(StreamsDiffTest, ManyBlocksForwardAndReverse) {
  // Enough entries to span several blocks, with changing field sets.
  for (int i = 1; i <= 260; ++i) {
    std::vector<std::string> cmd = {"XADD", "big", std::to_string(i) + "-" + std::to_string(i % 4)};
    if (i % 7 == 0) {
      cmd.insert(cmd.end(), {"other", std::to_string(i)});
    } else {
      cmd.insert(cmd.end(), {"f", std::to_string(i), "g", "x"});
    }
    ExpectSame(cmd);
  }
  ExpectSame({"XLEN", "big"});
  ExpectSame({"XRANGE", "big", "-", "+"});
  ExpectSame({"XREVRANGE", "big", "+", "-"});
  ExpectSame({"XRANGE", "big", "99", "205", "COUNT", "50"});
  ExpectSame({"XREVRANGE", "big", "205", "99", "COUNT", "50"});
  ExpectSame({"XDEL", "big", "100-0", "101-1", "150-2", "1-1", "260-0", "999-0"});
  ExpectSame({"XRANGE", "big", "95", "105"});
  ExpectSame({"XREVRANGE", "big", "+", "250"});
  ExpectSame({"XINFO", "STREAM", "big"}, Compare::kExact);
}

TEST_F(StreamsDiffTest, XDel) {
  Fill("s", 1, 5);
  ExpectSame({"XDEL", "s", "2-1", "2-1", "9-9"});
  ExpectSame({"XDEL", "s", "3-1", "bad"});
  ExpectSame({"XDEL", "s", "-"});
  ExpectSame({"XDEL", "s", "3"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XDEL", "missing", "1-1"});
  ExpectSame({"XDEL", "s", "1-1", "4-1", "5-1"});
  ExpectSame({"XLEN", "s"});
  ExpectSame({"EXISTS", "s"});
  ExpectSame({"XADD", "s", "5-1", "f", "v"});
  ExpectSame({"XADD", "s", "6-1", "f", "v"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XDEL", "s"});
}

TEST_F(StreamsDiffTest, XTrimExactAndApprox) {
  Fill("s", 1, 250);
  ExpectSame({"XTRIM", "s", "MAXLEN", "245"});
  ExpectSame({"XTRIM", "s", "MAXLEN", "~", "200"});
  ExpectSame({"XLEN", "s"});
  ExpectSame({"XTRIM", "s", "MAXLEN", "~", "100"});
  ExpectSame({"XLEN", "s"});
  ExpectSame({"XTRIM", "s", "MINID", "~", "230"});
  ExpectSame({"XTRIM", "s", "MINID", "=", "230"});
  ExpectSame({"XTRIM", "s", "MINID", "230"});
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "3"});
  ExpectSame({"XTRIM", "s", "MAXLEN", "0"});
  ExpectSame({"XLEN", "s"});
  ExpectSame({"EXISTS", "s"});
  Fill("t", 1, 400);
  ExpectSame({"XTRIM", "t", "MAXLEN", "~", "10", "LIMIT", "150"});
  ExpectSame({"XTRIM", "t", "MAXLEN", "~", "10", "LIMIT", "0"});
  ExpectSame({"XLEN", "t"});
  ExpectSame({"XTRIM", "missing", "MAXLEN", "0"});
  ExpectSame({"XTRIM", "t"});
  ExpectSame({"XTRIM", "t", "LIMIT", "5"});
  ExpectSame({"XTRIM", "t", "MAXLEN", "5", "LIMIT", "5"});
  ExpectSame({"XTRIM", "t", "MAXLEN", "5", "MINID", "5"});
  ExpectSame({"XTRIM", "t", "MAXLEN", "~"});
  ExpectSame({"XTRIM", "t", "BOGUS", "1"});
  ExpectSame({"XTRIM", "t", "MINID", "bad"});
}

TEST_F(StreamsDiffTest, XAddTrimsWithMaxlenAndMinid) {
  for (int i = 1; i <= 330; ++i) {
    ExpectSame({"XADD", "s", "MAXLEN", "~", "120", std::to_string(i) + "-0", "f", "v"});
  }
  ExpectSame({"XLEN", "s"});
  for (int i = 331; i <= 340; ++i) {
    ExpectSame({"XADD", "s", "MAXLEN", "=", "50", std::to_string(i) + "-0", "f", "v"});
  }
  ExpectSame({"XRANGE", "s", "-", "+", "COUNT", "2"});
  ExpectSame({"XADD", "s", "MINID", "335", "341-0", "f", "v"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XADD", "s", "MAXLEN", "~", "0", "LIMIT", "1", "342-0", "f", "v"});
  ExpectSame({"XLEN", "s"});
}

TEST_F(StreamsDiffTest, NodeBoundariesFollowByteLimit) {
  // Large values fill a node by bytes before it reaches 100 entries; approximate trimming
  // removes whole nodes, so the count it reports shows where the nodes end.
  for (int i = 1; i <= 60; ++i) {
    ExpectSame({"XADD", "s", std::to_string(i) + "-0", "f", std::string(200 + i * 7, 'x')});
  }
  for (int keep : {55, 40, 20, 5}) {
    ExpectSame({"XTRIM", "s", "MAXLEN", "~", std::to_string(keep)});
  }
  for (int i = 1; i <= 120; ++i) {
    ExpectSame({"XADD", "n", std::to_string(i) + "-0", std::to_string(i * 1000), "12345", "name",
                std::string(i % 70, 'y')});
  }
  for (int keep : {110, 70, 30}) {
    ExpectSame({"XTRIM", "n", "MAXLEN", "~", std::to_string(keep)});
  }
}

TEST_F(StreamsDiffTest, XSetId) {
  Fill("s", 1, 3);
  ExpectSame({"XSETID", "s", "2-0"});
  ExpectSame({"XSETID", "s", "3-1"});
  ExpectSame({"XSETID", "s", "10-0"});
  ExpectSame({"XADD", "s", "9-0", "f", "v"});
  ExpectSame({"XADD", "s", "10-*", "f", "v"});
  ExpectSame({"XSETID", "s", "20-0", "ENTRIESADDED", "1"});
  ExpectSame({"XSETID", "s", "20-0", "ENTRIESADDED", "-1"});
  ExpectSame({"XSETID", "s", "20-0", "ENTRIESADDED", "50", "MAXDELETEDID", "15-0"});
  ExpectSame({"XSETID", "s", "20-0", "MAXDELETEDID", "25-0"});
  ExpectSame({"XSETID", "s", "14-0"});
  ExpectSame({"XSETID", "s", "20-0", "ENTRIESADDED"});
  ExpectSame({"XSETID", "s", "20-0", "BOGUS", "1"});
  ExpectSame({"XSETID", "s", "+"});
  ExpectSame({"XSETID", "s", "x"});
  ExpectSame({"XSETID", "missing", "1-1"});
  ExpectSame({"XINFO", "STREAM", "s"});
}

TEST_F(StreamsDiffTest, XReadWithoutBlocking) {
  Fill("a", 1, 5);
  Fill("b", 3, 2);
  ExpectSame({"XREAD", "STREAMS", "a", "0"});
  ExpectSame({"XREAD", "COUNT", "2", "STREAMS", "a", "b", "2-1", "0-0"});
  ExpectSame({"XREAD", "STREAMS", "a", "b", "$", "$"});
  ExpectSame({"XREAD", "STREAMS", "a", "missing", "4", "0"});
  ExpectSame({"XREAD", "STREAMS", "a", "5-1"});
  ExpectSame({"XREAD", "STREAMS", "a", "b"});
  ExpectSame({"XREAD", "STREAMS", "a", ">"});
  ExpectSame({"XREAD", "STREAMS", "a", "+"});
  ExpectSame({"XREAD", "STREAMS", "a", "-"});
  ExpectSame({"XREAD", "COUNT", "-1", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "COUNT", "x", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "GROUP", "g", "c", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "NOACK", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "BOGUS", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "COUNT", "1", "a", "3"});
  ExpectSame({"XREAD", "BLOCK", "-1", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "BLOCK", "x", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "BLOCK", "1.5", "STREAMS", "a", "3"});
  ExpectSame({"XREAD", "BLOCK", "10", "STREAMS", "a", "0"});
  ExpectSame({"XREAD", "BLOCK", "9223372036854775807", "STREAMS", "a", "0"});
  ExpectSame({"XREAD", "BLOCK", "-0", "STREAMS", "a", "0"});
  ExpectSame({"SET", "str", "x"});
  ExpectSame({"XREAD", "STREAMS", "a", "str", "0", "0"});
  ExpectSame({"XDEL", "a", "5-1"});
  ExpectSame({"XREAD", "STREAMS", "a", "4-1"});
  ExpectSame({"XREAD", "STREAMS", "a", "(4-1"});
  ExpectSame({"XREAD", "STREAMS"});
}

TEST_F(StreamsDiffTest, Resp3Replies) {
  Fill("a", 1, 3);
  SendBoth({"HELLO", "3"});
  ExpectSame({"XRANGE", "a", "-", "+", "COUNT", "0"});
  ExpectSame({"XREAD", "STREAMS", "a", "0"});
  ExpectSame({"XREAD", "STREAMS", "a", "9"});
  ExpectSame({"XADD", "new", "NOMKSTREAM", "1-1", "f", "v"});
  ExpectSame({"XINFO", "STREAM", "a"});
  SendBoth({"HELLO", "2"});
}

TEST_F(StreamsDiffTest, GenericKeyCommandsOnStreams) {
  Fill("s", 1, 3);
  ExpectSame({"TYPE", "s"});
  ExpectSame({"OBJECT", "ENCODING", "s"});
  ExpectSame({"COPY", "s", "c"});
  ExpectSame({"XADD", "c", "9-9", "only", "copy"});
  ExpectSame({"XRANGE", "s", "-", "+"});
  ExpectSame({"XRANGE", "c", "-", "+"});
  ExpectSame({"RENAME", "c", "r"});
  ExpectSame({"XLEN", "r"});
  ExpectSame({"EXPIRE", "r", "100"});
  ExpectSame({"TTL", "r"});
  ExpectSame({"SET", "str", "v"});
  ExpectSameScan({"SCAN", "0", "TYPE", "stream"});
  ExpectSame({"DEL", "s", "r"});
  ExpectSame({"EXISTS", "s", "r"});
  ExpectSame({"GET", "c"});
}

// Issue 21: UNLINK frees a stream in the background exactly when Redis 7.0 does. Redis weighs a
// stream by its radix tree's node count plus groups x (1 + the first group's PEL), against
// LAZYFREE_THRESHOLD (64); the node count depends on the IDs, not only on how many nodes
// (listpacks of 100 entries) there are. Each shape below sits on one side of the threshold.
TEST_F(StreamsDiffTest, UnlinkFreesInTheBackgroundAsRedisDecides) {
  // Adds `n` entries with IDs <ms0 + i * ms_step>-<seq0 + i * seq_step>, in one script call.
  const std::string fill =
      "for i = 0, tonumber(ARGV[1]) - 1 do redis.call('XADD', KEYS[1], "
      "(ARGV[2] + i * ARGV[3]) .. '-' .. (ARGV[4] + i * ARGV[5]), 'f', 'v') end";
  struct Shape {
    const char* what;
    int entries, ms0, ms_step, seq0, seq_step, groups, pending;
  };
  const Shape shapes[] = {
      {"2,600 entries, ms 1,2,3...: 26 nodes, 64 radix nodes", 2600, 1, 1, 1, 0, 0, 0},
      {"2,601 entries, ms 1,2,3...: 27 nodes, 66 radix nodes", 2601, 1, 1, 1, 0, 0, 0},
      {"4,400 entries in one ms: 44 nodes", 4400, 7, 0, 0, 1, 0, 0},
      {"4,401 entries in one ms: 45 nodes", 4401, 7, 0, 0, 1, 0, 0},
      {"one node and 62 groups", 100, 1, 1, 1, 0, 62, 0},
      {"one node and 63 groups", 100, 1, 1, 1, 0, 63, 0},
      {"one node, 2 groups, 30 pending in the first", 100, 1, 1, 1, 0, 2, 30},
      {"one node, 2 groups, 31 pending in the first", 100, 1, 1, 1, 0, 2, 31},
  };
  for (const Shape& shape : shapes) {
    SCOPED_TRACE(shape.what);
    ExpectSame({"EVAL", fill, "1", "s", std::to_string(shape.entries), std::to_string(shape.ms0),
                std::to_string(shape.ms_step), std::to_string(shape.seq0),
                std::to_string(shape.seq_step)});
    for (int g = 0; g < shape.groups; ++g) {
      ExpectSame({"XGROUP", "CREATE", "s", "g" + std::to_string(100 + g), "0"});
    }
    if (shape.pending > 0) {
      SendBoth({"XREADGROUP", "GROUP", "g100", "c", "COUNT", std::to_string(shape.pending),
                "STREAMS", "s", ">"});
    }
    SendBoth({"CONFIG", "RESETSTAT"});
    ExpectSame({"UNLINK", "s"});
    EXPECT_EQ(LazyFreedObjects(rill_client()), LazyFreedObjects(redis_client()))
        << "lazyfreed_objects, rill then redis";
  }
}

}  // namespace
}  // namespace rill::testing
