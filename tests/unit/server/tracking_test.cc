// The client-side caching table (server/engine/tracking.h) through the Engine: keys remembered
// by read-only commands, invalidations on writes, flushes, BCAST batches, the redirect forms and
// the tracking-table-max-keys limit. Clients are in-memory: their pushes land in a string.
#include "server/engine/tracking.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

class TrackingTest : public ::testing::Test {
 protected:
  TrackingTest() : engine_(Config()) {}
  ~TrackingTest() override {
    for (auto& c : clients_) engine_.RemoveClient(c->client.id);
  }

  struct TestClient {
    Client client;
    std::string pushed;  // what push() delivered
  };

  TestClient& NewClient(int resp = 3) {
    clients_.push_back(std::make_unique<TestClient>());
    TestClient& c = *clients_.back();
    c.client.id = engine_.clients().NextId();
    c.client.authenticated = true;
    c.client.resp = resp;
    c.client.push = [&c](std::string_view bytes) { c.pushed.append(bytes); };
    c.client.send = [&c](std::string_view bytes) { c.pushed.append(bytes); };
    engine_.clients().Add(&c.client);
    return c;
  }

  std::string Run(TestClient& c, std::vector<std::string_view> args) {
    std::string out;
    engine_.Execute(c.client, args, &out);
    return out;
  }
  // The pushes received so far, cleared.
  static std::string Take(TestClient& c) { return std::exchange(c.pushed, std::string()); }

  static std::string Invalidate(std::string_view key) {
    return absl::StrCat(">2\r\n$10\r\ninvalidate\r\n*1\r\n$", key.size(), "\r\n", std::string(key),
                        "\r\n");
  }

  Engine engine_;
  std::vector<std::unique_ptr<TestClient>> clients_;
};

TEST_F(TrackingTest, NothingIsRememberedWithoutTracking) {
  TestClient& reader = NewClient();
  TestClient& writer = NewClient();
  Run(reader, {"GET", "k"});
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);
  EXPECT_FALSE(engine_.tracking().watching_writes());
  Run(writer, {"SET", "k", "v"});
  EXPECT_EQ(Take(reader), "");
}

TEST_F(TrackingTest, ReadKeysAreInvalidatedOnceByTheFirstWrite) {
  TestClient& reader = NewClient();
  TestClient& writer = NewClient();
  ASSERT_EQ(Run(reader, {"CLIENT", "TRACKING", "ON"}), "+OK\r\n");
  EXPECT_EQ(engine_.tracking().clients(), 1u);
  Run(reader, {"MGET", "a", "b", "c"});
  EXPECT_EQ(engine_.tracking().total_keys(), 3u);
  EXPECT_EQ(engine_.tracking().total_items(), 3u);
  Run(writer, {"MSET", "a", "1", "b", "2"});
  EXPECT_EQ(Take(reader), Invalidate("a") + Invalidate("b"));
  EXPECT_EQ(engine_.tracking().total_keys(), 1u);
  // Forgotten after the first write: the second sends nothing.
  Run(writer, {"SET", "a", "3"});
  EXPECT_EQ(Take(reader), "");
  // A write command's keys are not remembered; a DEL of a missing key changes nothing.
  Run(reader, {"SET", "w", "1"});
  EXPECT_EQ(Take(reader), "");
  Run(writer, {"DEL", "zzz"});
  EXPECT_EQ(Take(reader), "");
}

TEST_F(TrackingTest, TheTableIsSharedByAllDatabases) {
  TestClient& reader = NewClient();
  TestClient& writer = NewClient();
  Run(reader, {"CLIENT", "TRACKING", "ON"});
  Run(reader, {"GET", "k"});
  Run(writer, {"SELECT", "3"});
  Run(writer, {"SET", "k", "v"});
  EXPECT_EQ(Take(reader), Invalidate("k"));
}

TEST_F(TrackingTest, OwnWritesArriveAfterTheReplyUnlessNoloop) {
  TestClient& c = NewClient();
  Run(c, {"CLIENT", "TRACKING", "ON"});
  Run(c, {"GET", "k"});
  EXPECT_EQ(Run(c, {"SET", "k", "v"}), "+OK\r\n");
  // The push went through push(), after the reply was built.
  EXPECT_EQ(Take(c), Invalidate("k"));
  Run(c, {"CLIENT", "TRACKING", "ON", "NOLOOP"});
  Run(c, {"GET", "k"});
  Run(c, {"SET", "k", "w"});
  EXPECT_EQ(Take(c), "");
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);  // forgotten all the same
}

TEST_F(TrackingTest, FlushSendsANullAndEmptiesTheTable) {
  TestClient& resp3 = NewClient(3);
  TestClient& resp2 = NewClient(2);
  TestClient& writer = NewClient();
  Run(resp3, {"CLIENT", "TRACKING", "ON"});
  Run(resp2, {"CLIENT", "TRACKING", "ON"});
  Run(resp3, {"GET", "a"});
  Run(writer, {"FLUSHALL"});
  EXPECT_EQ(Take(resp3), ">2\r\n$10\r\ninvalidate\r\n_\r\n");
  EXPECT_EQ(Take(resp2), "");  // RESP2 without a redirect has no way to hear it
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);
  EXPECT_EQ(engine_.tracking().total_items(), 0u);
}

TEST_F(TrackingTest, RedirectToAResp2SubscriberPublishesOnInvalidateChannel) {
  TestClient& sub = NewClient(2);
  TestClient& tracker = NewClient(2);
  TestClient& writer = NewClient();
  Run(sub, {"SUBSCRIBE", "__redis__:invalidate"});
  const std::string id = std::to_string(sub.client.id);
  ASSERT_EQ(Run(tracker, {"CLIENT", "TRACKING", "ON", "REDIRECT", id}), "+OK\r\n");
  Take(sub);
  Run(tracker, {"GET", "x"});
  Run(writer, {"SET", "x", "1"});
  EXPECT_EQ(Take(sub), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nx\r\n");
  // The flush null is the tracking client's RESP2 null, whoever receives it.
  Run(writer, {"FLUSHDB"});
  EXPECT_EQ(Take(sub), "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
  EXPECT_EQ(Take(tracker), "");
}

TEST_F(TrackingTest, BrokenRedirectIsReportedToResp3Clients) {
  TestClient& target = NewClient();
  TestClient& tracker = NewClient(3);
  TestClient& writer = NewClient();
  const uint64_t target_id = target.client.id;
  Run(tracker, {"CLIENT", "TRACKING", "ON", "REDIRECT", std::to_string(target_id)});
  Run(tracker, {"GET", "x"});
  engine_.RemoveClient(target_id);
  Run(writer, {"SET", "x", "1"});
  EXPECT_EQ(Take(tracker),
            absl::StrCat(">2\r\n$21\r\ntracking-redir-broken\r\n:", target_id, "\r\n"));
  EXPECT_TRUE(tracker.client.tracking->broken_redirect);
  EXPECT_EQ(Run(tracker, {"CLIENT", "GETREDIR"}), absl::StrCat(":", target_id, "\r\n"));
}

TEST_F(TrackingTest, BroadcastCollectsKeysByPrefixUntilSendBroadcasts) {
  TestClient& bcast = NewClient();
  TestClient& writer = NewClient();
  ASSERT_EQ(Run(bcast, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "u:", "PREFIX", "o:"}),
            "+OK\r\n");
  EXPECT_EQ(engine_.tracking().total_prefixes(), 2u);
  Run(writer, {"SET", "u:2", "a"});
  Run(writer, {"SET", "o:1", "a"});
  Run(writer, {"SET", "u:1", "a"});
  Run(writer, {"SET", "u:2", "b"});
  Run(writer, {"SET", "other", "b"});
  EXPECT_EQ(Take(bcast), "");
  ASSERT_TRUE(engine_.tracking().has_broadcasts());
  engine_.tracking().SendBroadcasts();
  // One message per prefix, prefixes and keys in order, each key once.
  EXPECT_EQ(Take(bcast),
            ">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\no:1\r\n"
            ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nu:1\r\n$3\r\nu:2\r\n");
  engine_.tracking().SendBroadcasts();
  EXPECT_EQ(Take(bcast), "");
  // Reads are not remembered in BCAST mode.
  Run(bcast, {"GET", "zzz"});
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);
  Run(bcast, {"CLIENT", "TRACKING", "OFF"});
  EXPECT_EQ(engine_.tracking().total_prefixes(), 0u);
  EXPECT_EQ(engine_.tracking().clients(), 0u);
}

TEST_F(TrackingTest, BroadcastNoloopSkipsKeysTheClientChangedLast) {
  TestClient& bcast = NewClient();
  TestClient& writer = NewClient();
  Run(bcast, {"CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP"});
  Run(bcast, {"SET", "mine", "1"});
  Run(writer, {"SET", "theirs", "1"});
  Run(writer, {"SET", "both", "1"});
  Run(bcast, {"SET", "both", "2"});
  engine_.tracking().SendBroadcasts();
  EXPECT_EQ(Take(bcast), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ntheirs\r\n");
}

TEST_F(TrackingTest, OptinRemembersOnlyAfterCachingYes) {
  TestClient& c = NewClient();
  Run(c, {"CLIENT", "TRACKING", "ON", "OPTIN"});
  Run(c, {"GET", "a"});
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);
  Run(c, {"CLIENT", "CACHING", "YES"});
  Run(c, {"CLIENT", "ID"});  // CLIENT subcommands leave the flag alone
  Run(c, {"GET", "b"});
  Run(c, {"GET", "c"});  // the flag lasted one command
  EXPECT_EQ(engine_.tracking().total_keys(), 1u);
  // A whole transaction is covered.
  Run(c, {"CLIENT", "CACHING", "YES"});
  Run(c, {"MULTI"});
  Run(c, {"GET", "d"});
  Run(c, {"GET", "e"});
  Run(c, {"EXEC"});
  Run(c, {"GET", "f"});
  EXPECT_EQ(engine_.tracking().total_keys(), 3u);
}

TEST_F(TrackingTest, OptoutSkipsOnlyAfterCachingNo) {
  TestClient& c = NewClient();
  Run(c, {"CLIENT", "TRACKING", "ON", "OPTOUT"});
  Run(c, {"CLIENT", "CACHING", "NO"});
  Run(c, {"GET", "a"});
  EXPECT_EQ(engine_.tracking().total_keys(), 0u);
  Run(c, {"GET", "b"});
  EXPECT_EQ(engine_.tracking().total_keys(), 1u);
}

TEST_F(TrackingTest, TableLimitForgetsKeysAsIfTheyChanged) {
  TestClient& c = NewClient();
  TestClient& other = NewClient();
  ASSERT_EQ(Run(other, {"CONFIG", "SET", "tracking-table-max-keys", "2"}), "+OK\r\n");
  Run(c, {"CLIENT", "TRACKING", "ON"});
  Run(c, {"MGET", "k1", "k2", "k3", "k4", "k5"});
  EXPECT_EQ(engine_.tracking().total_keys(), 5u);
  Take(c);
  // The limit is applied before the next command (any client's).
  Run(other, {"PING"});
  EXPECT_EQ(engine_.tracking().total_keys(), 2u);
  const std::string pushed = Take(c);
  size_t messages = 0;
  for (size_t pos = 0; (pos = pushed.find("invalidate", pos)) != std::string::npos; ++pos) {
    ++messages;
  }
  EXPECT_EQ(messages, 3u);
}

TEST_F(TrackingTest, PrefixCollisionsFollowRedis) {
  bool goes_on = false;
  std::vector<std::string_view> overlap_first = {"ab", "a"};
  auto error = Tracking::PrefixCollision(nullptr, overlap_first, &goes_on);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error,
            "Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client "
            "must not overlap.");
  EXPECT_FALSE(goes_on);
  std::vector<std::string_view> overlap_later = {"a", "b", "bc"};
  ASSERT_TRUE(Tracking::PrefixCollision(nullptr, overlap_later, &goes_on).has_value());
  EXPECT_TRUE(goes_on);  // Redis 7.0's check returns the index: nonzero goes on
  ClientTracking existing;
  existing.prefixes = {"x"};
  std::vector<std::string_view> against_existing = {"xy"};
  error = Tracking::PrefixCollision(&existing, against_existing, &goes_on);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error,
            "Prefix 'xy' overlaps with an existing prefix 'x'. Prefixes for a single client must "
            "not overlap.");
  std::vector<std::string_view> fine = {"p", "q"};
  EXPECT_FALSE(Tracking::PrefixCollision(&existing, fine, &goes_on).has_value());
}

TEST_F(TrackingTest, ResetAndDisconnectTurnTrackingOff) {
  TestClient& c = NewClient();
  Run(c, {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p"});
  EXPECT_EQ(engine_.tracking().clients(), 1u);
  Run(c, {"RESET"});
  EXPECT_EQ(engine_.tracking().clients(), 0u);
  EXPECT_EQ(engine_.tracking().total_prefixes(), 0u);
  Run(c, {"CLIENT", "TRACKING", "ON"});
  Run(c, {"GET", "k"});
  engine_.RemoveClient(c.client.id);
  EXPECT_EQ(engine_.tracking().clients(), 0u);
  EXPECT_EQ(c.client.tracking, nullptr);
  // As Redis, the id stays in the table until the key changes.
  EXPECT_EQ(engine_.tracking().total_items(), 1u);
  TestClient& writer = NewClient();
  Run(writer, {"SET", "k", "v"});
  EXPECT_EQ(engine_.tracking().total_items(), 0u);
}

}  // namespace
}  // namespace rill
