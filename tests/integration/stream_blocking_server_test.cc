// XREAD BLOCK / XREADGROUP BLOCK over real connections: one client blocks,
// another writes. Expected bytes are Redis 7.0's (RILL_TEST_AGAINST_REDIS=1
// runs the same cases on redis-server).
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;

class XReadBlockingTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    writer_ = Connect();
    ASSERT_TRUE(writer_);
    ASSERT_EQ(writer_->Command({"FLUSHALL"}), "+OK\r\n");
  }

  // A new connection that sends `argv` and is expected to block (no reply
  // within 100 ms).
  std::unique_ptr<RespClient> Blocked(const std::vector<std::string> &argv) {
    auto client = Connect();
    EXPECT_TRUE(client);
    if (!client) return client;
    EXPECT_TRUE(client->Send(argv));
    EXPECT_EQ(client->ReadReply(milliseconds(100)), "") << "expected to block";
    return client;
  }

  static std::string Entry(const std::string &id, const std::string &f, const std::string &v) {
    return "*2\r\n$" + std::to_string(id.size()) + "\r\n" + id + "\r\n*2\r\n$" +
           std::to_string(f.size()) + "\r\n" + f + "\r\n$" + std::to_string(v.size()) + "\r\n" + v +
           "\r\n";
  }
  static std::string OneStream(const std::string &key, const std::string &entries, int n) {
    return "*1\r\n*2\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n*" +
           std::to_string(n) + "\r\n" + entries;
  }

  std::unique_ptr<RespClient> writer_;
};

TEST_F(XReadBlockingTest, XReadWakesOnXAddWithOnlyNewEntries) {
  ASSERT_EQ(writer_->Command({"XADD", "s", "1-1", "old", "x"}), "$3\r\n1-1\r\n");
  auto waiter = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "other", "s", "$", "$"});
  ASSERT_EQ(writer_->Command({"XADD", "s", "2-1", "f", "v"}), "$3\r\n2-1\r\n");
  EXPECT_EQ(waiter->ReadReply(), OneStream("s", Entry("2-1", "f", "v"), 1));
}

TEST_F(XReadBlockingTest, WaitersServedInArrivalOrder) {
  ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "+OK\r\n");
  auto first = Blocked({"XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"});
  auto second = Blocked({"XREADGROUP", "GROUP", "g", "b", "BLOCK", "0", "STREAMS", "s", ">"});
  auto reader = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  ASSERT_EQ(writer_->Command({"XADD", "s", "1-1", "f", "v"}), "$3\r\n1-1\r\n");
  EXPECT_EQ(first->ReadReply(), OneStream("s", Entry("1-1", "f", "v"), 1));
  EXPECT_EQ(reader->ReadReply(), OneStream("s", Entry("1-1", "f", "v"), 1));
  // The group has delivered 1-1 to the first consumer: the second one keeps
  // waiting.
  EXPECT_EQ(second->ReadReply(milliseconds(100)), "");
  ASSERT_EQ(writer_->Command({"XADD", "s", "2-1", "f", "w"}), "$3\r\n2-1\r\n");
  EXPECT_EQ(second->ReadReply(), OneStream("s", Entry("2-1", "f", "w"), 1));
  EXPECT_EQ(writer_->Command({"XPENDING", "s", "g"}),
            "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
            "*2\r\n$1\r\nb\r\n$1\r\n1\r\n");
}

TEST_F(XReadBlockingTest, TimeoutRepliesNullAfterTheDelay) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client->Command({"XREAD", "BLOCK", "150", "STREAMS", "s", "$"}), "*-1\r\n");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(140));
  EXPECT_LT(elapsed, milliseconds(1500));
  ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "+OK\r\n");
  EXPECT_EQ(client->Command({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "100", "STREAMS", "s", ">"}),
            "*-1\r\n");
  // The consumer only comes to exist once it is served.
  EXPECT_EQ(writer_->Command({"XINFO", "CONSUMERS", "s", "g"}), "*0\r\n");
}

TEST_F(XReadBlockingTest, GroupDestroyedOrStreamDeletedWhileWaiting) {
  ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "+OK\r\n");
  auto waiter = Blocked({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
  ASSERT_EQ(writer_->Command({"XGROUP", "DESTROY", "s", "g"}), ":1\r\n");
  EXPECT_EQ(waiter->ReadReply(),
            "-NOGROUP the consumer group this client was "
            "blocked on no longer exists\r\n");

  ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "s", "g", "$"}), "+OK\r\n");
  waiter = Blocked({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"});
  ASSERT_EQ(writer_->Command({"DEL", "s"}), ":1\r\n");
  EXPECT_EQ(waiter->ReadReply(), "-UNBLOCKED the stream key no longer exists\r\n");

  // A plain XREAD keeps waiting through the deletion and is served by a new
  // stream.
  auto reader = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  ASSERT_EQ(writer_->Command({"XADD", "s", "5-1", "f", "v"}), "$3\r\n5-1\r\n");
  ASSERT_EQ(writer_->Command({"DEL", "s"}), ":1\r\n");
  EXPECT_EQ(reader->ReadReply(), OneStream("s", Entry("5-1", "f", "v"), 1));
}

TEST_F(XReadBlockingTest, PipelinedCommandsWaitBehindTheBlockedRead) {
  auto client = Connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->SendRaw(EncodeCommand({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}) +
                              EncodeCommand({"PING"})));
  EXPECT_EQ(client->ReadReply(milliseconds(100)), "");
  ASSERT_EQ(writer_->Command({"XADD", "s", "1-1", "f", "v"}), "$3\r\n1-1\r\n");
  EXPECT_EQ(client->ReadReply(), OneStream("s", Entry("1-1", "f", "v"), 1));
  EXPECT_EQ(client->ReadReply(), "+PONG\r\n");
}

TEST_F(XReadBlockingTest, Resp3AndCountLimit) {
  auto waiter = Connect();
  ASSERT_TRUE(waiter);
  waiter->Hello3();
  ASSERT_TRUE(waiter->Send({"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "0"}));
  EXPECT_EQ(waiter->ReadReply(milliseconds(100)), "");
  ASSERT_TRUE(writer_->SendRaw(EncodeCommand({"XADD", "s", "1-1", "f", "v"}) +
                               EncodeCommand({"XADD", "s", "2-1", "f", "w"})));
  EXPECT_EQ(writer_->ReadReply(), "$3\r\n1-1\r\n");
  EXPECT_EQ(writer_->ReadReply(), "$3\r\n2-1\r\n");
  EXPECT_EQ(waiter->ReadReply(), "%1\r\n$1\r\ns\r\n*1\r\n" + Entry("1-1", "f", "v"));
}

TEST_F(XReadBlockingTest, GroupReaderUnblockedWhenKeyReplacedRenamedOrExpired) {
  const std::vector<std::string> read = {"XREADGROUP", "GROUP",   "g", "c", "BLOCK",
                                         "0",          "STREAMS", "s", ">"};
  const std::vector<std::vector<std::string>> removals = {
      {"SET", "s", "x"}, {"RENAME", "s", "t"}, {"PEXPIRE", "s", "1"}, {"FLUSHDB"}, {"FLUSHALL"}};
  for (const auto &removal : removals) {
    ASSERT_EQ(writer_->Command({"DEL", "s", "t"})[0], ':');
    ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}), "+OK\r\n");
    auto waiter = Blocked(read);
    writer_->Command(removal);
    EXPECT_EQ(waiter->ReadReply(milliseconds(2000)),
              "-UNBLOCKED the stream key no longer exists\r\n")
        << removal[0];
  }
}

TEST_F(XReadBlockingTest, ClientUnblockAndDisconnect) {
  auto waiter = Connect();
  ASSERT_TRUE(waiter);
  std::string id_reply = waiter->Command({"CLIENT", "ID"});
  std::string id = id_reply.substr(1, id_reply.size() - 3);
  ASSERT_TRUE(waiter->Send({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}));
  EXPECT_EQ(waiter->ReadReply(milliseconds(100)), "");
  EXPECT_EQ(writer_->Command({"CLIENT", "UNBLOCK", id}), ":1\r\n");
  EXPECT_EQ(waiter->ReadReply(), "*-1\r\n");
  ASSERT_TRUE(waiter->Send({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}));
  EXPECT_EQ(waiter->ReadReply(milliseconds(100)), "");
  EXPECT_EQ(writer_->Command({"CLIENT", "UNBLOCK", id, "ERROR"}), ":1\r\n");
  EXPECT_EQ(waiter->ReadReply(), "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  // A waiter that disconnects leaves nothing behind: the next XADD serves the live one.
  auto gone = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  auto live = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  gone->Close();
  std::this_thread::sleep_for(milliseconds(50));
  ASSERT_EQ(writer_->Command({"XADD", "s", "1-1", "f", "v"}), "$3\r\n1-1\r\n");
  EXPECT_EQ(live->ReadReply(), OneStream("s", Entry("1-1", "f", "v"), 1));
}

TEST_F(XReadBlockingTest, SeveralKeysServedFromTheOneThatGetsData) {
  auto waiter = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "a", "b", "c", "$", "$", "$"});
  ASSERT_EQ(writer_->Command({"XADD", "b", "1-1", "f", "v"}), "$3\r\n1-1\r\n");
  EXPECT_EQ(waiter->ReadReply(), OneStream("b", Entry("1-1", "f", "v"), 1));
  ASSERT_EQ(writer_->Command({"XGROUP", "CREATE", "c", "g", "$", "MKSTREAM"}), "+OK\r\n");
  auto noack =
      Blocked({"XREADGROUP", "GROUP", "g", "c1", "NOACK", "BLOCK", "0", "STREAMS", "c", ">"});
  ASSERT_EQ(writer_->Command({"XADD", "c", "2-1", "f", "w"}), "$3\r\n2-1\r\n");
  EXPECT_EQ(noack->ReadReply(), OneStream("c", Entry("2-1", "f", "w"), 1));
  EXPECT_EQ(writer_->Command({"XPENDING", "c", "g"}), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
  EXPECT_EQ(writer_->Command({"XINFO", "CONSUMERS", "c", "g"}).substr(0, 24),
            "*1\r\n*6\r\n$4\r\nname\r\n$2\r\nc1");
}

TEST_F(XReadBlockingTest, ServedAfterExecWithEverythingItAdded) {
  auto waiter = Blocked({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  ASSERT_EQ(writer_->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(writer_->Command({"XADD", "s", "1-1", "f", "v"}), "+QUEUED\r\n");
  ASSERT_EQ(writer_->Command({"XADD", "s", "2-1", "f", "w"}), "+QUEUED\r\n");
  EXPECT_EQ(waiter->ReadReply(milliseconds(50)), "");  // nothing before EXEC
  ASSERT_EQ(writer_->Command({"EXEC"}), "*2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n");
  EXPECT_EQ(waiter->ReadReply(),
            OneStream("s", Entry("1-1", "f", "v") + Entry("2-1", "f", "w"), 2));
  // Inside MULTI a blocking read does not wait: it answers as a timeout.
  ASSERT_EQ(writer_->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(writer_->Command({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}), "+QUEUED\r\n");
  EXPECT_EQ(writer_->Command({"EXEC"}), "*1\r\n*-1\r\n");
}

}  // namespace
}  // namespace rill::testing
