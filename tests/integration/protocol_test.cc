// Protocol behaviour of the server over a real socket, checked by exact reply bytes.
#include <string>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class ProtocolTest : public ServerTest {};

TEST_F(ProtocolTest, InlinePing) {
  auto client = Connect();
  ASSERT_TRUE(client);
  client->SendRaw("PING\r\n");
  EXPECT_EQ(client->ReadReply(), "+PONG\r\n");
  client->SendRaw("PING\n");  // A bare LF also ends an inline command.
  EXPECT_EQ(client->ReadReply(), "+PONG\r\n");
  client->SendRaw("ping hello\r\n");
  EXPECT_EQ(client->ReadReply(), "$5\r\nhello\r\n");
}

TEST_F(ProtocolTest, InlineQuotedArguments) {
  auto client = Connect();
  ASSERT_TRUE(client);
  client->SendRaw("SET \"a b\" 'c d'\r\nGET \"a b\"\r\n");
  EXPECT_EQ(client->ReadReply(), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "$3\r\nc d\r\n");
  client->SendRaw("ECHO \"\\x41\\tb\\n\"\r\n");
  EXPECT_EQ(client->ReadReply(), "$4\r\nA\tb\n\r\n");
  client->SendRaw("ECHO 'it\\'s'\r\n");
  EXPECT_EQ(client->ReadReply(), "$4\r\nit's\r\n");
}

TEST_F(ProtocolTest, InlineUnbalancedQuotesCloseConnection) {
  auto client = Connect();
  ASSERT_TRUE(client);
  client->SendRaw("SET \"abc\r\nPING\r\n");
  auto bytes = client->ReadUntilClosed();
  ASSERT_TRUE(bytes.has_value()) << "connection stayed open";
  EXPECT_EQ(*bytes, "-ERR Protocol error: unbalanced quotes in request\r\n");
}

TEST_F(ProtocolTest, MultibulkErrorsCloseConnection) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
      {"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"},
      {"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
      {std::string(70000, 'a'), "-ERR Protocol error: too big inline request\r\n"},
  };
  for (const auto& [request, reply] : cases) {
    auto client = Connect();
    ASSERT_TRUE(client);
    client->SendRaw(request);
    auto bytes = client->ReadUntilClosed();
    ASSERT_TRUE(bytes.has_value()) << "connection stayed open after " << EscapeBytes(request);
    EXPECT_EQ(*bytes, reply) << "request " << EscapeBytes(request.substr(0, 40));
  }
}

TEST_F(ProtocolTest, RequestSplitByteByByte) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::string request = EncodeCommand({"SET", "split", "value with\r\nbytes"}) +
                        EncodeCommand({"GET", "split"}) + "ECHO inline\r\n";
  for (size_t i = 0; i < request.size(); ++i) {
    ASSERT_TRUE(client->SendRaw(request.substr(i, 1)));
  }
  EXPECT_EQ(client->ReadReply(), "+OK\r\n");
  EXPECT_EQ(client->ReadReply(), "$17\r\nvalue with\r\nbytes\r\n");
  EXPECT_EQ(client->ReadReply(), "$6\r\ninline\r\n");
}

TEST_F(ProtocolTest, NoReplyBeforeRequestIsComplete) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::string request = EncodeCommand({"INCR", "partial"});
  ASSERT_TRUE(client->SendRaw(request.substr(0, request.size() - 1)));
  // A zero-timeout read: whatever arrived by now must not be a reply to half a command.
  EXPECT_EQ(client->ReadReply(std::chrono::milliseconds(0)), "");
  ASSERT_TRUE(client->SendRaw(request.substr(request.size() - 1)));
  EXPECT_EQ(client->ReadReply(), ":1\r\n");
}

TEST_F(ProtocolTest, PipelineOfTenThousandCommandsInOneWrite) {
  auto client = Connect();
  ASSERT_TRUE(client);
  constexpr int kCommands = 10000;
  std::string pipeline;
  for (int i = 0; i < kCommands; ++i) pipeline += EncodeCommand({"INCR", "counter"});
  ASSERT_TRUE(client->SendRaw(pipeline));
  for (int i = 1; i <= kCommands; ++i) {
    std::string reply = client->ReadReply();
    ASSERT_EQ(reply, ":" + std::to_string(i) + "\r\n")
        << "reply " << i << ": " << client->last_error();
  }
  EXPECT_EQ(client->Command({"GET", "counter"}), "$5\r\n10000\r\n");
}

TEST_F(ProtocolTest, OneMegabyteValue) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::string value(1 << 20, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>((i * 131) % 251);
  EXPECT_EQ(client->Command({"SET", "big", value}), "+OK\r\n");
  EXPECT_EQ(client->Command({"STRLEN", "big"}), ":1048576\r\n");
  std::string reply = client->Command({"GET", "big"});
  ASSERT_EQ(reply.size(), value.size() + 12);
  EXPECT_EQ(reply.substr(0, 11), "$1048576\r\n" + std::string(1, value[0]));
  EXPECT_TRUE(reply == "$1048576\r\n" + value + "\r\n") << "1 MB value came back altered";
}

TEST_F(ProtocolTest, Resp3AfterHello) {
  auto client = Connect();
  ASSERT_TRUE(client);
  std::string hello = client->Hello3();
  EXPECT_TRUE(hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"))
      << EscapeBytes(hello);
  EXPECT_NE(hello.find("$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:"), std::string::npos)
      << EscapeBytes(hello);
  EXPECT_NE(hello.find("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                       "$7\r\nmodules\r\n*0\r\n"),
            std::string::npos)
      << EscapeBytes(hello);
  EXPECT_EQ(client->Command({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(client->Command({"CONFIG", "GET", "databases"}),
            "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n");
  EXPECT_EQ(client->Command({"INCRBYFLOAT", "f", "1.5"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(client->Command({"MGET", "f", "missing"}), "*2\r\n$3\r\n1.5\r\n_\r\n");
  std::string hello2 = client->Command({"HELLO", "2"});
  EXPECT_TRUE(hello2.starts_with("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"))
      << EscapeBytes(hello2);
  EXPECT_EQ(client->Command({"GET", "missing"}), "$-1\r\n");
}

TEST_F(ProtocolTest, QuitRepliesOkAndCloses) {
  auto client = Connect();
  ASSERT_TRUE(client);
  client->SendRaw("QUIT\r\nPING\r\n");
  auto bytes = client->ReadUntilClosed();
  ASSERT_TRUE(bytes.has_value()) << "connection stayed open after QUIT";
  EXPECT_EQ(*bytes, "+OK\r\n");
}

// A client that writes its commands and shuts down its sending side at once still gets every
// reply before the server closes (netcat, `redis-cli < file`). On io_uring the end of input can
// arrive in the same batch of completions as the commands: the replies must leave first.
TEST_F(ProtocolTest, HalfClosedPeerGetsItsRepliesThenTheConnectionCloses) {
  for (int round = 0; round < 20; ++round) {
    auto client = Connect();
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->SendRaw("PING\r\nECHO hi\r\nSET half:k v\r\nGET half:k\r\n"));
    ASSERT_TRUE(client->ShutdownWrite());
    auto bytes = client->ReadUntilClosed();
    ASSERT_TRUE(bytes.has_value()) << "connection stayed open after the peer's shutdown";
    EXPECT_EQ(*bytes, "+PONG\r\n$2\r\nhi\r\n+OK\r\n$1\r\nv\r\n") << "round " << round;
  }
}

}  // namespace
}  // namespace rill::testing
