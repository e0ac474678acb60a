// CLIENT PAUSE / UNPAUSE, CLIENT REPLY and CLIENT KILL filters with several connections.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

class ClientAdminTest : public ServerTest {
 protected:
  void TearDown() override {
    if (auto c = Connect()) c->Command({"CLIENT", "UNPAUSE"});
  }
  // A reply that must not come: waits briefly and expects nothing.
  static void ExpectNoReplyYet(RespClient& c) {
    EXPECT_EQ(c.ReadReply(milliseconds(200)), "") << "a paused command was answered";
  }
};

TEST_F(ClientAdminTest, PauseWriteHoldsWritesAndMayReplicateCommandsButNotReads) {
  auto admin = Connect(), writer = Connect(), reader = Connect(), publisher = Connect();
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  ASSERT_TRUE(writer->Send({"SET", "k", "v"}));
  ASSERT_TRUE(publisher->Send({"PUBLISH", "ch", "m"}));
  ExpectNoReplyYet(*writer);
  ExpectNoReplyYet(*publisher);
  EXPECT_EQ(reader->Command({"GET", "k"}), "$-1\r\n");  // the SET has not run
  EXPECT_EQ(reader->Command({"PING"}), "+PONG\r\n");
  const std::string list = reader->Command({"CLIENT", "LIST"});
  EXPECT_NE(list.find("flags=b db=0"), std::string::npos) << list;
  EXPECT_NE(list.find("cmd=set "), std::string::npos) << list;
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(writer->ReadReply(), "+OK\r\n");
  EXPECT_EQ(publisher->ReadReply(), ":0\r\n");
  EXPECT_EQ(reader->Command({"GET", "k"}), "$1\r\nv\r\n");
}

// Issue 21's "MULTI/EXEC holding a write is not held back by CLIENT PAUSE WRITE": Redis 7.0
// decides by the flags of the whole transaction at EXEC (a queued write or may-replicate command
// such as EVAL or PUBLISH holds the EXEC), and a write met while queueing is itself held before
// it is queued. Passes against redis-server 7.0.15 too (RILL_TEST_AGAINST_REDIS=1).
TEST_F(ClientAdminTest, PauseWriteHoldsAnExecWhoseTransactionMayWrite) {
  auto admin = Connect(), writer = Connect(), scripter = Connect(), reader = Connect(),
       queuer = Connect();
  ASSERT_EQ(writer->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(writer->Command({"SET", "k", "v"}), "+QUEUED\r\n");
  ASSERT_EQ(scripter->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(scripter->Command({"EVAL", "return 1", "0"}), "+QUEUED\r\n");
  ASSERT_EQ(reader->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(reader->Command({"GET", "k"}), "+QUEUED\r\n");
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");

  ASSERT_TRUE(writer->Send({"EXEC"}));
  ASSERT_TRUE(scripter->Send({"EXEC"}));
  ASSERT_EQ(queuer->Command({"MULTI"}), "+OK\r\n");  // MULTI itself is not held
  ASSERT_TRUE(queuer->Send({"INCR", "n"}));
  ExpectNoReplyYet(*writer);
  ExpectNoReplyYet(*scripter);
  ExpectNoReplyYet(*queuer);
  // A read-only transaction runs at once, and sees that the held one has not.
  EXPECT_EQ(reader->Command({"EXEC"}), "*1\r\n$-1\r\n");

  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(writer->ReadReply(), "*1\r\n+OK\r\n");
  EXPECT_EQ(scripter->ReadReply(), "*1\r\n:1\r\n");
  EXPECT_EQ(queuer->ReadReply(), "+QUEUED\r\n");
  EXPECT_EQ(queuer->Command({"EXEC"}), "*1\r\n:1\r\n");
  EXPECT_EQ(reader->Command({"GET", "k"}), "$1\r\nv\r\n");
}

TEST_F(ClientAdminTest, PauseAllHoldsEveryCommandUntilItsTimeout) {
  auto admin = Connect(), other = Connect();
  const auto start = Clock::now();
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "600", "ALL"}), "+OK\r\n");
  ASSERT_TRUE(other->Send({"PING"}));
  ExpectNoReplyYet(*other);
  EXPECT_EQ(other->ReadReply(std::chrono::seconds(10)), "+PONG\r\n");
  EXPECT_GE(Clock::now() - start, milliseconds(550));
  // The pausing client is paused too: CLIENT UNPAUSE itself would wait.
  EXPECT_EQ(admin->Command({"PING"}), "+PONG\r\n");
}

TEST_F(ClientAdminTest, PipelinedCommandsBehindAPausedOneKeepTheirOrder) {
  auto admin = Connect(), client = Connect();
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  ASSERT_TRUE(client->SendRaw(EncodeCommand({"SET", "a", "1"}) + EncodeCommand({"GET", "a"}) +
                              EncodeCommand({"INCR", "a"})));
  ExpectNoReplyYet(*client);
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "$1\r\n1\r\n");
  EXPECT_EQ(client->ReadReply(), ":2\r\n");
}

TEST_F(ClientAdminTest, PausedServerNeitherExpiresNorDeletesKeys) {
  auto admin = Connect(), client = Connect();
  ASSERT_EQ(client->Command({"SET", "k", "v", "PX", "100"}), "+OK\r\n");
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(client->Command({"GET", "k"}), "$-1\r\n");  // expired to readers ...
  EXPECT_EQ(client->Command({"DBSIZE"}), ":1\r\n");     // ... but not deleted while paused
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(client->Command({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(client->Command({"DBSIZE"}), ":0\r\n");
}

TEST_F(ClientAdminTest, PauseWriteHoldsExecOfWritesAndWritesQueuedInMulti) {
  auto admin = Connect(), client = Connect();
  ASSERT_EQ(client->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(client->Command({"GET", "x"}), "+QUEUED\r\n");
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  EXPECT_EQ(client->Command({"EXEC"}), "*1\r\n$-1\r\n");  // reads only: runs
  ASSERT_EQ(client->Command({"MULTI"}), "+OK\r\n");
  ASSERT_TRUE(client->Send({"SET", "x", "1"}));  // a write is held before it is even queued
  ExpectNoReplyYet(*client);
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "+QUEUED\r\n");
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  ASSERT_TRUE(client->Send({"EXEC"}));
  ExpectNoReplyYet(*client);
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "*1\r\n+OK\r\n");
}

TEST_F(ClientAdminTest, ALaterPauseExtendsAndWidensButNeverShortens) {
  auto admin = Connect(), other = Connect();
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "100000", "WRITE"}), "+OK\r\n");
  ASSERT_EQ(admin->Command({"CLIENT", "PAUSE", "10", "WRITE"}), "+OK\r\n");
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(other->Send({"SET", "k", "v"}));
  ExpectNoReplyYet(*other);  // still paused: the shorter pause did not win
  ASSERT_EQ(admin->Command({"CLIENT", "UNPAUSE"}), "+OK\r\n");
  EXPECT_EQ(other->ReadReply(), "+OK\r\n");
}

TEST_F(ClientAdminTest, ReplyOffSilencesUntilOn) {
  auto c = Connect();
  ASSERT_TRUE(c->Send({"CLIENT", "REPLY", "OFF"}));
  ASSERT_TRUE(c->Send({"SET", "a", "1"}));
  ASSERT_TRUE(c->Send({"GET", "a"}));
  ASSERT_TRUE(c->Send({"CLIENT", "REPLY", "FOO"}));  // even errors are dropped
  EXPECT_EQ(c->Command({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"GET", "a"}), "$1\r\n1\r\n");
}

TEST_F(ClientAdminTest, ReplySkipDropsOnlyTheNextReply) {
  auto c = Connect();
  ASSERT_TRUE(c->Send({"CLIENT", "REPLY", "SKIP"}));
  ASSERT_TRUE(c->Send({"SET", "a", "2"}));
  EXPECT_EQ(c->Command({"GET", "a"}), "$1\r\n2\r\n");
  // SKIP while OFF stays OFF.
  ASSERT_TRUE(c->Send({"CLIENT", "REPLY", "OFF"}));
  ASSERT_TRUE(c->Send({"CLIENT", "REPLY", "SKIP"}));
  ASSERT_TRUE(c->Send({"INCR", "a"}));
  ASSERT_TRUE(c->Send({"INCR", "a"}));
  EXPECT_EQ(c->Command({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
  EXPECT_EQ(c->Command({"GET", "a"}), "$1\r\n4\r\n");
}

// Pushes are not replies: a subscriber with replies off still gets its messages (Redis 7.0).
TEST_F(ClientAdminTest, ReplyOffKeepsPubSubMessages) {
  auto sub = Connect(), pub = Connect();
  ASSERT_TRUE(sub->Hello3().starts_with("%7"));
  ASSERT_EQ(sub->Command({"SUBSCRIBE", "ch"}), ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  ASSERT_TRUE(sub->Send({"CLIENT", "REPLY", "OFF"}));
  ASSERT_TRUE(sub->Send({"PING"}));
  std::this_thread::sleep_for(milliseconds(50));
  ASSERT_EQ(pub->Command({"PUBLISH", "ch", "seen"}), ":1\r\n");
  EXPECT_EQ(sub->ReadReply(), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nseen\r\n");
  EXPECT_EQ(sub->Command({"CLIENT", "REPLY", "ON"}), "+OK\r\n");
}

// The id of a connection, from CLIENT ID.
int64_t IdOf(RespClient& c) {
  const std::string reply = c.Command({"CLIENT", "ID"});
  return std::stoll(reply.substr(1));
}

// The addr= field of a connection's CLIENT INFO.
std::string AddrOf(RespClient& c, const std::string& field = "addr") {
  const std::string info = c.Command({"CLIENT", "INFO"});
  const size_t at = info.find(" " + field + "=") + field.size() + 2;
  return info.substr(at, info.find(' ', at) - at);
}

bool Closed(RespClient& c) { return c.ReadUntilClosed(std::chrono::seconds(2)).has_value(); }

// Waits until the server lists `n` connections (closed ones from earlier tests are gone).
void WaitForClients(RespClient& c, size_t n) {
  for (int i = 0; i < 200; ++i) {
    const std::string list = c.Command({"CLIENT", "LIST"});
    size_t clients = 0;
    for (size_t at = list.find("id="); at != std::string::npos; at = list.find("id=", at + 1)) {
      clients += at == 0 || list[at - 1] == '\n';
    }
    if (clients == n) return;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ADD_FAILURE() << "server did not settle at " << n << " clients";
}

TEST_F(ClientAdminTest, KillByIdAndByAddressClosesOnlyThatConnection) {
  auto admin = Connect(), a = Connect(), b = Connect();
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ID", std::to_string(IdOf(*a))}), ":1\r\n");
  EXPECT_TRUE(Closed(*a));
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ID", std::to_string(IdOf(*b) + 1000)}), ":0\r\n");
  const std::string addr = AddrOf(*b);
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ADDR", addr}), ":1\r\n");
  EXPECT_TRUE(Closed(*b));
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ADDR", addr}), ":0\r\n");
  // The old form answers +OK or an error.
  auto c = Connect();
  const std::string c_addr = AddrOf(*c);
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", c_addr}), "+OK\r\n");
  EXPECT_TRUE(Closed(*c));
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", c_addr}), "-ERR No such client\r\n");
  EXPECT_EQ(admin->Command({"PING"}), "+PONG\r\n");
}

TEST_F(ClientAdminTest, KillFiltersCombineAndSkipTheCallerByDefault) {
  auto admin = Connect(), a = Connect(), sub = Connect();
  ASSERT_EQ(sub->Command({"SUBSCRIBE", "ch"}), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "TYPE", "master"}), ":0\r\n");
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "TYPE", "pubsub"}), ":1\r\n");
  EXPECT_TRUE(Closed(*sub));
  // All filters must match: this id with another user matches nothing.
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "ID", std::to_string(IdOf(*a)), "TYPE", "pubsub"}),
            ":0\r\n");
  const std::string laddr = AddrOf(*a, "laddr");
  auto b = Connect();
  WaitForClients(*admin, 3);
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "LADDR", laddr, "USER", "default"}), ":2\r\n");
  EXPECT_TRUE(Closed(*a));
  EXPECT_TRUE(Closed(*b));
  // SKIPME no includes the caller, which gets its reply and then the close.
  EXPECT_EQ(admin->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}), ":1\r\n");
  EXPECT_TRUE(Closed(*admin));
}

}  // namespace
}  // namespace rill::testing
