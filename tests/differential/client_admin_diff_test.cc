// CLIENT KILL / PAUSE / UNPAUSE / REPLY / LIST TYPE replies and errors compared with
// redis-server.
#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class ClientAdminDiffTest : public DifferentialTest {
 protected:
  // Sends without waiting for a reply (there is none under CLIENT REPLY OFF / SKIP).
  void SendNoReply(const std::vector<std::string>& argv) {
    rill_client().Send(argv);
    redis_client().Send(argv);
  }
};

TEST_F(ClientAdminDiffTest, KillErrorsAndCounts) {
  ExpectSame({"CLIENT", "KILL"});
  ExpectSame({"CLIENT", "KILL", "1.2.3.4:5"});
  ExpectSame({"CLIENT", "KILL", "id"});
  ExpectSame({"CLIENT", "KILL", "ID", "0"});
  ExpectSame({"CLIENT", "KILL", "ID", "abc"});
  ExpectSame({"CLIENT", "KILL", "ID", "-3"});
  ExpectSame({"CLIENT", "KILL", "ID", "99999999"});
  ExpectSame({"CLIENT", "KILL", "ID", "1", "SKIPME"});
  ExpectSame({"CLIENT", "KILL", "ID", "5", "ID"});
  ExpectSame({"CLIENT", "KILL", "ADDR", "1.2.3.4:5"});
  ExpectSame({"CLIENT", "KILL", "LADDR", "1.2.3.4:5"});
  ExpectSame({"CLIENT", "KILL", "TYPE", "foo"});
  ExpectSame({"CLIENT", "KILL", "TYPE", "master"});
  ExpectSame({"CLIENT", "KILL", "TYPE", "replica"});
  ExpectSame({"CLIENT", "KILL", "TYPE", "slave"});
  ExpectSame({"CLIENT", "KILL", "TYPE", "PubSub"});
  ExpectSame({"CLIENT", "KILL", "USER", "nobody"});
  ExpectSame({"CLIENT", "KILL", "USER", "default", "ID", "99999999"});
  ExpectSame({"CLIENT", "KILL", "SKIPME", "maybe"});
  ExpectSame({"CLIENT", "KILL", "SKIPME", "yes"});
  ExpectSame({"CLIENT", "KILL", "FOO", "bar"});
  ExpectSame({"CLIENT", "KILL", "MAXAGE", "10"});
}

// CLIENT KILL USER closes the connections of an ACL user (any user, not only "default") and
// answers how many.
TEST_F(ClientAdminDiffTest, KillUserClosesThatUsersConnections) {
  ExpectSame({"ACL", "SETUSER", "worker", "on", ">pw", "+@all", "~*"});
  ClientPair first = ConnectPair();
  ClientPair second = ConnectPair();
  for (ClientPair* pair : {&first, &second}) {
    EXPECT_EQ(pair->rill->Command({"AUTH", "worker", "pw"}), "+OK\r\n");
    EXPECT_EQ(pair->redis->Command({"AUTH", "worker", "pw"}), "+OK\r\n");
  }
  EXPECT_EQ(ExpectSame({"CLIENT", "KILL", "USER", "worker"}), ":2\r\n");
  EXPECT_EQ(ExpectSame({"CLIENT", "KILL", "USER", "worker"}), ":0\r\n");  // both are gone
  EXPECT_EQ(first.rill->Command({"PING"}), first.redis->Command({"PING"}));
  ExpectSame({"ACL", "DELUSER", "worker"});
  ExpectSame({"CLIENT", "KILL", "USER", "worker"});  // no such user any more
}

TEST_F(ClientAdminDiffTest, ListByType) {
  ExpectSame({"CLIENT", "LIST", "TYPE", "master"});
  ExpectSame({"CLIENT", "LIST", "TYPE", "replica"});
  ExpectSame({"CLIENT", "LIST", "TYPE", "pubsub"});
  ExpectSame({"CLIENT", "LIST", "TYPE", "bogus"});
}

TEST_F(ClientAdminDiffTest, PauseUnpauseAndReplyErrors) {
  ExpectSame({"CLIENT", "PAUSE"});
  ExpectSame({"CLIENT", "PAUSE", "abc"});
  ExpectSame({"CLIENT", "PAUSE", "-1"});
  ExpectSame({"CLIENT", "PAUSE", "10", "foo"});
  ExpectSame({"CLIENT", "PAUSE", "abc", "foo"});  // the mode is checked first
  ExpectSame({"CLIENT", "PAUSE", "10", "write", "extra"});
  ExpectSame({"CLIENT", "PAUSE", "99999999999999999999"});
  ExpectSame({"CLIENT", "PAUSE", "9223372036854775807"});
  ExpectSame({"CLIENT", "UNPAUSE"});
  ExpectSame({"CLIENT", "PAUSE", "10", "WRITE"});
  ExpectSame({"CLIENT", "UNPAUSE"});
  ExpectSame({"CLIENT", "PAUSE", "0", "all"});
  ExpectSame({"CLIENT", "UNPAUSE"});
  ExpectSame({"CLIENT", "UNPAUSE", "x"});
  ExpectSame({"CLIENT", "REPLY"});
  ExpectSame({"CLIENT", "REPLY", "foo"});
  ExpectSame({"CLIENT", "REPLY", "on"});
  ExpectSame({"CLIENT", "REPLY", "ON", "x"});
  // OFF and SKIP answer nothing: the next reply is that of PING.
  SendNoReply({"CLIENT", "REPLY", "SKIP"});
  SendNoReply({"SET", "a", "1"});
  ExpectSame({"PING"});
  SendNoReply({"CLIENT", "REPLY", "OFF"});
  SendNoReply({"GET", "a"});
  ExpectSame({"CLIENT", "REPLY", "ON"});
  ExpectSame({"GET", "a"});
}

}  // namespace
}  // namespace rill::testing
