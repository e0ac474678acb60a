// ACL enforcement compared with redis: NOPERM replies for commands, subcommands, first
// arguments, keys (read/write patterns), channels and selectors; MULTI/EXEC; ACL LOG entries
// and their grouping; AUTH and HELLO with users; which changes disconnect clients.
#include <chrono>
#include <thread>

#include "absl/strings/str_join.h"
#include "tests/support/acl_differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class AclEnforcementDiffTest : public AclDiffTest {
 protected:
  // Each call on both clients of `p`, replies compared exactly (HELLO's client id masked).
  void ExpectSameCalls(ClientPair& p, const std::vector<Argv>& calls) {
    for (const Argv& call : calls) {
      std::string rill = p.rill->Command(call), redis = p.redis->Command(call);
      ExpectSameReplies("(second client) " + absl::StrJoin(call, " "), MaskHelloId(rill),
                        MaskHelloId(redis));
    }
  }
  // Both connections were closed by the server.
  void ExpectBothClosed(ClientPair& p, const std::string& what) {
    auto rill = p.rill->ReadUntilClosed(std::chrono::seconds(2));
    auto redis = p.redis->ReadUntilClosed(std::chrono::seconds(2));
    EXPECT_TRUE(redis.has_value()) << "redis kept the connection open: " << what;
    EXPECT_TRUE(rill.has_value()) << "rill kept the connection open: " << what;
  }
};

TEST_F(AclEnforcementDiffTest, CommandSubcommandAndFirstArgRules) {
  ExpectSame({"CONFIG", "RESETSTAT"});
  ExpectSame({"ACL", "SETUSER", "c", "on", ">pw", "allkeys", "-@all", "+get", "+config|get",
              "+select|0", "+acl|whoami", "+client|info", "+multi", "+exec"});
  ClientPair p = LoginPair("c", "pw");
  ExpectSameCalls(p, {{"GET", "k"},
                      {"SET", "k", "v"},
                      {"CONFIG", "GET", "maxmemory"},
                      {"CONFIG", "SET", "maxmemory", "0"},
                      {"CONFIG", "NOSUCH"},
                      {"SELECT", "0"},
                      {"SELECT", "1"},
                      {"select", "0"},
                      {"ACL", "WHOAMI"},
                      {"ACL", "LIST"},
                      {"PING"},
                      {"NOSUCHCOMMAND"},
                      {"GET"},
                      {"AUTH", "c", "pw"},
                      {"HELLO", "2"},
                      {"ECHO", "x"},
                      {"FLUSHALL"}});
  ExpectSameLog({"ACL", "LOG"});
  ExpectSame({"INFO", "errorstats"});
  ExpectSame({"ACL", "SETUSER", "c", "+@all", "-flushall", "-config"});
  ExpectSameCalls(p, {{"PING"}, {"FLUSHALL"}, {"CONFIG", "GET", "x"}, {"SET", "k", "v"}});
}

TEST_F(AclEnforcementDiffTest, KeyPatternsAndReadWritePermissions) {
  ExpectSame({"ACL", "SETUSER", "k", "on", ">pw", "+@all", "~foo*", "%R~r*", "%W~w*", "&*"});
  ClientPair p = LoginPair("k", "pw");
  ExpectSameCalls(p, {{"SET", "foo1", "a"},
                      {"GET", "foo1"},
                      {"GET", "bar"},
                      {"SET", "r1", "x"},
                      {"GET", "r1"},
                      {"SET", "w1", "x"},
                      {"GET", "w1"},
                      {"SET", "w1", "x", "GET"},
                      {"SET", "foo2", "x", "GET"},
                      {"COPY", "r1", "w1"},
                      {"COPY", "w1", "r1"},
                      {"MSET", "foo1", "a", "bar", "b"},
                      {"MSET", "foo1", "a", "w2", "b"},
                      {"MGET", "foo1", "r1", "w1"},
                      {"DEL", "r1"},
                      {"DEL", "w1", "foo1"},
                      {"EXISTS", "w1"},
                      {"EXISTS", "nomatch"},
                      {"APPEND", "w1", "x"},
                      {"STRLEN", "r1"},
                      {"RENAME", "foo1", "bar"},
                      {"LPUSH", "foo3", "x"},
                      {"LMPOP", "2", "foo3", "bar", "LEFT"},
                      {"LMPOP", "2", "foo3", "r2", "LEFT"},
                      {"LMOVE", "foo3", "w3", "LEFT", "RIGHT"},
                      {"XADD", "w4", "1-1", "f", "v"},
                      {"XREAD", "STREAMS", "foo5", "w4", "0", "0"},
                      {"OBJECT", "ENCODING", "bar"},
                      {"DBSIZE"},
                      {"FLUSHDB"}});
  ExpectSameLog({"ACL", "LOG", "5"});
}

TEST_F(AclEnforcementDiffTest, ChannelRules) {
  ExpectSame({"ACL", "SETUSER", "ch", "on", ">pw", "+@all", "~*", "&news.*", "&lit"});
  ClientPair p = LoginPair("ch", "pw");
  ExpectSameCalls(p, {{"PUBLISH", "news.1", "m"},
                      {"PUBLISH", "sport", "m"},
                      {"SPUBLISH", "lit", "m"},
                      {"SPUBLISH", "news", "m"},
                      {"PUBSUB", "NUMSUB", "sport"},
                      {"UNSUBSCRIBE", "sport"},
                      {"PUNSUBSCRIBE", "sp*"},
                      {"SUNSUBSCRIBE", "sport"}});
  // A refused SUBSCRIBE subscribes to none of its channels.
  ClientPair q = LoginPair("ch", "pw");
  ExpectSameCalls(q, {{"SUBSCRIBE", "news.1", "sport"}, {"PSUBSCRIBE", "news.1"}});
  ExpectSameCalls(q, {{"PSUBSCRIBE", "news.*"}, {"PSUBSCRIBE", "news.*", "x*"}});
  ClientPair r = LoginPair("ch", "pw");
  ExpectSameCalls(r, {{"SSUBSCRIBE", "news.2", "lit"}, {"SSUBSCRIBE", "other"}});
  ExpectSameLog({"ACL", "LOG"});
}

TEST_F(AclEnforcementDiffTest, SelectorsPickTheMostRelevantDenial) {
  ExpectSame({"ACL", "SETUSER", "sel", "on", ">pw", "-@all", "+get", "~a*", "(+set ~b*)",
              "(+lpush &c* ~*)"});
  ClientPair p = LoginPair("sel", "pw");
  ExpectSameCalls(p, {{"GET", "a1"},
                      {"GET", "b1"},
                      {"SET", "b1", "v"},
                      {"SET", "a1", "v"},
                      {"LPUSH", "anything", "v"},
                      {"INCR", "a1"},
                      {"PUBLISH", "c1", "m"}});
  ExpectSameLog({"ACL", "LOG"});
  ExpectSame({"ACL", "DRYRUN", "sel", "SET", "a1", "v"});
  ExpectSame({"ACL", "DRYRUN", "sel", "GET", "b1"});
}

TEST_F(AclEnforcementDiffTest, MultiQueueingAndRulesChangedBeforeExec) {
  ExpectSame({"ACL", "SETUSER", "m", "on", ">pw", "+@all", "~*", "&*", "-lpush"});
  ClientPair p = LoginPair("m", "pw");
  ExpectSameCalls(p, {{"MULTI"}, {"SET", "k", "1"}, {"LPUSH", "l", "x"}, {"EXEC"}});
  ExpectSameLogPair(p, {"ACL", "LOG", "1"});
  // Rules tightened by another client between queueing and EXEC.
  ExpectSameCalls(p, {{"MULTI"},
                      {"SET", "k", "2"},
                      {"GET", "k"},
                      {"PUBLISH", "ch", "m"},
                      {"CLIENT", "INFO"},
                      {"PING"}});
  ExpectSame({"ACL", "SETUSER", "m", "-set", "resetkeys", "~other", "resetchannels"});
  std::string rill = p.rill->Command({"EXEC"});
  std::string redis = p.redis->Command({"EXEC"});
  ExpectSameReplies(
      "EXEC after rules changed",
      MaskAclLog(RewriteBulks(
          rill,
          [](auto, auto b) { return b.find("id=") == 0 ? MaskClientInfo(b) : std::string(b); })),
      MaskAclLog(RewriteBulks(redis, [](auto, auto b) {
        return b.find("id=") == 0 ? MaskClientInfo(b) : std::string(b);
      })));
  ExpectSameLog({"ACL", "LOG"});
  ExpectSame({"GET", "k"});
}

TEST_F(AclEnforcementDiffTest, TransactionCommandsThemselvesDenied) {
  ExpectSame({"ACL", "SETUSER", "nx", "on", ">pw", "+@all", "~*", "&*", "-exec", "-discard"});
  ClientPair p = LoginPair("nx", "pw");
  ExpectSameCalls(
      p, {{"MULTI"}, {"SET", "k", "1"}, {"EXEC"}, {"EXEC"}, {"MULTI"}, {"DISCARD"}, {"PING"}});
  ExpectSame({"ACL", "SETUSER", "nm", "on", ">pw", "+@all", "~*", "&*", "-multi"});
  ClientPair q = LoginPair("nm", "pw");
  ExpectSameCalls(q, {{"MULTI"}, {"EXEC"}, {"GET", "k"}});
  ExpectSameLog({"ACL", "LOG"});
}

TEST_F(AclEnforcementDiffTest, LogGroupingCountsAndLength) {
  ExpectSame({"ACL", "SETUSER", "lg", "on", ">pw", "-@all", "+get", "+set", "~a*"});
  ClientPair p = LoginPair("lg", "pw");
  ExpectSameCalls(p, {{"GET", "b"}, {"GET", "b"}, {"GET", "c"}, {"INCR", "a"}, {"GET", "b"}});
  ExpectSameLog({"ACL", "LOG"});
  ExpectSameLog({"ACL", "LOG", "2"});
  ExpectSameLog({"ACL", "LOG", "0"});
  ExpectSameLog({"ACL", "LOG", "-1"});
  ExpectSameLog({"ACL", "LOG", "x"});
  ExpectSame({"CONFIG", "SET", "acllog-max-len", "2"});
  ExpectSameCalls(p, {{"GET", "d"}, {"GET", "e"}, {"GET", "f"}});
  ExpectSameLog({"ACL", "LOG", "100"});
  ExpectSame({"CONFIG", "SET", "acllog-max-len", "128"});
  ExpectSame({"ACL", "LOG", "RESET"});
  ExpectSame({"ACL", "LOG", "reset"});
  ExpectSame({"ACL", "LOG"});
  // RESP3 map shapes and the age as a double.
  SendBoth({"HELLO", "3"});
  ExpectSameCalls(p, {{"GET", "z"}});
  ExpectSameLog({"ACL", "LOG"});
  SendBoth({"HELLO", "2"});
}

TEST_F(AclEnforcementDiffTest, AuthAndHelloWithUsers) {
  ExpectSame({"ACL", "SETUSER", "au", "on", ">pw", "+@all", "~*"});
  ExpectSame({"ACL", "SETUSER", "off_user", "off", ">pw", "+@all"});
  ExpectSame({"ACL", "SETUSER", "free", "on", "nopass", "+@all"});
  ClientPair p = ConnectPair();
  ExpectSameCalls(p, {{"AUTH", "pw"},
                      {"AUTH", "au", "wrong"},
                      {"AUTH", "nobody", "pw"},
                      {"AUTH", "off_user", "pw"},
                      {"AUTH", "a", "b", "c"},
                      {"ACL", "WHOAMI"},
                      {"AUTH", "free", "anything"},
                      {"ACL", "WHOAMI"},
                      {"auth", "au", "pw"},
                      {"ACL", "WHOAMI"},
                      {"HELLO", "2", "AUTH", "au", "bad"},
                      {"HELLO", "2", "AUTH", "default", "x", "BOGUS"},
                      {"ACL", "WHOAMI"},
                      {"HELLO", "2", "AUTH", "free", "x", "SETNAME", "named"},
                      {"ACL", "WHOAMI"},
                      {"CLIENT", "GETNAME"},
                      {"AUTH", "au", "pw"},
                      {"HELLO", "2", "SETNAME", "a b", "AUTH", "default", "x"},
                      {"ACL", "WHOAMI"},
                      {"HELLO", "2", "SETNAME", "good", "BOGUS"},
                      {"CLIENT", "GETNAME"},
                      {"HELLO", "2", "AUTH", "au", "pw", "AUTH", "nobody", "x"},
                      {"ACL", "WHOAMI"},
                      {"HELLO", "2", "AUTH", "au", "pw", "SETNAME", "named"}});
  ExpectSameLog({"ACL", "LOG"});
  // CLIENT INFO/LIST carry the user name.
  std::string rill = p.rill->Command({"CLIENT", "INFO"});
  std::string redis = p.redis->Command({"CLIENT", "INFO"});
  ExpectSameReplies("CLIENT INFO",
                    RewriteBulks(rill, [](auto, auto b) { return MaskClientInfo(b); }),
                    RewriteBulks(redis, [](auto, auto b) { return MaskClientInfo(b); }));
  ExpectSameCalls(p, {{"RESET"}, {"ACL", "WHOAMI"}});
}

TEST_F(AclEnforcementDiffTest, DeletingAUserDisconnectsItsClients) {
  ExpectSame({"ACL", "SETUSER", "gone", "on", ">pw", "+@all", "~*", "&*"});
  ClientPair victim = LoginPair("gone", "pw");
  ClientPair bystander = ConnectPair();
  ExpectSame({"ACL", "DELUSER", "gone"});
  ExpectBothClosed(victim, "after DELUSER of its user");
  ExpectSamePair(bystander, {"PING"});
  // A client deleting its own user gets its reply, then the connection closes.
  ExpectSame({"ACL", "SETUSER", "self", "on", ">pw", "+@all", "~*", "&*"});
  ClientPair self = LoginPair("self", "pw");
  ExpectSamePair(self, {"ACL", "DELUSER", "self"});
  ExpectBothClosed(self, "after deleting its own user");
}

TEST_F(AclEnforcementDiffTest, DisablingOrChangingPasswordsKeepsConnections) {
  // Redis 7.0.15 leaves already authenticated connections alone for these: only new AUTHs
  // are affected.
  for (const Argv& change : std::vector<Argv>{{"off"}, {"resetpass"}, {"<pw"}, {"nopass"}}) {
    ExpectSame({"ACL", "SETUSER", "keep", "on", ">pw", "+@all", "~*", "&*"});
    ClientPair p = LoginPair("keep", "pw");
    Argv argv = {"ACL", "SETUSER", "keep"};
    argv.insert(argv.end(), change.begin(), change.end());
    ExpectSame(argv);
    ExpectSameCalls(p, {{"PING"}, {"ACL", "WHOAMI"}});
    ClientPair fresh = ConnectPair();
    ExpectSamePair(fresh, {"AUTH", "keep", "pw"});
  }
}

TEST_F(AclEnforcementDiffTest, RevokedChannelsDisconnectSubscribers) {
  ExpectSame({"ACL", "SETUSER", "sub", "on", ">pw", "+@all", "~*", "&*"});
  ClientPair on_foo = LoginPair("sub", "pw");
  ClientPair on_pattern = LoginPair("sub", "pw");
  ClientPair on_bar = LoginPair("sub", "pw");
  ClientPair on_shard = LoginPair("sub", "pw");
  ExpectSamePair(on_foo, {"SUBSCRIBE", "foo"});
  ExpectSamePair(on_pattern, {"PSUBSCRIBE", "f*"});
  ExpectSamePair(on_bar, {"SUBSCRIBE", "bar"});
  ExpectSamePair(on_shard, {"SSUBSCRIBE", "bar"});
  ExpectSame({"ACL", "SETUSER", "sub", "resetchannels", "&foo", "&f*"});
  ExpectSamePair(on_foo, {"PING"});
  ExpectSamePair(on_pattern, {"PING"});
  ExpectBothClosed(on_bar, "subscribed to a channel no longer allowed");
  ExpectBothClosed(on_shard, "shard-subscribed to a channel no longer allowed");
  // Adding channels (a superset) disconnects nobody; dropping the pattern does.
  ExpectSame({"ACL", "SETUSER", "sub", "&more"});
  ExpectSamePair(on_pattern, {"PING"});
  ExpectSame({"ACL", "SETUSER", "sub", "resetchannels", "&foo", "&fx"});
  ExpectSamePair(on_foo, {"PING"});
  ExpectBothClosed(on_pattern, "pattern no longer allowed literally");
}

// Changes the default user: a suite of its own (fresh servers).
class AclDefaultUserDiffTest : public AclEnforcementDiffTest {};

TEST_F(AclDefaultUserDiffTest, RequirepassIsTheDefaultUsersPassword) {
  ExpectSame({"CONFIG", "SET", "requirepass", "pw"});
  ExpectSame({"ACL", "LIST"});
  ClientPair p = ConnectPair();
  ExpectSameCalls(p, {{"GET", "k"},
                      {"ACL", "WHOAMI"},
                      {"HELLO", "3"},
                      {"HELLO", "3", "SETNAME", "early"},
                      {"AUTH", "wrong"},
                      {"AUTH", "pw"},
                      {"ACL", "WHOAMI"},
                      {"CLIENT", "GETNAME"}});
  ExpectSame({"ACL", "SETUSER", "default", ">second"});
  ExpectSame({"CONFIG", "GET", "requirepass"});
  ExpectSame({"ACL", "LIST"});
  ClientPair q = ConnectPair();
  ExpectSameCalls(q, {{"AUTH", "second"}, {"PING"}});
  // Back to no password: waiting unauthenticated connections may run commands at once.
  ClientPair waiting = ConnectPair();
  ExpectSamePair(waiting, {"PING"});
  ExpectSame({"CONFIG", "SET", "requirepass", ""});
  ExpectSame({"ACL", "LIST"});
  ExpectSamePair(waiting, {"PING"});
  ExpectSamePair(waiting, {"AUTH", "x"});
  // A disabled default user: new connections must authenticate and cannot.
  ExpectSame({"ACL", "SETUSER", "default", "off"});
  ClientPair locked = ConnectPair();
  ExpectSameCalls(locked, {{"PING"}, {"AUTH", "default", "x"}, {"AUTH", "x"}});
  ExpectSame({"ACL", "SETUSER", "default", "on"});
  ExpectSameCalls(locked, {{"PING"}});
  ExpectSameLog({"ACL", "LOG"});
}

}  // namespace
}  // namespace rill::testing
