// List commands compared between rill and redis, blocking ones with a second connection.
#include <memory>
#include <thread>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class ListsDiffTest : public DifferentialTest {
 protected:
  // Lets both servers park a command just sent, before another client acts.
  static void Settle() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }
};

TEST_F(ListsDiffTest, PushPopLen) {
  ExpectSame({"LPUSH", "l", "a", "b", "c"});
  ExpectSame({"RPUSH", "l", "d", "e"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"LLEN", "l"});
  ExpectSame({"LLEN", "missing"});
  ExpectSame({"LPUSHX", "missing", "a"});
  ExpectSame({"RPUSHX", "missing", "a"});
  ExpectSame({"EXISTS", "missing"});
  ExpectSame({"LPUSHX", "l", "x", "y"});
  ExpectSame({"RPUSHX", "l", "z"});
  ExpectSame({"LPOP", "l"});
  ExpectSame({"RPOP", "l"});
  ExpectSame({"LPOP", "l", "2"});
  ExpectSame({"RPOP", "l", "0"});
  ExpectSame({"RPOP", "l", "100"});
  ExpectSame({"EXISTS", "l"});
  ExpectSame({"LPOP", "l"});
  ExpectSame({"LPOP", "l", "2"});
  ExpectSame({"LPOP", "missing", "0"});
  ExpectSame({"RPUSH", "l", "a"});
  for (const char* bad : {"-1", "x", "1.5", "99999999999999999999"}) {
    ExpectSame({"LPOP", "l", bad});
  }
  ExpectSame({"LPOP", "l", "1", "2"});
  ExpectSame({"LPUSH", "l"});
  ExpectSame({"LLEN"});
  ExpectSame({"SET", "s", "v"});
  for (const char* cmd : {"LPUSH", "RPUSH", "LPUSHX", "RPUSHX"}) ExpectSame({cmd, "s", "x"});
  ExpectSame({"LPOP", "s"});
  ExpectSame({"RPOP", "s", "2"});
  ExpectSame({"LLEN", "s"});
  ExpectSame({"TYPE", "l"});
  ExpectSame({"OBJECT", "ENCODING", "l"});
}

TEST_F(ListsDiffTest, RangeIndexSet) {
  ExpectSame({"RPUSH", "l", "a", "b", "c", "d", "e", "f"});
  for (auto [a, b] : std::vector<std::pair<const char*, const char*>>{
           {"0", "-1"},
           {"1", "3"},
           {"-3", "-1"},
           {"-100", "100"},
           {"4", "2"},
           {"6", "10"},
           {"-1", "-1"},
           {"0", "0"},
           {"-9223372036854775808", "9223372036854775807"}}) {
    ExpectSame({"LRANGE", "l", a, b});
  }
  ExpectSame({"LRANGE", "l", "x", "1"});
  ExpectSame({"LRANGE", "missing", "0", "-1"});
  for (const char* i : {"0", "5", "6", "-1", "-6", "-7", "x"}) ExpectSame({"LINDEX", "l", i});
  ExpectSame({"LINDEX", "missing", "0"});
  ExpectSame({"LSET", "l", "0", "A"});
  ExpectSame({"LSET", "l", "-1", "F"});
  ExpectSame({"LSET", "l", "6", "x"});
  ExpectSame({"LSET", "l", "-7", "x"});
  ExpectSame({"LSET", "l", "x", "x"});
  ExpectSame({"LSET", "missing", "0", "x"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"LRANGE", "s", "0", "-1"});
  ExpectSame({"LINDEX", "s", "0"});
  ExpectSame({"LSET", "s", "0", "x"});
}

TEST_F(ListsDiffTest, InsertRemTrim) {
  ExpectSame({"RPUSH", "l", "a", "b", "a", "c", "a"});
  ExpectSame({"LINSERT", "l", "BEFORE", "a", "x"});
  ExpectSame({"LINSERT", "l", "after", "c", "y"});
  ExpectSame({"LINSERT", "l", "after", "zz", "y"});
  ExpectSame({"LINSERT", "l", "middle", "a", "y"});
  ExpectSame({"LINSERT", "missing", "before", "a", "y"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"LREM", "l", "1", "a"});
  ExpectSame({"LREM", "l", "-1", "a"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"RPUSH", "l", "a", "a"});
  ExpectSame({"LREM", "l", "0", "a"});
  ExpectSame({"LREM", "l", "0", "nothing"});
  ExpectSame({"LREM", "l", "x", "a"});
  ExpectSame({"LREM", "missing", "0", "a"});
  ExpectSame({"LRANGE", "l", "0", "-1"});
  ExpectSame({"RPUSH", "t", "1", "2", "3", "4", "5", "6"});
  ExpectSame({"LTRIM", "t", "1", "-2"});
  ExpectSame({"LRANGE", "t", "0", "-1"});
  ExpectSame({"LTRIM", "t", "-100", "100"});
  ExpectSame({"LTRIM", "t", "3", "1"});
  ExpectSame({"EXISTS", "t"});
  ExpectSame({"LTRIM", "missing", "0", "1"});
  ExpectSame({"LTRIM", "l", "x", "1"});
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"LINSERT", "s", "before", "a", "b"});
  ExpectSame({"LREM", "s", "0", "a"});
  ExpectSame({"LTRIM", "s", "0", "1"});
}

TEST_F(ListsDiffTest, Lpos) {
  ExpectSame({"RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  ExpectSame({"LPOS", "l", "c"});
  ExpectSame({"LPOS", "l", "c", "RANK", "2"});
  ExpectSame({"LPOS", "l", "c", "RANK", "-1"});
  ExpectSame({"LPOS", "l", "c", "RANK", "-9223372036854775808"});
  ExpectSame({"LPOS", "l", "c", "RANK", "0"});
  ExpectSame({"LPOS", "l", "c", "COUNT", "0"});
  ExpectSame({"LPOS", "l", "c", "COUNT", "2"});
  ExpectSame({"LPOS", "l", "c", "COUNT", "2", "RANK", "-2"});
  ExpectSame({"LPOS", "l", "c", "COUNT", "-1"});
  ExpectSame({"LPOS", "l", "c", "MAXLEN", "3"});
  ExpectSame({"LPOS", "l", "c", "MAXLEN", "2"});
  ExpectSame({"LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"});
  ExpectSame({"LPOS", "l", "c", "MAXLEN", "-1"});
  ExpectSame({"LPOS", "l", "zz"});
  ExpectSame({"LPOS", "l", "zz", "COUNT", "1"});
  ExpectSame({"LPOS", "l", "c", "BOGUS", "1"});
  ExpectSame({"LPOS", "l", "c", "RANK"});
  ExpectSame({"LPOS", "l", "c", "RANK", "x"});
  ExpectSame({"LPOS", "missing", "c"});
  ExpectSame({"LPOS", "missing", "c", "COUNT", "0"});
}

TEST_F(ListsDiffTest, MoveAndMpop) {
  ExpectSame({"RPUSH", "src", "a", "b", "c"});
  ExpectSame({"LMOVE", "src", "dst", "LEFT", "RIGHT"});
  ExpectSame({"LMOVE", "src", "dst", "right", "left"});
  ExpectSame({"LMOVE", "src", "src", "LEFT", "RIGHT"});
  ExpectSame({"LMOVE", "src", "src", "LEFT", "LEFT"});
  ExpectSame({"LMOVE", "src", "dst", "UP", "LEFT"});
  ExpectSame({"RPOPLPUSH", "src", "dst"});
  ExpectSame({"RPOPLPUSH", "src", "dst"});
  ExpectSame({"EXISTS", "src"});
  ExpectSame({"LRANGE", "dst", "0", "-1"});
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"LMOVE", "dst", "s", "LEFT", "LEFT"});
  ExpectSame({"LMOVE", "s", "dst", "LEFT", "LEFT"});
  ExpectSame({"LMOVE", "missing", "s", "LEFT", "LEFT"});
  ExpectSame({"RPOPLPUSH", "missing", "dst"});
  ExpectSame({"LMPOP", "2", "missing", "dst", "LEFT"});
  ExpectSame({"LMPOP", "2", "missing", "dst", "RIGHT", "COUNT", "10"});
  ExpectSame({"LMPOP", "1", "missing", "LEFT"});
  ExpectSame({"LMPOP", "1", "s", "LEFT"});
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"LMPOP", "0", "l", "LEFT"},
           {"LMPOP", "x", "l", "LEFT"},
           {"LMPOP", "2", "l", "LEFT"},
           {"LMPOP", "1", "l", "MIDDLE"},
           {"LMPOP", "1", "l", "LEFT", "COUNT", "0"},
           {"LMPOP", "1", "l", "LEFT", "COUNT", "-1"},
           {"LMPOP", "1", "l", "LEFT", "COUNT"},
           {"LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"},
           {"LMPOP", "1", "l", "LEFT", "EXTRA"},
           {"LMPOP", "9223372036854775807", "l", "LEFT"}}) {
    ExpectSame(bad);
  }
}

TEST_F(ListsDiffTest, BlockingFormsWithDataOrErrors) {
  ExpectSame({"RPUSH", "l", "a", "b", "c"});
  ExpectSame({"BLPOP", "missing", "l", "0"});
  ExpectSame({"BRPOP", "l", "1.5"});
  ExpectSame({"BLMOVE", "l", "d", "LEFT", "LEFT", "0"});
  ExpectSame({"BRPOPLPUSH", "d", "l", "0"});
  ExpectSame({"BLMPOP", "0", "2", "missing", "l", "RIGHT", "COUNT", "5"});
  ExpectSame({"BLPOP", "missing", "0.01"});
  ExpectSame({"BLMOVE", "missing", "d", "LEFT", "LEFT", "0.01"});
  ExpectSame({"BLMPOP", "0.01", "1", "missing", "LEFT"});
  // (-0.001 rounds up to 0 ms: Redis blocks forever on it, and so does Rill.)
  for (const char* t : {"-1", "x", "inf", "nan", "1e400", "-1.001"}) {
    ExpectSame({"BLPOP", "l", t});
  }
  ExpectSame({"BLMOVE", "a", "b", "UP", "LEFT", "x"});
  ExpectSame({"BLMOVE", "a", "b", "LEFT", "LEFT", "x"});
  ExpectSame({"BLMPOP", "x", "1", "l", "MIDDLE"});
  ExpectSame({"BLMPOP", "x", "0", "l", "LEFT"});
  ExpectSame({"SET", "s", "v"});
  ExpectSame({"BLPOP", "missing", "s", "0"});
  ExpectSame({"BLMOVE", "s", "d", "LEFT", "LEFT", "0"});
  ExpectSame({"RPUSH", "src", "x"});
  ExpectSame({"BLMOVE", "src", "s", "LEFT", "LEFT", "0"});
  ExpectSame({"CLIENT", "UNBLOCK", "999999"});
  ExpectSame({"CLIENT", "UNBLOCK", "999999", "ERROR"});
  ExpectSame({"CLIENT", "UNBLOCK", "999999", "BOGUS"});
  ExpectSame({"CLIENT", "UNBLOCK", "x"});
}

TEST_F(ListsDiffTest, BlockedClientServedByPush) {
  ClientPair waiter = ConnectPair();
  SendPair(waiter, {"BLPOP", "q1", "q2", "0"});
  Settle();
  ExpectSame({"RPUSH", "q2", "job1", "job2"});
  ExpectSameRead(waiter, "BLPOP q1 q2 0 served by RPUSH q2");
  ExpectSame({"LRANGE", "q2", "0", "-1"});
  // BLMOVE waits, a push feeds it, and the moved element lands in the destination.
  SendPair(waiter, {"BLMOVE", "jobs", "processing", "RIGHT", "LEFT", "0"});
  Settle();
  ExpectSame({"LPUSH", "jobs", "j"});
  ExpectSameRead(waiter, "BLMOVE served");
  ExpectSame({"LRANGE", "processing", "0", "-1"});
  ExpectSame({"EXISTS", "jobs"});
  // BLMPOP with COUNT takes what is there.
  SendPair(waiter, {"BLMPOP", "0", "1", "m", "RIGHT", "COUNT", "5"});
  Settle();
  ExpectSame({"RPUSH", "m", "1", "2", "3"});
  ExpectSameRead(waiter, "BLMPOP served");
}

TEST_F(ListsDiffTest, WaitersServedInArrivalOrder) {
  ClientPair first = ConnectPair();
  ClientPair second = ConnectPair();
  ClientPair third = ConnectPair();
  SendPair(first, {"BRPOP", "q", "0"});
  Settle();
  SendPair(second, {"BRPOP", "q", "0"});
  Settle();
  SendPair(third, {"BRPOP", "q", "0"});
  Settle();
  ExpectSame({"LPUSH", "q", "a", "b", "c"});
  ExpectSameRead(first, "first waiter");
  ExpectSameRead(second, "second waiter");
  ExpectSameRead(third, "third waiter");
  ExpectSame({"EXISTS", "q"});
}

TEST_F(ListsDiffTest, TimeoutAndUnblock) {
  ClientPair waiter = ConnectPair();
  SendPair(waiter, {"BLPOP", "none", "0.05"});
  ExpectSameRead(waiter, "BLPOP timeout");
  SendPair(waiter, {"BLMOVE", "none", "d", "LEFT", "LEFT", "0.05"});
  ExpectSameRead(waiter, "BLMOVE timeout");
  // CLIENT UNBLOCK by id: the ids differ between servers, so each side asks its own.
  std::string rill_id = waiter.rill->Command({"CLIENT", "ID"});
  std::string redis_id = waiter.redis->Command({"CLIENT", "ID"});
  auto id_of = [](const std::string& reply) { return reply.substr(1, reply.size() - 3); };
  SendPair(waiter, {"BLPOP", "none", "0"});
  Settle();
  ExpectSameReplies("CLIENT UNBLOCK id",
                    rill_client().Command({"CLIENT", "UNBLOCK", id_of(rill_id)}),
                    redis_client().Command({"CLIENT", "UNBLOCK", id_of(redis_id)}));
  ExpectSameRead(waiter, "BLPOP after CLIENT UNBLOCK");
  SendPair(waiter, {"BLPOP", "none", "0"});
  Settle();
  ExpectSameReplies("CLIENT UNBLOCK id ERROR",
                    rill_client().Command({"CLIENT", "UNBLOCK", id_of(rill_id), "ERROR"}),
                    redis_client().Command({"CLIENT", "UNBLOCK", id_of(redis_id), "ERROR"}));
  ExpectSameRead(waiter, "BLPOP after CLIENT UNBLOCK ERROR");
  // The connection goes on normally afterwards, pipelined commands included.
  SendPair(waiter, {"PING"});
  ExpectSameRead(waiter, "PING after unblock");
}

TEST_F(ListsDiffTest, KeyCommandsOnLists) {
  ExpectSame({"RPUSH", "l", "a", "b"});
  ExpectSame({"COPY", "l", "c"});
  ExpectSame({"LRANGE", "c", "0", "-1"});
  ExpectSame({"RENAME", "c", "r"});
  ExpectSame({"LRANGE", "r", "0", "-1"});
  ExpectSame({"EXPIRE", "r", "100"});
  ExpectSame({"TTL", "r"});
  ExpectSame({"TYPE", "r"});
  ExpectSame({"OBJECT", "ENCODING", "r"});
  ExpectSameScan({"SCAN", "0", "TYPE", "list"});
  ExpectSame({"DEL", "l", "r"});
  ExpectSame({"EXISTS", "l", "r"});
}

}  // namespace
}  // namespace rill::testing
