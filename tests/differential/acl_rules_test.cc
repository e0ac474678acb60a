// ACL rules compared with redis: every rule form of ACL SETUSER, its errors, and how ACL GETUSER
// and ACL LIST describe the result (Redis's rule normalisation: +@all/-@all first, best-fitting
// categories, then single commands, whose order alone is masked).
#include "tests/support/acl_differential.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

class AclRulesDiffTest : public AclDiffTest {
 protected:
  // SETUSER on both, then both descriptions of the user compared.
  void SetAndDescribe(const std::string& user, Argv rules) {
    Argv argv = {"ACL", "SETUSER", user};
    argv.insert(argv.end(), rules.begin(), rules.end());
    ExpectSame(argv);
    ExpectSameRules({"ACL", "GETUSER", user});
    ExpectSameRules({"ACL", "LIST"});
  }
};

TEST_F(AclRulesDiffTest, DefaultUserAndEmptyState) {
  ExpectSame({"ACL", "LIST"});
  ExpectSame({"ACL", "GETUSER", "default"});
  ExpectSame({"ACL", "USERS"});
  ExpectSame({"ACL", "WHOAMI"});
  ExpectSame({"ACL", "GETUSER", "nobody"});
  ExpectSame({"ACL", "LOG"});
}

TEST_F(AclRulesDiffTest, CommandAndCategoryRules) {
  SetAndDescribe("u1", {"+get", "+set", "+@string", "-@string", "+get"});
  SetAndDescribe("u2", {"+@all", "-@dangerous", "+flushall"});
  SetAndDescribe("u3", {"-@all", "+@read", "-get", "+config|get", "+select|0", "+select|1"});
  SetAndDescribe("u4", {"allcommands", "-@write", "-config", "+config|get"});
  SetAndDescribe("u5", {"nocommands", "+@slow"});
  SetAndDescribe("u6", {"+@all", "-@slow", "+client|list", "-@fast", "+@connection"});
  SetAndDescribe("u7", {"+@ALL", "-GET", "+Config|Get", "-@HyperLogLog"});
  SetAndDescribe("u8", {"+@read", "+@write", "-@keyspace", "+del", "+@pubsub", "-publish"});
  SetAndDescribe("u9", {"+debug|object", "+debug|sleep", "+select|0", "-select"});
  SetAndDescribe("u10", {"+@all", "-@all", "+acl", "-acl|setuser"});
  SetAndDescribe("u11", {"+@geo", "+@sortedset", "+@bitmap", "+@hash", "+@set", "+@list"});
  SetAndDescribe("u12", {"+@admin", "-@dangerous", "+@blocking", "+@transaction", "+@scripting"});
  for (const char* category :
       {"keyspace",   "read",        "write",    "set",         "sortedset", "list",
        "hash",       "string",      "bitmap",   "hyperloglog", "geo",       "stream",
        "pubsub",     "admin",       "fast",     "slow",        "blocking",  "dangerous",
        "connection", "transaction", "scripting"}) {
    SetAndDescribe("minus", {"+@all", std::string("-@") + category});
    SetAndDescribe("plus", {"-@all", std::string("+@") + category});
  }
}

TEST_F(AclRulesDiffTest, KeyAndChannelRules) {
  SetAndDescribe("k1", {"~foo*", "~bar", "~foo*", "&chan*", "&chan*", "&other"});
  SetAndDescribe("k2", {"%R~r*", "%W~w*", "%RW~rw*", "%WR~x", "%r~lower", "%w~y"});
  SetAndDescribe("k3", {"%R~a", "%W~a", "~b", "%R~b", "%RW", "%R", "%W~"});
  SetAndDescribe("k4", {"allkeys", "allchannels"});
  SetAndDescribe("k4", {"resetkeys", "~k", "resetchannels", "&c"});
  SetAndDescribe("k5", {"~*", "&*", "resetkeys", "resetchannels"});
  SetAndDescribe("k6", {"~a", "allkeys"});
  SetAndDescribe("k7", {"&a", "allchannels", "resetchannels", "&b"});
}

TEST_F(AclRulesDiffTest, PasswordAndFlagRules) {
  const std::string hash = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
  SetAndDescribe("p1", {"on", ">secret", ">secret", ">other", "#" + hash});
  SetAndDescribe("p1", {"<other", "!" + hash});
  SetAndDescribe("p1", {"nopass"});
  SetAndDescribe("p1", {">again"});
  SetAndDescribe("p1", {"resetpass", "off"});
  SetAndDescribe("p2", {"on", "skip-sanitize-payload"});
  SetAndDescribe("p2", {"sanitize-payload", "OFF", "ON"});
  SetAndDescribe("p3", {"on", ">x", "~k", "&c", "+get", "(+set ~s)", "reset"});
  SetAndDescribe("p4", {""});
  SetAndDescribe("p5", {">", "<"});
}

TEST_F(AclRulesDiffTest, Selectors) {
  SetAndDescribe("s1", {"on", "(+get ~a*)", "(+set", "~b*", "&c)", "()"});
  SetAndDescribe("s1", {"clearselectors", "(%R~r* +@read)"});
  SetAndDescribe("s2", {"(~x", "resetkeys", "allkeys)"});
  SetAndDescribe("s3", {"(\"~quoted\" +get)"});
  SetAndDescribe("s4", {"(+get", "(+set", "~k)"});
  SendBoth({"HELLO", "3"});
  ExpectSameRules({"ACL", "GETUSER", "s1"});
  ExpectSameRules({"ACL", "GETUSER", "s3"});
  ExpectSameRules({"ACL", "GETUSER", "default"});
  SendBoth({"HELLO", "2"});
}

TEST_F(AclRulesDiffTest, SetUserErrors) {
  for (const Argv& rules : std::vector<Argv>{
           {"foo"},
           {"+nocmd"},
           {"-nocmd"},
           {"+@nocat"},
           {"-@"},
           {"+"},
           {"~a b"},
           {"~a\tb"},
           {"&a b"},
           {"%X~a"},
           {"%"},
           {"%~x"},
           {"%RR~x"},
           {"#abc"},
           {"#2D711642B726B04401627CA9FBAC32F5C8530FB1903CC4DB02258717921A4881"},
           {"!abc"},
           {"<nopw"},
           {"!0000000000000000000000000000000000000000000000000000000000000000"},
           {"+config|get|x"},
           {"-config|get|x"},
           {"+select|"},
           {"+config|"},
           {"+config|nosub"},
           {"-select|0"},
           {"+|x"},
           {"(+get"},
           {"on", "(+get", "x"},
           {"("},
           {"(on)"},
           {"(~* ~x)"},
           {"(&* &x)"},
           {"(nopass)"},
           {"allkeys", "~x"},
           {"allchannels", "&x"},
           {"~*", "%R~x"},
           {"on", ">pw", "+get", "bogus", "+set"},
       }) {
    Argv argv = {"ACL", "SETUSER", "bad"};
    argv.insert(argv.end(), rules.begin(), rules.end());
    ExpectSame(argv);
  }
  // Nothing of a failed SETUSER is applied.
  ExpectSame({"ACL", "GETUSER", "bad"});
  ExpectSame({"ACL", "SETUSER", "bad", "on"});
  ExpectSame({"ACL", "SETUSER", "bad", "+get", "nonsense"});
  ExpectSameRules({"ACL", "GETUSER", "bad"});
  ExpectSame({"ACL", "SETUSER", "a b"});
  ExpectSame({"ACL", "SETUSER", std::string("a\0b", 3)});
  ExpectSame({"ACL", "SETUSER", ""});
  ExpectSameRules({"ACL", "LIST"});
}

TEST_F(AclRulesDiffTest, SubcommandArityAndSyntax) {
  for (const Argv& argv : std::vector<Argv>{{"ACL"},
                                            {"ACL", "nosub"},
                                            {"ACL", "HELP"},
                                            {"ACL", "help", "x"},
                                            {"ACL", "SETUSER"},
                                            {"ACL", "GETUSER"},
                                            {"ACL", "GETUSER", "a", "b"},
                                            {"ACL", "DELUSER"},
                                            {"ACL", "LIST", "x"},
                                            {"ACL", "USERS", "x"},
                                            {"ACL", "WHOAMI", "x"},
                                            {"ACL", "CAT", "a", "b"},
                                            {"ACL", "LOG", "1", "2"},
                                            {"ACL", "GENPASS", "1", "2"},
                                            {"ACL", "LOAD", "x"},
                                            {"ACL", "SAVE", "x"},
                                            {"ACL", "DRYRUN", "x"},
                                            {"ACL", "DRYRUN", "x", "y"},
                                            {"acl", "whoami"},
                                            {"ACL", "LOAD"},
                                            {"ACL", "SAVE"}}) {
    ExpectSame(argv);
  }
}

TEST_F(AclRulesDiffTest, CategoriesAndGenPass) {
  ExpectSame({"ACL", "CAT"});
  for (const char* category :
       {"keyspace",   "read",        "write",     "set",         "sortedset", "list",
        "hash",       "string",      "bitmap",    "hyperloglog", "geo",       "stream",
        "pubsub",     "admin",       "fast",      "slow",        "blocking",  "dangerous",
        "connection", "transaction", "scripting", "DANGEROUS"}) {
    // Redis lists a category's commands in hash order.
    ExpectSame({"ACL", "CAT", category}, Compare::kSortedArray);
  }
  ExpectSame({"ACL", "CAT", "nope"});
  ExpectSame({"ACL", "CAT", std::string(300, 'x')});
  // Random passwords: same length and alphabet, errors byte for byte.
  for (const Argv& argv : std::vector<Argv>{{"ACL", "GENPASS"},
                                            {"ACL", "GENPASS", "1"},
                                            {"ACL", "GENPASS", "5"},
                                            {"ACL", "GENPASS", "255"},
                                            {"ACL", "GENPASS", "4096"}}) {
    std::string rill = Rill(argv), redis = Redis(argv);
    EXPECT_EQ(rill.size(), redis.size()) << rill << " vs " << redis;
    std::string body = rill.substr(rill.find("\r\n") + 2);
    body.resize(body.size() - 2);
    EXPECT_EQ(body.find_first_not_of("0123456789abcdef"), std::string::npos) << body;
  }
  EXPECT_NE(Rill({"ACL", "GENPASS"}), Rill({"ACL", "GENPASS"}));
  ExpectSame({"ACL", "GENPASS", "0"});
  ExpectSame({"ACL", "GENPASS", "-5"});
  ExpectSame({"ACL", "GENPASS", "4097"});
  ExpectSame({"ACL", "GENPASS", "x"});
}

TEST_F(AclRulesDiffTest, UsersDelUserAndWhoami) {
  ExpectSame({"ACL", "SETUSER", "zed", "on"});
  ExpectSame({"ACL", "SETUSER", "alice"});
  ExpectSame({"ACL", "SETUSER", "Bob"});
  ExpectSame({"ACL", "SETUSER", "_under"});
  ExpectSame({"ACL", "USERS"});
  ExpectSame({"ACL", "DELUSER", "default"});
  ExpectSame({"ACL", "DELUSER", "alice", "default"});
  ExpectSame({"ACL", "USERS"});
  ExpectSame({"ACL", "DELUSER", "alice", "nobody", "Bob", "alice"});
  ExpectSame({"ACL", "DELUSER", "ZED"});
  ExpectSame({"ACL", "USERS"});
  ExpectSameRules({"ACL", "LIST"});
  ExpectSame({"ACL", "WHOAMI"});
}

TEST_F(AclRulesDiffTest, DryRun) {
  ExpectSame({"ACL", "SETUSER", "dry", "on", "~foo*", "&chan*", "%R~ro*", "-@all", "+get", "+set",
              "+publish", "+subscribe", "+psubscribe", "+config|get", "+copy", "+select|0",
              "+lmpop"});
  for (const Argv& call : std::vector<Argv>{{"GET", "bar"},
                                            {"GET", "foo1"},
                                            {"GET", "ro1"},
                                            {"SET", "ro1", "v"},
                                            {"SET", "foo", "v", "GET"},
                                            {"COPY", "foo1", "ro1"},
                                            {"COPY", "ro1", "foo1"},
                                            {"LPUSH", "foo", "x"},
                                            {"PUBLISH", "x", "y"},
                                            {"PUBLISH", "chan1", "y"},
                                            {"SUBSCRIBE", "chan1", "x", "chan2"},
                                            {"PSUBSCRIBE", "chan*"},
                                            {"PSUBSCRIBE", "chan1"},
                                            {"CONFIG", "GET", "x"},
                                            {"CONFIG", "SET", "x", "y"},
                                            {"SELECT", "0"},
                                            {"SELECT", "1"},
                                            {"LMPOP", "2", "foo1", "bar", "LEFT"},
                                            {"LMPOP", "x", "foo1", "bar", "LEFT"},
                                            {"AUTH", "x"},
                                            {"SADD", "foo", "m"},
                                            {"GET"},
                                            {"CONFIG"},
                                            {"CONFIG", "NOSUB"},
                                            {"NOCMD", "x"},
                                            {"get", "foo"}}) {
    Argv argv = {"ACL", "DRYRUN", "dry"};
    argv.insert(argv.end(), call.begin(), call.end());
    ExpectSame(argv);
  }
  ExpectSame({"ACL", "DRYRUN", "nobody", "GET", "x"});
  ExpectSame({"ACL", "DRYRUN", "default", "FLUSHALL"});
}

TEST_F(AclRulesDiffTest, PubSubDefaultAllChannels) {
  ExpectSame({"CONFIG", "SET", "acl-pubsub-default", "allchannels"});
  SetAndDescribe("pd1", {"on"});
  SetAndDescribe("pd1", {"(+get)"});
  SetAndDescribe("pd2", {"reset"});
  ExpectSame({"CONFIG", "SET", "acl-pubsub-default", "resetchannels"});
  SetAndDescribe("pd3", {"on", "(+get)"});
  SetAndDescribe("pd2", {"reset"});
  ExpectSame({"CONFIG", "GET", "acl-pubsub-default"});
  ExpectSame({"CONFIG", "GET", "acllog-max-len"});
  ExpectSame({"CONFIG", "GET", "aclfile"});
}

}  // namespace
}  // namespace rill::testing
