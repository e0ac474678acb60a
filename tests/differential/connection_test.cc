// Connection and server commands, error replies and RESP3 shapes compared with redis.
#include <regex>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

// Hides the fields of a HELLO reply that legitimately differ between two servers: the client id
// and the exact server version string.
std::string MaskHello(std::string reply) {
  reply = std::regex_replace(reply, std::regex("(\\$2\r\nid\r\n:)[0-9]+"), "$1<id>");
  reply = std::regex_replace(reply, std::regex("(\\$7\r\nversion\r\n)\\$[0-9]+\r\n[^\r]*"),
                             "$1<version>");
  return reply;
}

class ConnectionDiffTest : public DifferentialTest {
 protected:
  void ExpectSameHello(const std::vector<std::string>& argv) {
    std::string rill = MaskHello(rill_client().Command(argv));
    std::string redis = MaskHello(redis_client().Command(argv));
    EXPECT_EQ(rill, redis) << "\n  rill:  " << EscapeBytes(rill)
                           << "\n  redis: " << EscapeBytes(redis);
  }
};

TEST_F(ConnectionDiffTest, PingAndEcho) {
  ExpectSame({"PING"});
  ExpectSame({"PING", "hello world"});
  ExpectSame({"PING", ""});
  ExpectSame({"PING", "a", "b"});
  ExpectSame({"ECHO", "hi"});
  ExpectSame({"ECHO", ""});
  ExpectSame({"ECHO"});
  ExpectSame({"ECHO", "a", "b"});
  ExpectSame({"ping"});
  ExpectSame({"PiNg", "x"});
}

TEST_F(ConnectionDiffTest, HelloVersions) {
  ExpectSameHello({"HELLO"});
  ExpectSameHello({"HELLO", "2"});
  ExpectSameHello({"HELLO", "4"});
  ExpectSameHello({"HELLO", "1"});
  ExpectSameHello({"HELLO", "abc"});
  ExpectSameHello({"HELLO", "-1"});
  ExpectSameHello({"HELLO", "2", "BOGUS"});
  ExpectSameHello({"HELLO", "2", "SETNAME"});
  ExpectSameHello({"HELLO", "2", "SETNAME", "with space"});
  ExpectSameHello({"HELLO", "3", "SETNAME", "myname"});
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSameHello({"HELLO", "3"});
  ExpectSameHello({"HELLO", "2"});
  ExpectSame({"CLIENT", "GETNAME"});
}

TEST_F(ConnectionDiffTest, UnknownCommands) {
  ExpectSame({"NOSUCHCOMMAND"});
  ExpectSame({"nosuchcommand", "a", "b"});
  ExpectSame({"FOO", "with space", ""});
  ExpectSame({"FOO", std::string(200, 'x'), "second"});
  std::vector<std::string> many = {"FOO"};
  for (int i = 0; i < 40; ++i) many.push_back("argument" + std::to_string(i));
  ExpectSame(many);
  ExpectSame({""});
  ExpectSame({"CLIENT", "NOSUCHSUB"});
  ExpectSame({"CONFIG", "NOSUCHSUB", "x"});
  ExpectSame({"OBJECT", "NOSUCHSUB"});
  ExpectSame({"COMMAND", "NOSUCHSUB"});
}

TEST_F(ConnectionDiffTest, WrongArity) {
  const std::vector<std::vector<std::string>> cases = {{"GET"},
                                                       {"SET", "k"},
                                                       {"SETNX", "k"},
                                                       {"SETEX", "k", "1"},
                                                       {"PSETEX", "k"},
                                                       {"GETSET", "k"},
                                                       {"GETDEL"},
                                                       {"GETEX"},
                                                       {"MGET"},
                                                       {"MSET"},
                                                       {"MSETNX", "a"},
                                                       {"INCR"},
                                                       {"INCR", "a", "b"},
                                                       {"DECR"},
                                                       {"INCRBY", "k"},
                                                       {"DECRBY", "k"},
                                                       {"INCRBYFLOAT", "k"},
                                                       {"APPEND", "k"},
                                                       {"STRLEN"},
                                                       {"GETRANGE", "k", "0"},
                                                       {"SETRANGE", "k", "0"},
                                                       {"SUBSTR", "k"},
                                                       {"LCS", "a"},
                                                       {"DEL"},
                                                       {"UNLINK"},
                                                       {"EXISTS"},
                                                       {"TYPE"},
                                                       {"RENAME", "a"},
                                                       {"RENAMENX", "a"},
                                                       {"KEYS"},
                                                       {"SCAN"},
                                                       {"RANDOMKEY", "x"},
                                                       {"DBSIZE", "x"},
                                                       {"EXPIRE", "k"},
                                                       {"PEXPIRE", "k"},
                                                       {"EXPIREAT", "k"},
                                                       {"PEXPIREAT", "k"},
                                                       {"TTL"},
                                                       {"PTTL"},
                                                       {"EXPIRETIME"},
                                                       {"PEXPIRETIME"},
                                                       {"PERSIST"},
                                                       {"TOUCH"},
                                                       {"COPY", "a"},
                                                       {"MOVE", "a"},
                                                       {"SELECT"},
                                                       {"SWAPDB", "0"},
                                                       {"ECHO"},
                                                       {"PING", "a", "b"},
                                                       {"TIME", "x"},
                                                       {"OBJECT"},
                                                       {"CLIENT"},
                                                       {"CONFIG"},
                                                       {"CONFIG", "GET"},
                                                       {"CONFIG", "SET", "x"},
                                                       {"COMMAND", "GETKEYS"},
                                                       {"FLUSHDB", "a", "b", "c"},
                                                       {"HELLO", "3", "AUTH"},
                                                       {"CLIENT", "SETNAME"},
                                                       {"CLIENT", "GETNAME", "x"},
                                                       {"CLIENT", "ID", "x"},
                                                       {"OBJECT", "ENCODING"}};
  for (const auto& argv : cases) ExpectSame(argv);
}

TEST_F(ConnectionDiffTest, ClientNameAndId) {
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSame({"CLIENT", "SETNAME", "worker-1"});
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSame({"CLIENT", "SETNAME", "has space"});
  ExpectSame({"CLIENT", "SETNAME", "new\nline"});
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSame({"CLIENT", "SETNAME", ""});
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSame({"client", "setname", "x", "y"});
  const std::regex integer_reply(":[1-9][0-9]*\r\n");
  std::string rill_id = rill_client().Command({"CLIENT", "ID"});
  std::string redis_id = redis_client().Command({"CLIENT", "ID"});
  EXPECT_TRUE(std::regex_match(rill_id, integer_reply)) << EscapeBytes(rill_id);
  EXPECT_TRUE(std::regex_match(redis_id, integer_reply)) << EscapeBytes(redis_id);
}

TEST_F(ConnectionDiffTest, TimeShape) {
  const std::regex time_reply("\\*2\r\n\\$10\r\n[0-9]{10}\r\n\\$[1-6]\r\n[0-9]{1,6}\r\n");
  std::string rill = rill_client().Command({"TIME"});
  std::string redis = redis_client().Command({"TIME"});
  EXPECT_TRUE(std::regex_match(rill, time_reply)) << EscapeBytes(rill);
  EXPECT_TRUE(std::regex_match(redis, time_reply)) << EscapeBytes(redis);
  // Both clocks read the same wall time to within a few seconds.
  int64_t rill_seconds = std::stoll(rill.substr(9, 10));
  int64_t redis_seconds = std::stoll(redis.substr(9, 10));
  EXPECT_LE(std::abs(rill_seconds - redis_seconds), 2);
}

TEST_F(ConnectionDiffTest, ConfigGetSharedParameters) {
  for (const char* name : {"databases", "timeout", "maxmemory", "maxmemory-policy", "appendonly",
                           "save", "proto-max-bulk-len", "hz", "maxclients", "port-that-is-not",
                           "DATABASES", "lazyfree-lazy-user-del", "appendfsync"}) {
    ExpectSame({"CONFIG", "GET", name});
  }
}

TEST_F(ConnectionDiffTest, CommandInfoAndDocs) {
  for (const char* name :
       {"get", "set", "mset", "expire", "del", "config|get", "GET", "nosuchcommand"}) {
    ExpectSame({"COMMAND", "INFO", name});
    ExpectSame({"COMMAND", "DOCS", name}, Compare::kDocsStructure);
  }
  ExpectSame({"COMMAND", "INFO", "get", "set", "nosuch"});
  ExpectSame({"COMMAND", "DOCS", "get", "nosuch", "set"}, Compare::kDocsStructure);
  // The mask hides only prose: the summary text goes, the argument structure stays.
  std::string docs = Rill({"COMMAND", "DOCS", "set"});
  std::string masked = MaskDocsProse(docs);
  EXPECT_NE(masked, docs);
  EXPECT_EQ(masked.find("Store a string value"), std::string::npos);
  EXPECT_NE(masked.find("$7\r\nsummary\r\n$<prose>\r\n"), std::string::npos);
  EXPECT_NE(masked.find("$6\r\n2.6.12\r\n$<prose>\r\n"), std::string::npos);
  EXPECT_NE(masked.find("$7\r\nKEEPTTL\r\n"), std::string::npos);
}

TEST_F(ConnectionDiffTest, CommandGetkeys) {
  ExpectSame({"COMMAND", "GETKEYS", "GET", "k"});
  ExpectSame({"COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"});
  ExpectSame({"COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"});
  ExpectSame({"COMMAND", "GETKEYS", "MSET", "a", "1", "b"});
  ExpectSame({"COMMAND", "GETKEYS", "DEL", "a", "b", "c"});
  ExpectSame({"COMMAND", "GETKEYS", "RENAME", "a", "b"});
  ExpectSame({"COMMAND", "GETKEYS", "LCS", "a", "b", "LEN"});
  ExpectSame({"COMMAND", "GETKEYS", "EXPIRE", "k", "10"});
  ExpectSame({"COMMAND", "GETKEYS", "PING"});
  ExpectSame({"COMMAND", "GETKEYS", "GET"});
  ExpectSame({"COMMAND", "GETKEYS", "NOSUCH", "k"});
  ExpectSame({"COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v"});
  ExpectSame({"COMMAND", "GETKEYSANDFLAGS", "COPY", "a", "b"});
}

TEST_F(ConnectionDiffTest, ProtocolErrorsCloseTheConnection) {
  ExpectSameThenClose("*abc\r\n");
  ExpectSameThenClose("*1\r\n$abc\r\n");
  ExpectSameThenClose("*1\r\nfoo\r\n");
  ExpectSameThenClose("*1\r\n$-5\r\n");
  ExpectSameThenClose("*99999999999\r\n");
  ExpectSameThenClose("*1\r\n$600000000\r\n");
  ExpectSameThenClose("SET \"abc\r\n");
  ExpectSameThenClose("SET 'abc\r\n");
  ExpectSameThenClose("SET \"abc\"def\r\n");
  ExpectSameThenClose(std::string(70000, 'a'));
}

TEST_F(ConnectionDiffTest, InlineCommandsMatch) {
  ExpectSameRaw("PING\r\n");
  ExpectSameRaw("PING\n");
  ExpectSameRaw("SET \"a b\" 'c d'\r\n");
  ExpectSameRaw("GET \"a b\"\r\n");
  ExpectSameRaw("ECHO \"\\x41\\n\"\r\n");
  ExpectSameRaw("   ECHO    spaced   \r\n");
  ExpectSameRaw("NOSUCH arg\r\n");
  ExpectSameRaw("\r\nPING\r\n");  // An empty inline line is skipped without a reply.
  ExpectSameRaw("*-1\r\nPING\r\n");
  ExpectSameRaw("*0\r\nPING\r\n");
}

TEST_F(ConnectionDiffTest, Resp3Replies) {
  SendBoth({"HELLO", "3"});
  ExpectSame({"GET", "missing"});
  ExpectSame({"CLIENT", "GETNAME"});
  ExpectSame({"CONFIG", "GET", "databases"});
  ExpectSame({"CONFIG", "GET", "nosuchparam"});
  ExpectSame({"PING"});
  ExpectSame({"ECHO", "x"});
  ExpectSame({"COMMAND", "INFO", "get"});
  ExpectSame({"COMMAND", "DOCS", "get"}, Compare::kDocsStructure);
  ExpectSame({"NOSUCH"});
  ExpectSame({"MGET", "a", "b"});
}

}  // namespace
}  // namespace rill::testing
