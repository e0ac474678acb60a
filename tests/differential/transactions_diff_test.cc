// MULTI/EXEC/WATCH and pub/sub compared between rill and redis, with extra connections where
// another client must act (WATCH invalidation, publishing to a subscriber).
#include <memory>
#include <thread>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class TxPubSubDiffTest : public DifferentialTest {};

TEST_F(TxPubSubDiffTest, MultiExecBasicsAndErrors) {
  ExpectSame({"EXEC"});
  ExpectSame({"DISCARD"});
  ExpectSame({"MULTI"});
  ExpectSame({"MULTI"});
  ExpectSame({"WATCH", "x"});
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"INCR", "a"});
  ExpectSame({"LPUSH", "a", "x"});
  ExpectSame({"BLPOP", "nothing", "0"});
  ExpectSame({"GET", "a"});
  ExpectSame({"EXEC"});
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "a", "2"});
  ExpectSame({"NOSUCH"});
  ExpectSame({"GET"});
  ExpectSame({"EXEC"});
  ExpectSame({"GET", "a"});
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "a", "3"});
  ExpectSame({"DISCARD"});
  ExpectSame({"GET", "a"});
  ExpectSame({"MULTI"});
  ExpectSame({"EXEC"});
  ExpectSame({"MULTI", "extra"});
  ExpectSame({"EXEC", "extra"});
}

TEST_F(TxPubSubDiffTest, WatchInvalidation) {
  ClientPair other = ConnectPair();
  ExpectSame({"SET", "k", "1"});
  ExpectSame({"WATCH", "k"});
  ExpectSamePair(other, {"SET", "k", "2"});
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "k", "3"});
  ExpectSame({"EXEC"});
  ExpectSame({"GET", "k"});
  // Untouched watch: EXEC runs.
  ExpectSame({"WATCH", "k", "untouched"});
  ExpectSame({"MULTI"});
  ExpectSame({"INCR", "k"});
  ExpectSame({"EXEC"});
  // Touches by deletion, expiry set, rename, list push and FLUSHDB all invalidate.
  for (const std::vector<std::string>& touch : std::vector<std::vector<std::string>>{
           {"DEL", "k"}, {"EXPIRE", "k", "100"}, {"RENAME", "k", "k2"}, {"FLUSHDB"}}) {
    ExpectSame({"SET", "k", "1"});
    ExpectSame({"WATCH", "k"});
    ExpectSamePair(other, touch);
    ExpectSame({"MULTI"});
    ExpectSame({"GET", "k"});
    ExpectSame({"EXEC"});
  }
  // FLUSHDB of a database without the watched key leaves the transaction alone.
  ExpectSame({"WATCH", "absent"});
  ExpectSamePair(other, {"FLUSHDB"});
  ExpectSame({"MULTI"});
  ExpectSame({"PING"});
  ExpectSame({"EXEC"});
  // UNWATCH forgets.
  ExpectSame({"SET", "k", "1"});
  ExpectSame({"WATCH", "k"});
  ExpectSame({"UNWATCH"});
  ExpectSamePair(other, {"SET", "k", "9"});
  ExpectSame({"MULTI"});
  ExpectSame({"GET", "k"});
  ExpectSame({"EXEC"});
}

TEST_F(TxPubSubDiffTest, ExecWakesBlockedClientAfterwards) {
  ClientPair waiter = ConnectPair();
  waiter.rill->Send({"BLPOP", "q", "0"});
  waiter.redis->Send({"BLPOP", "q", "0"});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ExpectSame({"MULTI"});
  ExpectSame({"RPUSH", "q", "a"});
  ExpectSame({"LPOP", "q"});
  ExpectSame({"RPUSH", "q", "b"});
  ExpectSame({"EXEC"});
  ExpectSameRead(waiter, "BLPOP served after EXEC");
}

TEST_F(TxPubSubDiffTest, SubscribeModeRules) {
  ExpectSame({"SUBSCRIBE", "c1", "c2"});
  ExpectSame({"GET", "a"});
  ExpectSame({"PING"});
  ExpectSame({"PING", "hi"});
  ExpectSame({"PSUBSCRIBE", "p*"});
  ExpectSame({"UNSUBSCRIBE", "c1"});
  ExpectSame({"UNSUBSCRIBE"});
  ExpectSame({"UNSUBSCRIBE"});
  ExpectSame({"PUNSUBSCRIBE"});
  ExpectSame({"PUNSUBSCRIBE"});
  ExpectSame({"SSUBSCRIBE", "s1"});
  ExpectSame({"SUNSUBSCRIBE"});
  ExpectSame({"SUNSUBSCRIBE"});
  ExpectSame({"SUBSCRIBE", "c"});
  ExpectSame({"EXEC"});  // refused EXEC: EXECABORT quoting the subscribed-mode error
  ExpectSame({"RESET"});
  ExpectSame({"GET", "a"});
  ExpectSame({"PUBSUB", "NUMPAT"});
  ExpectSame({"PUBSUB", "BOGUS"});
  ExpectSame({"PUBSUB", "HELP"});
  ExpectSame({"SUBSCRIBE"});
}

TEST_F(TxPubSubDiffTest, PublishReachesChannelAndPatternSubscribers) {
  ClientPair sub = ConnectPair();
  ExpectSamePair(sub, {"SUBSCRIBE", "news"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "n*"});
  ExpectSame({"PUBSUB", "CHANNELS"});
  ExpectSame({"PUBSUB", "CHANNELS", "ne*"});
  ExpectSame({"PUBSUB", "NUMSUB", "news", "other"});
  ExpectSame({"PUBSUB", "NUMPAT"});
  ExpectSame({"PUBLISH", "news", "hello"});
  ExpectSameRead(sub, "message");
  ExpectSameRead(sub, "pmessage");
  ExpectSame({"PUBLISH", "nothing-here", "x"});
  ExpectSame({"PUBLISH", "nx", "only pattern"});
  ExpectSameRead(sub, "pmessage only");
  // RESP3 subscriber: push frames, and ordinary commands still allowed.
  ClientPair sub3 = ConnectPair();
  sub3.rill->Hello3();
  sub3.redis->Hello3();
  ExpectSamePair(sub3, {"SUBSCRIBE", "news"});
  ExpectSamePair(sub3, {"SET", "k", "v"});
  ExpectSame({"PUBLISH", "news", "again"});
  ExpectSameRead(sub3, "RESP3 message");
  ExpectSameRead(sub, "message 2");
  ExpectSameRead(sub, "pmessage 2");
  ExpectSame({"SPUBLISH", "news", "x"});
}

TEST_F(TxPubSubDiffTest, KeyspaceNotifications) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__key*__:*"});
  ExpectSame({"SET", "k", "v"});
  ExpectSameRead(sub, "keyspace set");
  ExpectSameRead(sub, "keyevent set");
  ExpectSame({"RPUSH", "l", "a", "b"});
  ExpectSameRead(sub, "keyspace rpush");
  ExpectSameRead(sub, "keyevent rpush");
  ExpectSame({"DEL", "k"});
  ExpectSameRead(sub, "keyspace del");
  ExpectSameRead(sub, "keyevent del");
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "El"});
  ExpectSame({"CONFIG", "GET", "notify-keyspace-events"});
  ExpectSame({"SET", "k", "v"});  // string class not selected: nothing
  ExpectSame({"LPOP", "l"});
  ExpectSameRead(sub, "keyevent lpop only");
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", ""});
}

// Every write command's keyspace events, in order, as Redis names them. The subscriber reads
// until a PING marker so that "no event" is compared too.
TEST_F(TxPubSubDiffTest, KeyspaceEventsOfEveryWriteCommand) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__keyevent@*"});
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "s", "1"},
      {"SET", "s", "2", "EX", "100"},
      {"SETNX", "s", "3"},
      {"SETEX", "s2", "100", "v"},
      {"PSETEX", "s3", "100000", "v"},
      {"GETSET", "s", "4"},
      {"GETDEL", "s2"},
      {"GETEX", "s3", "PERSIST"},
      {"GETEX", "s3", "EX", "50"},
      {"MSET", "a", "1", "b", "2"},
      {"MSETNX", "c", "1", "d", "2"},
      {"INCR", "a"},
      {"DECRBY", "a", "5"},
      {"INCRBYFLOAT", "a", "1.5"},
      {"APPEND", "b", "x"},
      {"SETRANGE", "b", "5", "y"},
      {"EXPIRE", "b", "100"},
      {"PEXPIREAT", "b", "4102444800000"},
      {"PERSIST", "b"},
      {"EXPIRE", "b", "0"},
      {"RENAME", "c", "c2"},
      {"COPY", "c2", "c3"},
      {"MOVE", "c3", "1"},
      {"DEL", "c2", "d", "missing"},
      {"UNLINK", "a"},
      {"RPUSH", "l", "a", "b", "c"},
      {"LPUSH", "l", "z"},
      {"LINSERT", "l", "BEFORE", "b", "x"},
      {"LSET", "l", "0", "y"},
      {"LREM", "l", "1", "x"},
      {"LTRIM", "l", "0", "1"},
      {"LMOVE", "l", "l2", "LEFT", "RIGHT"},
      {"RPOPLPUSH", "l", "l2"},
      {"LPOP", "l2"},
      {"RPOP", "l2"},
      {"SWAPDB", "0", "1"},
      {"FLUSHDB"},
  };
  std::string all_rill_events;
  for (const auto& argv : commands) {
    ExpectSame(argv);
    ExpectSame({"PUBLISH", "__keyevent@marker", "done"});
    // Read each side up to the marker.
    std::string rill_events, redis_events;
    for (RespClient* c : {sub.rill.get(), sub.redis.get()}) {
      std::string& events = c == sub.rill.get() ? rill_events : redis_events;
      while (true) {
        std::string frame = c->ReadReply();
        if (frame.empty()) break;
        if (frame.find("marker") != std::string::npos) break;
        events += frame;
      }
    }
    ExpectSameReplies("events of " + argv[0], rill_events, redis_events);
    all_rill_events += rill_events;
  }
  // The comparison is not vacuous: events did arrive.
  EXPECT_NE(all_rill_events.find("__keyevent@0__:lpush"), std::string::npos);
  EXPECT_NE(all_rill_events.find("__keyevent@0__:rename_to"), std::string::npos);
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", ""});
}

// Every event name string and key commands publish, in order, compared as one stream: the
// subscriber reads until a sentinel message, so missing and extra events both show.
TEST_F(TxPubSubDiffTest, KeyEventNamesOfStringAndKeyCommands) {
  ClientPair sub = ConnectPair();
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  ExpectSamePair(sub, {"PSUBSCRIBE", "__keyevent@*"});
  const std::vector<std::vector<std::string>> commands = {
      {"SET", "k", "v", "EX", "100"},
      {"GETEX", "k", "PERSIST"},
      {"GETEX", "k", "EX", "50"},
      {"INCRBY", "n", "5"},
      {"DECR", "n"},
      {"INCRBYFLOAT", "f", "1.5"},
      {"APPEND", "k", "x"},
      {"SETRANGE", "k", "1", "yy"},
      {"GETDEL", "k"},
      {"MSET", "a", "1", "b", "2"},
      {"SETNX", "a", "2"},
      {"MSETNX", "a", "1", "z", "1"},
      {"GETSET", "a", "3"},
      {"SETEX", "s", "100", "v"},
      {"PSETEX", "t", "100000", "v"},
      {"COPY", "a", "c"},
      {"RENAME", "c", "d"},
      {"RENAMENX", "d", "e"},
      {"EXPIRE", "e", "100"},
      {"PEXPIREAT", "e", "99999999999999"},
      {"PERSIST", "e"},
      {"MOVE", "e", "1"},
      {"DEL", "a", "b", "nope"},
      {"UNLINK", "s"},
      {"EXPIRE", "n", "0"},
      {"SET", "t", "v", "KEEPTTL"},
      {"SET", "t", "w", "GET"},
      {"SELECT", "1"},
      {"DEL", "e"},
      {"SELECT", "0"},
      {"PUBLISH", "__keyevent@0__:sentinel", "end"}};
  for (const auto& argv : commands) ExpectSame(argv);
  auto read_until_sentinel = [](RespClient& c) {
    std::string all;
    for (int i = 0; i < 200; ++i) {
      std::string frame = c.ReadReply();
      all += frame;
      if (frame.empty() || frame.find("sentinel") != std::string::npos) break;
    }
    return all;
  };
  ExpectSameReplies("key events", read_until_sentinel(*sub.rill), read_until_sentinel(*sub.redis));
  ExpectSame({"CONFIG", "SET", "notify-keyspace-events", ""});
}

}  // namespace
}  // namespace rill::testing
