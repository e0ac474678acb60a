// Client-side caching (CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO) compared with
// redis-server: the options' errors in Redis's order, the invalidation messages (RESP3 pushes,
// the RESP2 redirect through __redis__:invalidate, BCAST batches, the flush null,
// tracking-redir-broken), OPTIN/OPTOUT/NOLOOP, scripts, expiry, the table limit and the INFO
// fields. Messages are read up to the reply of a PING sent after them: on one connection they
// arrive in order, so "what came before PONG" is the same bytes on both servers.
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/support/differential.h"
#include "tests/support/keyspace_snapshot.h"

namespace rill::testing {
namespace {

class TrackingDiffTest : public DifferentialTest {
 protected:
  // Frames `c` received before the reply to a PING sent now.
  static std::string Drain(RespClient& c) {
    c.Send({"PING"});
    std::string frames;
    for (int i = 0; i < 100; ++i) {
      std::string frame = c.ReadReply();
      if (frame.empty()) return frames + "<no PONG: " + c.last_error() + ">";
      // RESP2 with subscriptions answers PING as a message.
      if (frame == "+PONG\r\n" || frame == "*2\r\n$4\r\npong\r\n$0\r\n\r\n") return frames;
      frames += frame;
    }
    return frames + "<too many frames>";
  }
  // Drain on both sides of a pair; Redis's frames have its client ids replaced by Rill's.
  std::string ExpectSameDrain(ClientPair& p, const std::string& what,
                              const std::vector<std::pair<int64_t, int64_t>>& ids = {}) {
    std::string a = Drain(*p.rill);
    std::string b = WithIds(Drain(*p.redis), ids);
    ExpectSameReplies(what, a, b);
    return a;
  }
  static int64_t Id(RespClient& c) {
    int64_t id = -1;
    const std::string reply = c.Command({"CLIENT", "ID"});
    ParseInt64(std::string_view(reply).substr(1, reply.size() - 3), &id);
    return id;
  }
  // Redis's id numbers -> Rill's, in integer replies.
  static std::string WithIds(std::string reply,
                             const std::vector<std::pair<int64_t, int64_t>>& ids) {
    for (const auto& [rill_id, redis_id] : ids) {
      reply = absl::StrReplaceAll(
          reply, {{absl::StrCat(":", redis_id, "\r\n"), absl::StrCat(":", rill_id, "\r\n")}});
    }
    return reply;
  }
  // A pair switched to RESP3 (the HELLO replies differ by their ids).
  ClientPair ConnectResp3Pair() {
    ClientPair p = ConnectPair();
    p.rill->Hello3();
    p.redis->Hello3();
    return p;
  }
  // The same INFO field on both servers.
  void ExpectSameInfo(const std::string& section, const std::string& field) {
    const std::string a = InfoField(rill_client(), section, field);
    EXPECT_FALSE(a.empty()) << field;
    EXPECT_EQ(a, InfoField(redis_client(), section, field)) << field;
  }
  void ExpectSameTrackingInfo() {
    ExpectSameInfo("clients", "tracking_clients");
    ExpectSameInfo("stats", "tracking_total_keys");
    ExpectSameInfo("stats", "tracking_total_items");
    ExpectSameInfo("stats", "tracking_total_prefixes");
  }
  // The value of `field=` in the client's own CLIENT INFO line.
  static std::string ClientInfoField(RespClient& c, const std::string& field) {
    const std::string line = c.Command({"CLIENT", "INFO"});
    const size_t at = line.find(" " + field + "=");
    if (at == std::string::npos) return "<none>";
    const size_t start = at + field.size() + 2;
    return line.substr(start, line.find(' ', start) - start);
  }
};

TEST_F(TrackingDiffTest, OptionErrorsInRedisOrder) {
  ExpectSame({"CLIENT", "TRACKING"});
  ExpectSame({"CLIENT", "TRACKING", "maybe"});
  ExpectSame({"CLIENT", "TRACKING", "maybe", "foo"});
  ExpectSame({"CLIENT", "TRACKING", "on", "foo"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect"});
  ExpectSame({"CLIENT", "TRACKING", "on", "prefix"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect", "abc"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect", "0"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect", "-1"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect", "99999"});
  ExpectSame({"CLIENT", "TRACKING", "on", "redirect", "99999", "redirect", "1"});
  ExpectSame({"CLIENT", "TRACKING", "on", "prefix", "a"});
  ExpectSame({"CLIENT", "TRACKING", "on", "optin", "optout"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "optin"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "optout", "optin"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "xy", "prefix", "z", "prefix", "x"});
  ExpectSame({"CLIENT", "TRACKING", "off", "bcast", "optin", "optout", "prefix", "a"});
  ExpectSame({"CLIENT", "TRACKING", "off", "foo"});
  ExpectSame({"CLIENT", "CACHING"});
  ExpectSame({"CLIENT", "CACHING", "yes"});
  ExpectSame({"CLIENT", "CACHING", "maybe"});
  ExpectSame({"CLIENT", "CACHING", "yes", "extra"});
  ExpectSame({"CLIENT", "GETREDIR", "x"});
  ExpectSame({"CLIENT", "TRACKINGINFO", "x"});
  ExpectSame({"CLIENT", "TRACKING", "ON"});
  ExpectSame({"CLIENT", "CACHING", "yes"});
  ExpectSame({"CLIENT", "CACHING", "no"});
  ExpectSame({"CLIENT", "CACHING", "maybe"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast"});
  ExpectSame({"CLIENT", "TRACKING", "on", "optin"});
  ExpectSame({"CLIENT", "TRACKING", "on", "optout"});
  ExpectSame({"CLIENT", "CACHING", "no"});
  ExpectSame({"CLIENT", "TRACKING", "off"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "a"});
  ExpectSame({"CLIENT", "TRACKING", "on"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "ab"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "", "prefix", "q"});
  ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "b"});
  ExpectSame({"CLIENT", "TRACKINGINFO"});
}

// Redis 7.0's prefix check returns the index of a colliding prefix as its "false": past the
// first one the error is followed by +OK and tracking is on with every prefix.
TEST_F(TrackingDiffTest, LaterPrefixOverlapRepliesTwice) {
  InBothProtocols([&] {
    ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "a", "prefix", "b", "prefix", "bc"});
    ExpectSameReplies("second reply", rill_client().ReadReply(), redis_client().ReadReply());
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSameTrackingInfo();
    ExpectSame({"CLIENT", "TRACKING", "off"});
  });
}

TEST_F(TrackingDiffTest, TrackingInfoAndGetRedirInBothProtocols) {
  InBothProtocols([&] {
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSame({"CLIENT", "GETREDIR"});
    ExpectSame({"CLIENT", "TRACKING", "on", "optin", "noloop"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSame({"CLIENT", "CACHING", "yes"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});  // CLIENT commands keep the flag
    ExpectSame({"PING"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});  // gone after one other command
    ExpectSame({"CLIENT", "GETREDIR"});
    ExpectSame({"CLIENT", "TRACKING", "off"});
    ExpectSame({"CLIENT", "TRACKING", "on", "optout"});
    ExpectSame({"CLIENT", "CACHING", "no"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSame({"CLIENT", "TRACKING", "off"});
    ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "user:", "prefix", "obj:"});
    ExpectSame({"CLIENT", "TRACKING", "on", "bcast", "prefix", "job:", "noloop"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSameTrackingInfo();
    ExpectSame({"CLIENT", "TRACKING", "off"});
    ExpectSame({"CLIENT", "TRACKINGINFO"});
    ExpectSameTrackingInfo();
  });
}

TEST_F(TrackingDiffTest, Resp3InvalidatesReadKeysOnce) {
  ClientPair tracker = ConnectResp3Pair();
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSame({"HSET", "h", "f", "v"});
  ExpectSamePair(tracker, {"GET", "a"});
  ExpectSamePair(tracker, {"MGET", "b", "c", "d"});
  ExpectSamePair(tracker, {"HGETALL", "h"});
  ExpectSamePair(tracker, {"EXISTS", "e"});
  ExpectSamePair(tracker, {"TYPE", "f"});
  ExpectSamePair(tracker, {"STRLEN", "g"});
  ExpectSamePair(tracker, {"LRANGE", "h", "0", "-1"});  // WRONGTYPE still tracks
  ExpectSameTrackingInfo();
  ExpectSame({"SET", "a", "1"});
  ExpectSame({"DEL", "b", "zz"});  // b is missing: nothing changed
  ExpectSame({"MSET", "c", "1", "d", "2"});
  ExpectSame({"HSET", "h", "f", "w"});
  ExpectSame({"SET", "e", "1"});
  ExpectSame({"APPEND", "g", "x"});
  EXPECT_NE(ExpectSameDrain(tracker, "after writes"), "");
  ExpectSame({"SET", "a", "2"});  // forgotten: no second message
  ExpectSameDrain(tracker, "second write");
  ExpectSameTrackingInfo();
  ExpectSame({"SET", "b", "1"});
  ExpectSameDrain(tracker, "b written at last");
}

TEST_F(TrackingDiffTest, OwnWritesAndTransactionsGetTheirMessagesAfterTheReply) {
  ClientPair tracker = ConnectResp3Pair();
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSamePair(tracker, {"GET", "k"});
  ExpectSamePair(tracker, {"SET", "k", "v"});
  ExpectSameRead(tracker, "own write's invalidation");
  ExpectSamePair(tracker, {"GET", "k1"});
  ExpectSamePair(tracker, {"MULTI"});
  ExpectSamePair(tracker, {"GET", "k1"});
  ExpectSamePair(tracker, {"SET", "k1", "2"});
  ExpectSamePair(tracker, {"GET", "k2"});
  ExpectSamePair(tracker, {"SET", "k2", "x"});
  ExpectSamePair(tracker, {"EXEC"});
  EXPECT_NE(ExpectSameDrain(tracker, "after EXEC"), "");
  ExpectSamePair(tracker, {"GET", "k1"});
  ExpectSamePair(tracker, {"FLUSHDB"});
  ExpectSameDrain(tracker, "after own FLUSHDB");
  ExpectSame({"FLUSHALL"});
  ExpectSameDrain(tracker, "after FLUSHALL");
  ExpectSame({"FLUSHALL"});  // an empty table still gets the null
  ExpectSameDrain(tracker, "after a second FLUSHALL");
  ExpectSamePair(tracker, {"GET", "s"});
  ExpectSame({"SWAPDB", "0", "1"});  // not a flush for tracking
  ExpectSameDrain(tracker, "after SWAPDB");
  ExpectSame({"SELECT", "1"});
  ExpectSame({"SET", "s", "1"});  // the table is global across databases
  ExpectSame({"SELECT", "0"});
  ExpectSameDrain(tracker, "write in another database");
}

// Under CLIENT REPLY OFF or SKIP the command's reply is dropped, but the pushes it causes on
// its own connection (the invalidation of a key it wrote, the null of its FLUSHALL, a message it
// published to itself) still arrive, as in Redis 7.0.
TEST_F(TrackingDiffTest, MutedRepliesKeepTheirOwnPushes) {
  ClientPair c = ConnectResp3Pair();
  ExpectSamePair(c, {"SUBSCRIBE", "ch"});
  for (RespClient* client : {c.rill.get(), c.redis.get()}) {
    client->Send({"CLIENT", "REPLY", "OFF"});
    client->Send({"PUBLISH", "ch", "m1"});
    client->Send({"CLIENT", "REPLY", "ON"});
  }
  // Each side's next frames, in order.
  auto expect_frames = [&c](const std::vector<std::string>& frames) {
    for (const std::string& frame : frames) {
      EXPECT_EQ(c.rill->ReadReply(), frame) << "rill";
      EXPECT_EQ(c.redis->ReadReply(), frame) << "redis";
    }
  };
  expect_frames({">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm1\r\n", "+OK\r\n"});
  ExpectSamePair(c, {"CLIENT", "TRACKING", "on"});
  ExpectSamePair(c, {"GET", "k"});
  for (RespClient* client : {c.rill.get(), c.redis.get()}) {
    client->Send({"CLIENT", "REPLY", "SKIP"});
    client->Send({"SET", "k", "v"});
  }
  EXPECT_EQ(ExpectSameDrain(c, "own invalidation under REPLY SKIP"),
            ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  ExpectSamePair(c, {"GET", "k"});
  for (RespClient* client : {c.rill.get(), c.redis.get()}) {
    client->Send({"CLIENT", "REPLY", "OFF"});
    client->Send({"SET", "k", "w"});
    client->Send({"FLUSHALL"});
    client->Send({"CLIENT", "REPLY", "ON"});
  }
  expect_frames({">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n", ">2\r\n$10\r\ninvalidate\r\n_\r\n",
                 "+OK\r\n"});
}

TEST_F(TrackingDiffTest, Resp2RedirectPublishesOnInvalidateChannel) {
  ClientPair sub = ConnectPair();
  const std::vector<std::pair<int64_t, int64_t>> sub_ids = {{Id(*sub.rill), Id(*sub.redis)}};
  ExpectSamePair(sub, {"SUBSCRIBE", "__redis__:invalidate"});
  ClientPair tracker = ConnectPair();
  EXPECT_EQ(tracker.rill->Command(
                {"CLIENT", "TRACKING", "on", "redirect", std::to_string(sub_ids[0].first)}),
            "+OK\r\n");
  EXPECT_EQ(tracker.redis->Command(
                {"CLIENT", "TRACKING", "on", "redirect", std::to_string(sub_ids[0].second)}),
            "+OK\r\n");
  EXPECT_EQ(tracker.rill->Command({"CLIENT", "GETREDIR"}),
            WithIds(tracker.redis->Command({"CLIENT", "GETREDIR"}), sub_ids));
  EXPECT_EQ(tracker.rill->Command({"CLIENT", "TRACKINGINFO"}),
            WithIds(tracker.redis->Command({"CLIENT", "TRACKINGINFO"}), sub_ids));
  ExpectSamePair(tracker, {"GET", "x"});
  ExpectSamePair(tracker, {"MGET", "y", "z"});
  ExpectSame({"MSET", "x", "1", "y", "2"});
  EXPECT_NE(ExpectSameDrain(sub, "redirected invalidations"), "");
  ExpectSameDrain(tracker, "nothing on the RESP2 tracking connection itself");
  ExpectSame({"FLUSHALL"});
  ExpectSameDrain(sub, "RESP2 null of the flush");
  // A RESP3 tracking client's flush null is RESP3's, even to a RESP2 subscriber.
  ClientPair tracker3 = ConnectResp3Pair();
  tracker3.rill->Command(
      {"CLIENT", "TRACKING", "on", "redirect", std::to_string(sub_ids[0].first)});
  tracker3.redis->Command(
      {"CLIENT", "TRACKING", "on", "redirect", std::to_string(sub_ids[0].second)});
  ExpectSame({"FLUSHALL"});
  ExpectSameDrain(sub, "both nulls");
  ExpectSameDrain(tracker3, "nothing on the redirecting RESP3 connection");
}

TEST_F(TrackingDiffTest, RedirectToUnsubscribedResp2AndToResp3) {
  ClientPair plain = ConnectPair();
  ClientPair target3 = ConnectResp3Pair();
  const std::pair<int64_t, int64_t> plain_id = {Id(*plain.rill), Id(*plain.redis)};
  const std::pair<int64_t, int64_t> target3_id = {Id(*target3.rill), Id(*target3.redis)};
  ClientPair tracker = ConnectPair();
  tracker.rill->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(plain_id.first)});
  tracker.redis->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(plain_id.second)});
  ExpectSamePair(tracker, {"GET", "x"});
  ExpectSame({"SET", "x", "1"});
  ExpectSameDrain(plain, "RESP2 redirect target without subscriptions gets nothing");
  tracker.rill->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(target3_id.first)});
  tracker.redis->Command(
      {"CLIENT", "TRACKING", "on", "redirect", std::to_string(target3_id.second)});
  ExpectSamePair(tracker, {"GET", "x"});
  ExpectSame({"SET", "x", "2"});
  ExpectSameDrain(target3, "RESP3 redirect target gets a push");
  ExpectSameDrain(tracker, "the tracking connection gets nothing");
}

TEST_F(TrackingDiffTest, RedirectClientGoneIsReported) {
  ClientPair target = ConnectPair();
  const std::vector<std::pair<int64_t, int64_t>> ids = {{Id(*target.rill), Id(*target.redis)}};
  ClientPair tracker = ConnectResp3Pair();
  tracker.rill->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(ids[0].first)});
  tracker.redis->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(ids[0].second)});
  ExpectSamePair(tracker, {"GET", "y"});
  EXPECT_EQ(rill_client().Command({"CLIENT", "KILL", "ID", std::to_string(ids[0].first)}),
            ":1\r\n");
  EXPECT_EQ(redis_client().Command({"CLIENT", "KILL", "ID", std::to_string(ids[0].second)}),
            ":1\r\n");
  ExpectSame({"SET", "y", "1"});
  EXPECT_NE(ExpectSameDrain(tracker, "tracking-redir-broken", ids), "");
  EXPECT_EQ(tracker.rill->Command({"CLIENT", "TRACKINGINFO"}),
            WithIds(tracker.redis->Command({"CLIENT", "TRACKINGINFO"}), ids));
  // Every message due says so again, the flush's too.
  ExpectSamePair(tracker, {"GET", "y"});
  ExpectSame({"SET", "y", "2"});
  ExpectSame({"FLUSHALL"});
  ExpectSameDrain(tracker, "again", ids);
  // Re-enabling without REDIRECT clears it.
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSamePair(tracker, {"CLIENT", "TRACKINGINFO"});
  ExpectSamePair(tracker, {"CLIENT", "GETREDIR"});
}

TEST_F(TrackingDiffTest, BroadcastPrefixesBatchTheTurnsKeys) {
  ClientPair bcast = ConnectResp3Pair();
  ExpectSamePair(bcast, {"CLIENT", "TRACKING", "on", "bcast", "prefix", "user:", "prefix", "obj:"});
  ClientPair all = ConnectResp3Pair();
  ExpectSamePair(all, {"CLIENT", "TRACKING", "on", "bcast"});
  ExpectSameTrackingInfo();
  ExpectSame({"MSET", "user:1", "a", "obj:2", "b", "user:0", "c", "zzz", "d", "user:1", "e"});
  EXPECT_NE(ExpectSameDrain(bcast, "one message per prefix"), "");
  ExpectSameDrain(all, "every key");
  ExpectSame({"MULTI"});
  ExpectSame({"SET", "user:6", "1"});
  ExpectSame({"DEL", "user:0", "nosuch"});
  ExpectSame({"INCR", "obj:7"});
  ExpectSame({"EXPIRE", "user:1", "100"});
  ExpectSame({"EXEC"});
  ExpectSameDrain(bcast, "a transaction's keys");
  ExpectSameDrain(all, "a transaction's keys, all of them");
  ExpectSamePair(bcast, {"GET", "user:9"});  // BCAST remembers no reads
  ExpectSameTrackingInfo();
  ExpectSame({"FLUSHALL"});
  ExpectSameDrain(bcast, "flush null");
  ExpectSamePair(bcast, {"CLIENT", "TRACKING", "off"});
  ExpectSameTrackingInfo();
}

TEST_F(TrackingDiffTest, BroadcastNoloopSkipsOwnKeys) {
  ClientPair bcast = ConnectResp3Pair();
  ExpectSamePair(bcast, {"CLIENT", "TRACKING", "on", "bcast", "prefix", "user:", "noloop"});
  ExpectSamePair(bcast, {"SET", "user:5", "1"});
  ExpectSamePair(bcast, {"MSET", "user:6", "1", "user:7", "2"});
  ExpectSameDrain(bcast, "own writes");
  ExpectSame({"MSET", "user:6", "x", "user:8", "y"});
  ExpectSameDrain(bcast, "others' writes");
}

TEST_F(TrackingDiffTest, OptinOptoutAndNoloop) {
  ClientPair optin = ConnectResp3Pair();
  ExpectSamePair(optin, {"CLIENT", "TRACKING", "on", "optin"});
  ExpectSamePair(optin, {"GET", "a"});
  ExpectSamePair(optin, {"CLIENT", "CACHING", "yes"});
  ExpectSamePair(optin, {"GET", "b"});
  ExpectSamePair(optin, {"GET", "c"});
  ExpectSamePair(optin, {"CLIENT", "CACHING", "yes"});
  ExpectSamePair(optin, {"MULTI"});
  ExpectSamePair(optin, {"GET", "d"});
  ExpectSamePair(optin, {"GET", "e"});
  ExpectSamePair(optin, {"EXEC"});
  ExpectSamePair(optin, {"CLIENT", "CACHING", "yes"});
  ExpectSamePair(optin, {"NOSUCHCOMMAND"});  // any command spends it, an unknown one too
  ExpectSamePair(optin, {"GET", "f"});
  ExpectSameTrackingInfo();
  ExpectSame({"MSET", "a", "1", "b", "1", "c", "1", "d", "1", "e", "1", "f", "1"});
  EXPECT_NE(ExpectSameDrain(optin, "only b, d and e were cached"), "");

  ClientPair optout = ConnectResp3Pair();
  ExpectSamePair(optout, {"CLIENT", "TRACKING", "on", "optout"});
  ExpectSamePair(optout, {"CLIENT", "CACHING", "no"});
  ExpectSamePair(optout, {"GET", "a"});
  ExpectSamePair(optout, {"GET", "b"});
  ExpectSame({"MSET", "a", "2", "b", "2"});
  ExpectSameDrain(optout, "only b was cached");

  ClientPair noloop = ConnectResp3Pair();
  ExpectSamePair(noloop, {"CLIENT", "TRACKING", "on", "noloop"});
  ExpectSamePair(noloop, {"GET", "n"});
  ExpectSamePair(noloop, {"SET", "n", "1"});
  ExpectSameDrain(noloop, "own write under NOLOOP");
  ExpectSame({"SET", "n", "2"});  // forgotten by the own write
  ExpectSameDrain(noloop, "nothing left to invalidate");
}

TEST_F(TrackingDiffTest, ScriptsRememberTheirDeclaredKeys) {
  ClientPair tracker = ConnectResp3Pair();
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSamePair(tracker, {"EVAL", "return redis.call('get','x')", "1", "y"});
  ExpectSamePair(tracker, {"EVAL", "return 1", "1", "z"});
  ExpectSamePair(tracker, {"EVAL_RO", "return redis.call('get','w')", "1", "w"});
  ExpectSamePair(tracker, {"EVAL", "redis.call('set','v','1') return 1", "1", "v"});
  ExpectSameTrackingInfo();
  for (const char* key : {"x", "y", "z", "w", "v"}) ExpectSame({"SET", key, "1"});
  EXPECT_NE(ExpectSameDrain(tracker, "scripts' keys"), "");
}

TEST_F(TrackingDiffTest, ExpiryAndTtlChangesInvalidate) {
  ExpectSame({"DEBUG", "SET-ACTIVE-EXPIRE", "0"});
  ClientPair tracker = ConnectResp3Pair();
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSame({"SET", "e", "v", "PX", "30"});
  ExpectSamePair(tracker, {"GET", "e"});
  ExpectSamePair(tracker, {"GET", "t"});
  ExpectSame({"INCR", "t"});
  ExpectSameDrain(tracker, "before expiry");
  ExpectSamePair(tracker, {"GET", "t"});
  ExpectSame({"EXPIRE", "t", "100"});
  ExpectSamePair(tracker, {"GET", "t"});
  ExpectSame({"PERSIST", "t"});
  ExpectSameDrain(tracker, "ttl changes");
  usleep(60 * 1000);
  ExpectSame({"GET", "e"});  // expires it
  EXPECT_NE(ExpectSameDrain(tracker, "lazy expiry"), "");
  ExpectSame({"DEBUG", "SET-ACTIVE-EXPIRE", "1"});
}

TEST_F(TrackingDiffTest, TableLimitForgetsKeys) {
  ExpectSame({"CONFIG", "SET", "tracking-table-max-keys", "2"});
  ClientPair tracker = ConnectResp3Pair();
  ExpectSamePair(tracker, {"CLIENT", "TRACKING", "on"});
  ExpectSamePair(tracker, {"MGET", "k1", "k2", "k3", "k4", "k5"});
  ExpectSameTrackingInfo();
  ExpectSame({"PING"});  // the limit is applied before a command
  ExpectSameTrackingInfo();
  // Which keys go is random on both servers; how many is not.
  auto count = [](const std::string& frames) {
    size_t n = 0;
    for (size_t pos = 0; (pos = frames.find("invalidate", pos)) != std::string::npos; ++pos) ++n;
    return n;
  };
  EXPECT_EQ(count(Drain(*tracker.rill)), 3u);
  EXPECT_EQ(count(Drain(*tracker.redis)), 3u);
  ExpectSame({"CONFIG", "GET", "tracking-table-max-keys"});
  ExpectSame({"CONFIG", "SET", "tracking-table-max-keys", "1000000"});
}

TEST_F(TrackingDiffTest, ResetTurnsTrackingOff) {
  ClientPair c = ConnectResp3Pair();
  ExpectSamePair(c, {"CLIENT", "TRACKING", "on", "bcast", "prefix", "p"});
  ExpectSameTrackingInfo();
  ExpectSamePair(c, {"RESET"});
  ExpectSamePair(c, {"CLIENT", "TRACKINGINFO"});
  ExpectSameTrackingInfo();
  ExpectSamePair(c, {"CLIENT", "GETREDIR"});
}

// CLIENT LIST / INFO: the tracking flag letters (t, B, R) and redir=.
TEST_F(TrackingDiffTest, ClientInfoFlagsAndRedir) {
  ClientPair c = ConnectResp3Pair();
  auto expect_same_fields = [&](const std::string& what) {
    EXPECT_EQ(ClientInfoField(*c.rill, "flags"), ClientInfoField(*c.redis, "flags")) << what;
    EXPECT_EQ(ClientInfoField(*c.rill, "redir"), ClientInfoField(*c.redis, "redir")) << what;
  };
  expect_same_fields("not tracking");
  ExpectSamePair(c, {"CLIENT", "TRACKING", "on"});
  expect_same_fields("tracking");
  EXPECT_EQ(ClientInfoField(*c.rill, "flags"), "t");
  ExpectSamePair(c, {"CLIENT", "TRACKING", "off"});
  ExpectSamePair(c, {"CLIENT", "TRACKING", "on", "bcast"});
  expect_same_fields("bcast");
  EXPECT_EQ(ClientInfoField(*c.rill, "flags"), "tB");
  ExpectSamePair(c, {"CLIENT", "TRACKING", "off"});
  expect_same_fields("off again");

  ClientPair target = ConnectPair();
  const std::vector<std::pair<int64_t, int64_t>> ids = {{Id(*target.rill), Id(*target.redis)}};
  c.rill->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(ids[0].first)});
  c.redis->Command({"CLIENT", "TRACKING", "on", "redirect", std::to_string(ids[0].second)});
  EXPECT_EQ(ClientInfoField(*c.rill, "redir"), std::to_string(ids[0].first));
  EXPECT_EQ(ClientInfoField(*c.redis, "redir"), std::to_string(ids[0].second));
  ExpectSamePair(c, {"GET", "y"});
  EXPECT_EQ(rill_client().Command({"CLIENT", "KILL", "ID", std::to_string(ids[0].first)}),
            ":1\r\n");
  EXPECT_EQ(redis_client().Command({"CLIENT", "KILL", "ID", std::to_string(ids[0].second)}),
            ":1\r\n");
  ExpectSame({"SET", "y", "1"});
  ExpectSameDrain(c, "tracking-redir-broken", ids);
  EXPECT_EQ(ClientInfoField(*c.rill, "flags"), ClientInfoField(*c.redis, "flags"));
  EXPECT_EQ(ClientInfoField(*c.rill, "flags"), "tR");
}

}  // namespace
}  // namespace rill::testing
