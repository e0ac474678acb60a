// Consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO GROUPS /
// CONSUMERS / STREAM FULL, compared byte for byte with redis. Times (idle, delivery and seen
// times) depend on the clock, so those integers are masked before comparing; everything else
// must match exactly.
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Replaces clock-dependent integers: unix-ms times (13 digits) anywhere, and the integer after
// an "idle" key or in the idle slot of an XPENDING extended entry.
std::string MaskTimes(std::string reply) {
  static const std::regex kUnixMs(":1[0-9]{12}\r\n");
  static const std::regex kIdleKey("(\\$4\r\nidle\r\n):[0-9]+\r\n");
  static const std::regex kPendingIdle(
      "(\\*4\r\n\\$[0-9]+\r\n[0-9]+-[0-9]+\r\n\\$[0-9]+\r\n[^\r]*\r\n):[0-9]+\r\n");
  reply = std::regex_replace(reply, kUnixMs, ":<time>\r\n");
  reply = std::regex_replace(reply, kIdleKey, "$1:<idle>\r\n");
  reply = std::regex_replace(reply, kPendingIdle, "$1:<idle>\r\n");
  return reply;
}

class StreamsGroupsDiffTest : public DifferentialTest {
 protected:
  void ExpectSameMasked(const std::vector<std::string>& argv) {
    std::string rill = Rill(argv);
    std::string redis = Redis(argv);
    std::string text;
    for (const auto& a : argv) text += a + " ";
    EXPECT_EQ(MaskTimes(rill), MaskTimes(redis)) << "command: " << text;
  }
  void Fill(const std::string& key, int first, int n) {
    for (int i = first; i < first + n; ++i) {
      ExpectSame({"XADD", key, std::to_string(i) + "-0", "f", "v" + std::to_string(i)});
    }
  }
};

TEST_F(StreamsGroupsDiffTest, XGroupCreateAndErrors) {
  ExpectSame({"XGROUP", "CREATE", "s", "g", "$"});
  ExpectSame({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  ExpectSame({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  ExpectSame({"XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "5"});
  ExpectSame({"XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "-2"});
  ExpectSame({"XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "-1"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "0", "ENTRIESREAD", "x"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "-"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "bad"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "0", "BOGUS"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"});
  ExpectSame({"XGROUP", "CREATE", "s", "g"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "0", "MKSTREAM"});
  ExpectSame({"XGROUP", "SETID", "s", "nogroup", "0"});
  ExpectSame({"XGROUP", "SETID", "missing", "g", "0"});
  ExpectSame({"XGROUP", "CREATECONSUMER", "s", "nogroup", "c"});
  ExpectSame({"XGROUP", "DELCONSUMER", "s", "nogroup", "c"});
  ExpectSame({"XGROUP", "DESTROY", "s", "nogroup"});
  ExpectSame({"XGROUP", "DESTROY", "missing", "g"});
  ExpectSame({"XGROUP", "BOGUS", "s", "g"});
  ExpectSame({"XGROUP", "HELP"});
  ExpectSame({"XGROUP", "HELP", "extra"});
  ExpectSame({"XGROUP"});
  ExpectSame({"SET", "str", "x"});
  ExpectSame({"XGROUP", "CREATE", "str", "g", "$", "MKSTREAM"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XGROUP", "DESTROY", "s", "g3"});
  ExpectSame({"XGROUP", "DESTROY", "s", "g3"});
  ExpectSame({"XINFO", "GROUPS", "s"});
}

TEST_F(StreamsGroupsDiffTest, ReadGroupDeliversAndTracksPending) {
  Fill("s", 1, 6);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "bob", "COUNT", "3", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", "1-0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSameMasked({"XPENDING", "s", "g", "-", "+", "10"});
  ExpectSameMasked({"XPENDING", "s", "g", "-", "+", "10", "bob"});
  ExpectSameMasked({"XPENDING", "s", "g", "(2-0", "4", "2"});
  ExpectSame({"XPENDING", "s", "g", "-", "+", "10", "nobody"});
  ExpectSame({"XACK", "s", "g", "1-0", "3-0", "9-0"});
  ExpectSame({"XACK", "s", "g", "1-0"});
  ExpectSame({"XACK", "s", "g", "bad"});
  ExpectSame({"XACK", "s", "nogroup", "bad"});
  ExpectSame({"XACK", "missing", "g", "1-0"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSameMasked({"XINFO", "CONSUMERS", "s", "g"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XDEL", "s", "2-0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"});
  ExpectSameMasked({"XINFO", "STREAM", "s", "FULL"});
  ExpectSameMasked({"XINFO", "STREAM", "s", "FULL", "COUNT", "1"});
  ExpectSameMasked({"XINFO", "STREAM", "s", "FULL", "COUNT", "0"});
  ExpectSame({"XGROUP", "DELCONSUMER", "s", "g", "alice"});
  ExpectSame({"XGROUP", "DELCONSUMER", "s", "g", "alice"});
  ExpectSame({"XGROUP", "CREATECONSUMER", "s", "g", "dave"});
  ExpectSame({"XGROUP", "CREATECONSUMER", "s", "g", "dave"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSameMasked({"XINFO", "CONSUMERS", "s", "g"});
}

TEST_F(StreamsGroupsDiffTest, ReadGroupOptionsAndErrors) {
  Fill("s", 1, 3);
  Fill("t", 1, 2);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XGROUP", "CREATE", "t", "g", "$"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"});
  ExpectSame({"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "missing", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t"});
  ExpectSame({"XREADGROUP", "STREAMS", "s", ">", "x", "y"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "bad"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "1", "STREAMS", "s", ">"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "t", ">"});
  ExpectSame({"XADD", "t", "5-0", "f", "new"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", "0", "0"});
  ExpectSame({"XINFO", "GROUPS", "t"});
  SendBoth({"HELLO", "3"});
  ExpectSame({"XADD", "s", "9-0", "f", "v"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  SendBoth({"HELLO", "2"});
}

TEST_F(StreamsGroupsDiffTest, SetIdMovesGroupBack) {
  Fill("s", 1, 4);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "2-0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "3"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "-"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "+"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "x"});
}

TEST_F(StreamsGroupsDiffTest, LagAndEntriesRead) {
  // Lag as Redis 7.0 computes it, through deletions, trims and SETID.
  ExpectSame({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  Fill("s", 1, 10);
  ExpectSame({"XGROUP", "CREATE", "s", "g2", "0"});
  ExpectSame({"XGROUP", "CREATE", "s", "g3", "5-0"});
  ExpectSame({"XGROUP", "CREATE", "s", "g4", "$"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "s", ">"});
  ExpectSame({"XREADGROUP", "GROUP", "g2", "c", "COUNT", "3", "STREAMS", "s", ">"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XDEL", "s", "6-0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XREADGROUP", "GROUP", "g2", "c", "COUNT", "4", "STREAMS", "s", ">"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XREADGROUP", "GROUP", "g2", "c", "STREAMS", "s", ">"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XTRIM", "s", "MAXLEN", "3"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XDEL", "s", "1-0", "2-0", "3-0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XREADGROUP", "GROUP", "g3", "c", "STREAMS", "s", ">"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XDEL", "s", "8-0", "9-0", "10-0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XADD", "s", "11-0", "f", "v"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XSETID", "s", "20-0", "ENTRIESADDED", "30"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XINFO", "STREAM", "s"});
}

TEST_F(StreamsGroupsDiffTest, XClaim) {
  Fill("s", 1, 5);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
  ExpectSame({"XCLAIM", "s", "g", "b", "0", "1-0", "2-0"});
  ExpectSame({"XCLAIM", "s", "g", "b", "0", "3-0", "JUSTID"});
  ExpectSame({"XCLAIM", "s", "g", "b", "3600000", "4-0"});
  ExpectSame({"XCLAIM", "s", "g", "b", "-5", "4-0", "RETRYCOUNT", "7", "JUSTID"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "9-0", "FORCE"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "IDLE", "1000", "TIME", "0"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "IDLE", "x"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "TIME", "x"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "RETRYCOUNT", "x"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "LASTID", "x"});
  ExpectSame({"XCLAIM", "s", "g", "c", "0", "5-0", "BOGUS"});
  ExpectSame({"XCLAIM", "s", "g", "c", "x", "5-0"});
  ExpectSame({"XCLAIM", "s", "nog", "c", "0", "5-0"});
  ExpectSame({"XCLAIM", "missing", "g", "c", "0", "5-0"});
  ExpectSameMasked({"XPENDING", "s", "g", "-", "+", "10"});
  ExpectSame({"XACK", "s", "g", "1-0", "2-0"});
  ExpectSame({"XCLAIM", "s", "g", "d", "0", "1-0", "2-0", "FORCE", "JUSTID"});
  ExpectSameMasked({"XPENDING", "s", "g", "-", "+", "10"});
  ExpectSame({"XDEL", "s", "3-0"});
  ExpectSame({"XCLAIM", "s", "g", "d", "0", "3-0", "4-0"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XCLAIM", "s", "g", "d", "0", "4-0", "LASTID", "100-0", "JUSTID"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSameMasked({"XPENDING", "s", "g", "IDLE", "0", "-", "+", "10", "d"});
}

TEST_F(StreamsGroupsDiffTest, XPendingArguments) {
  Fill("s", 1, 3);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
  ExpectSame({"XPENDING", "s", "g", "-", "+"});
  ExpectSame({"XPENDING", "s", "g", "-", "+", "x"});
  ExpectSame({"XPENDING", "s", "g", "x", "+", "5"});
  ExpectSame({"XPENDING", "s", "g", "-", "y", "5"});
  ExpectSame({"XPENDING", "s", "g", "(18446744073709551615-18446744073709551615", "+", "5"});
  ExpectSame({"XPENDING", "s", "g", "-", "(0-0", "5"});
  ExpectSame({"XPENDING", "s", "g", "IDLE", "x", "-", "+", "5"});
  ExpectSame({"XPENDING", "s", "g", "IDLE", "5", "-", "+"});
  ExpectSame({"XPENDING", "s", "g", "IDLE", "3600000", "-", "+", "5"});
  ExpectSame({"XPENDING", "s", "g", "-", "+", "0"});
  ExpectSame({"XPENDING", "s", "g", "-", "+", "-3"});
  ExpectSame({"XPENDING", "s", "g", "-", "+", "5", "a", "extra", "more", "args"});
  ExpectSame({"XPENDING", "s", "nog"});
  ExpectSame({"XPENDING", "missing", "g", "-", "+", "5"});
  ExpectSame({"SET", "str", "x"});
  ExpectSame({"XPENDING", "str", "g"});
}

TEST_F(StreamsGroupsDiffTest, XAutoClaim) {
  Fill("s", 1, 8);
  ExpectSame({"XGROUP", "CREATE", "s", "g", "0"});
  ExpectSame({"XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "b", "0", "0", "COUNT", "3"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "b", "0", "4-0", "COUNT", "2", "JUSTID"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "b", "3600000", "0"});
  ExpectSame({"XDEL", "s", "6-0", "7-0"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "(5-0", "COUNT", "2"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0"});
  ExpectSame({"XPENDING", "s", "g"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "x"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "9223372036854775807"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "576460752303423487"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "0", "BOGUS"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "x", "0"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "x"});
  ExpectSame({"XAUTOCLAIM", "s", "g", "c", "0", "(18446744073709551615-18446744073709551615"});
  ExpectSame({"XAUTOCLAIM", "s", "nog", "c", "0", "0"});
  ExpectSame({"XAUTOCLAIM", "missing", "g", "c", "0", "0"});
  ExpectSame({"XINFO", "GROUPS", "s"});
}

TEST_F(StreamsGroupsDiffTest, XInfoArgumentsAndHelp) {
  Fill("s", 1, 2);
  ExpectSame({"XINFO", "HELP"});
  ExpectSame({"XINFO", "STREAM", "s", "FULL", "COUNT"});
  ExpectSame({"XINFO", "STREAM", "s", "FOOL"});
  ExpectSame({"XINFO", "STREAM", "s", "FULL", "LIMIT", "1"});
  ExpectSame({"XINFO", "STREAM", "s", "FULL", "COUNT", "x"});
  ExpectSame({"XINFO", "STREAM", "s", "FULL", "COUNT", "-1"});
  ExpectSame({"XINFO", "STREAM", "missing"});
  ExpectSame({"XINFO", "GROUPS", "missing"});
  ExpectSame({"XINFO", "CONSUMERS", "s", "nog"});
  ExpectSame({"XINFO", "CONSUMERS", "s"});
  ExpectSame({"XINFO", "BOGUS", "s"});
  ExpectSame({"XINFO", "STREAM"});
  ExpectSame({"XINFO", "GROUPS", "s"});
  ExpectSame({"XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"});
  ExpectSame({"XINFO", "STREAM", "empty"});
  ExpectSame({"XINFO", "STREAM", "empty", "FULL"});
  ExpectSame({"SET", "str", "x"});
  ExpectSame({"XINFO", "STREAM", "str"});
}

// Random mixes of every stream command on two keys, two groups and three consumers (fixed
// seeds, so failures reproduce): the replies must match step by step, in RESP2 and RESP3.
class StreamsRandomDiffTest : public StreamsGroupsDiffTest {
 protected:
  void RunRandom(uint64_t seed, int steps) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    auto chance = [&](double p) { return static_cast<double>(rng() % 10000) < p * 10000; };
    const char* keys[] = {"s", "t"};
    const char* groups[] = {"g1", "g2"};
    const char* consumers[] = {"c1", "c2", "c3"};
    uint64_t top_ms[2] = {1, 1};
    for (int step = 0; step < steps; ++step) {
      const int ki = pick(2);
      const std::string k = keys[ki], g = groups[pick(2)], c = consumers[pick(3)];
      auto id = [&] {
        return std::to_string(rng() % (top_ms[ki] + 3)) + "-" + std::to_string(pick(4));
      };
      auto bound = [&] {
        switch (pick(5)) {
          case 0:
            return std::string("-");
          case 1:
            return std::string("+");
          case 2:
            return "(" + id();
          case 3:
            return std::to_string(rng() % (top_ms[ki] + 3));
          default:
            return id();
        }
      };
      auto trim = [&]() -> std::vector<std::string> {
        switch (pick(4)) {
          case 0:
            return {"MAXLEN", "~", std::to_string(pick(300))};
          case 1:
            return {"MAXLEN", std::to_string(pick(300))};
          case 2:
            return {"MINID", "~", id()};
          default:
            return {"MINID", id()};
        }
      };
      std::vector<std::string> cmd;
      const int r = pick(100);
      if (r < 30) {
        top_ms[ki] += std::vector<uint64_t>{0, 1, 1, 2, 50}[pick(5)];
        cmd = {"XADD", k};
        if (chance(0.2)) {
          for (auto& a : trim()) cmd.push_back(a);
        }
        const std::string ms = std::to_string(top_ms[ki]);
        cmd.push_back(pick(3) == 0 ? ms : ms + (pick(2) ? "-*" : "-" + std::to_string(pick(4))));
        if (pick(2)) {
          cmd.insert(cmd.end(), {"f", std::to_string(step)});
        } else {
          cmd.insert(cmd.end(), {"a", "1", "b", ""});
        }
      } else if (r < 36) {
        cmd = {"XDEL", k, id(), id()};
      } else if (r < 39) {
        cmd = {"XTRIM", k};
        for (auto& a : trim()) cmd.push_back(a);
      } else if (r < 45) {
        cmd = {pick(2) ? "XRANGE" : "XREVRANGE", k, bound(), bound()};
        if (pick(2)) cmd.insert(cmd.end(), {"COUNT", std::to_string(pick(20))});
      } else if (r < 47) {
        cmd = {"XGROUP", "CREATE", k, g, pick(2) ? "$" : id()};
        if (pick(2)) cmd.push_back("MKSTREAM");
      } else if (r < 48) {
        cmd = {"XGROUP", "SETID", k, g, pick(2) ? "$" : id()};
      } else if (r < 49) {
        cmd = {"XGROUP", pick(2) ? "DESTROY" : "DELCONSUMER", k, g};
        if (cmd[1] == "DELCONSUMER") cmd.push_back(c);
      } else if (r < 60) {
        cmd = {"XREADGROUP", "GROUP", g, c, "COUNT", std::to_string(1 + pick(10))};
        if (chance(0.1)) cmd.push_back("NOACK");
        cmd.insert(cmd.end(), {"STREAMS", k, pick(4) == 0 ? id() : ">"});
      } else if (r < 68) {
        cmd = {"XACK", k, g, id(), id(), id()};
      } else if (r < 72) {
        cmd = {"XCLAIM", k, g, c, "0", id(), id()};
        if (pick(2)) cmd.push_back(pick(2) ? "FORCE" : "JUSTID");
      } else if (r < 76) {
        cmd = {
            "XAUTOCLAIM", k, g, c, "0", pick(2) ? "0" : id(), "COUNT", std::to_string(1 + pick(5))};
      } else if (r < 80) {
        cmd = {"XPENDING", k, g};
        if (pick(2)) cmd.insert(cmd.end(), {bound(), bound(), std::to_string(1 + pick(5))});
      } else if (r < 86) {
        cmd = {"XINFO", "GROUPS", k};
      } else if (r < 90) {
        cmd = {"XINFO", "STREAM", k};
        if (pick(2)) cmd.push_back("FULL");
      } else if (r < 92) {
        cmd = {"XINFO", "CONSUMERS", k, g};
      } else if (r < 96) {
        cmd = {"XREAD", "COUNT", std::to_string(1 + pick(5)), "STREAMS", k, pick(2) ? "$" : id()};
      } else {
        top_ms[ki] += static_cast<uint64_t>(pick(3));
        cmd = {"XSETID", k, std::to_string(top_ms[ki]) + "-" + std::to_string(pick(4))};
      }
      ExpectSameMasked(cmd);
      if (HasFailure()) {
        ADD_FAILURE() << "seed " << seed << " step " << step;
        return;
      }
    }
  }
};

TEST_F(StreamsRandomDiffTest, Resp2) { RunRandom(1, 4000); }

TEST_F(StreamsRandomDiffTest, Resp3) {
  SendBoth({"HELLO", "3"});
  RunRandom(2, 4000);
  SendBoth({"HELLO", "2"});
}

}  // namespace
}  // namespace rill::testing
