// What a client blocked in XREAD / XREADGROUP receives when its key is signalled: expected
// bytes were taken from redis-server 7.0 in the same situations (one client blocked, another
// writing).

#include "server/commands/stream_blocking.h"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/config/config.h"
#include "server/engine/client.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

using stream_internal::StreamReadRequest;
using stream_internal::StreamWaitResult;

class StreamBlockingTest : public ::testing::Test {
 protected:
  StreamBlockingTest() : engine_(Config()) { writer_.authenticated = waiter_.authenticated = true; }

  std::string Run(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    std::string out;
    engine_.Execute(writer_, v, &out);
    return out;
  }

  // Offers `key` to the waiter; returns its reply ("" while it keeps waiting).
  std::string Offer(StreamReadRequest& req, std::string_view key) {
    std::string out;
    protocol::ReplyBuilder reply(&out);
    reply.set_resp3(waiter_.resp == 3);
    auto result = stream_internal::TryServeStreamWaiter(engine_, waiter_, req, key, NowMs(), reply);
    EXPECT_EQ(result == StreamWaitResult::kKeepWaiting, out.empty());
    return out;
  }

  static StreamReadRequest Read(std::vector<std::string> keys, std::vector<ds::StreamId> ids) {
    StreamReadRequest req;
    req.keys = std::move(keys);
    req.ids = std::move(ids);
    req.new_only.assign(req.keys.size(), false);
    return req;
  }
  static StreamReadRequest GroupRead(std::string key, size_t count = 0, bool noack = false) {
    StreamReadRequest req = Read({std::move(key)}, {ds::StreamId::Max()});
    req.group_read = req.has_group = true;
    req.group = "g";
    req.consumer = "c";
    req.count = count;
    req.noack = noack;
    req.new_only = {true};
    return req;
  }

  Engine engine_;
  Client writer_;
  Client waiter_;
};

TEST_F(StreamBlockingTest, XReadServedWithEntriesAfterItsId) {
  StreamReadRequest req = Read({"a", "s"}, {{0, 0}, {0, 0}});
  EXPECT_EQ(Offer(req, "s"), "");  // no stream yet: keep waiting
  Run({"XADD", "s", "1-1", "f", "v"});
  EXPECT_EQ(Offer(req, "other"), "");
  EXPECT_EQ(Offer(req, "s"),
            "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  waiter_.resp = 3;
  EXPECT_EQ(Offer(req, "s"),
            "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  StreamReadRequest at_top = Read({"s"}, {{1, 1}});
  EXPECT_EQ(Offer(at_top, "s"), "");
}

TEST_F(StreamBlockingTest, XReadKeepsWaitingWhenKeyDeletedOrReplaced) {
  Run({"XADD", "s", "1-1", "f", "v"});
  StreamReadRequest req = Read({"s"}, {{1, 1}});
  Run({"DEL", "s"});
  EXPECT_EQ(Offer(req, "s"), "");
  Run({"SET", "s", "x"});
  EXPECT_EQ(Offer(req, "s"), "");
}

TEST_F(StreamBlockingTest, ChangesWithoutNewEntriesKeepWaiting) {
  Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  StreamReadRequest req = GroupRead("s");
  StreamReadRequest read = Read({"s"}, {{0, 0}});
  Run({"XADD", "s", "1-1", "f", "v"});
  Run({"XDEL", "s", "1-1"});
  EXPECT_EQ(Offer(req, "s"), "");
  EXPECT_EQ(Offer(read, "s"), "");
  Run({"XSETID", "s", "9-9"});
  EXPECT_EQ(Offer(read, "s"), "");
}

TEST_F(StreamBlockingTest, GroupReadDeliversCountAndTracksPending) {
  Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  StreamReadRequest req = GroupRead("s", 2);
  EXPECT_EQ(Offer(req, "s"), "");
  for (auto id : {"1-1", "2-1", "3-1"}) Run({"XADD", "s", id, "f", "v"});
  EXPECT_EQ(Offer(req, "s"),
            "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
            "*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(Run({"XPENDING", "s", "g"}),
            "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$1\r\nc\r\n$1\r\n2\r\n");
  StreamReadRequest noack = GroupRead("s", 0, true);
  EXPECT_EQ(Offer(noack, "s"),
            "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
  EXPECT_EQ(Run({"XPENDING", "s", "g"}).substr(0, 5), "*4\r\n:");
  EXPECT_EQ(Offer(noack, "s"), "");  // the group has read everything
}

TEST_F(StreamBlockingTest, GroupReadErrorsWhenGroupOrKeyDisappears) {
  Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  StreamReadRequest req = GroupRead("s");
  Run({"XGROUP", "DESTROY", "s", "g"});
  EXPECT_EQ(Offer(req, "s"),
            "-NOGROUP the consumer group this client was blocked on no longer exists\r\n");
  Run({"XGROUP", "CREATE", "s", "g", "$"});
  Run({"DEL", "s"});
  EXPECT_EQ(Offer(req, "s"), "-UNBLOCKED the stream key no longer exists\r\n");
  Run({"SET", "s", "x"});
  EXPECT_EQ(Offer(req, "s"), "-UNBLOCKED the stream key no longer exists\r\n");
}

}  // namespace
}  // namespace rill
