// Optimistic locking under contention and pub/sub fan-out, over real sockets.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class TransactionsTest : public ServerTest {};

// 8 clients each add 1,000 to one counter through WATCH/GET/MULTI/SET/EXEC retry loops: the
// final value is exact only if every lost race made EXEC fail.
TEST_F(TransactionsTest, WatchRetryLoopsCountExactly) {
  constexpr int kClients = 8;
  constexpr int kIncrements = 1000;
  auto setup = Connect();
  ASSERT_TRUE(setup);
  ASSERT_EQ(setup->Command({"SET", "counter", "0"}), "+OK\r\n");
  std::atomic<bool> failed{false};
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      auto c = Connect();
      if (!c) {
        failed = true;
        return;
      }
      for (int i = 0; i < kIncrements && !failed; ++i) {
        while (!failed) {
          if (c->Command({"WATCH", "counter"}) != "+OK\r\n") failed = true;
          std::string got = c->Command({"GET", "counter"});
          size_t line = got.find("\r\n");
          int64_t value = std::stoll(got.substr(line + 2, got.size() - line - 4));
          c->Command({"MULTI"});
          c->Command({"SET", "counter", std::to_string(value + 1)});
          std::string exec = c->Command({"EXEC"});
          if (exec == "*1\r\n+OK\r\n") break;
          if (exec != "*-1\r\n") failed = true;
          ++retries;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed);
  EXPECT_EQ(setup->Command({"GET", "counter"}),
            "$4\r\n" + std::to_string(kClients * kIncrements) + "\r\n");
  // With 8 writers racing, some transactions must have lost (else the test proves nothing).
  EXPECT_GT(retries.load(), 0);
}

// 100 channel subscribers and 10 pattern subscribers each receive all 10,000 messages in
// order.
TEST_F(TransactionsTest, FanOutDeliversEveryMessageInOrder) {
  constexpr int kChannelSubs = 100;
  constexpr int kPatternSubs = 10;
  constexpr int kMessages = 10000;
  std::vector<std::unique_ptr<RespClient>> subs;
  for (int i = 0; i < kChannelSubs + kPatternSubs; ++i) {
    auto c = Connect();
    ASSERT_TRUE(c);
    std::string reply =
        i < kChannelSubs ? c->Command({"SUBSCRIBE", "events"}) : c->Command({"PSUBSCRIBE", "ev*"});
    ASSERT_EQ(reply.substr(0, 4), "*3\r\n");
    subs.push_back(std::move(c));
  }
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < kChannelSubs + kPatternSubs; ++i) {
    readers.emplace_back([&, i] {
      const bool pattern = i >= kChannelSubs;
      for (int m = 0; m < kMessages; ++m) {
        std::string payload = std::to_string(m);
        std::string expected = pattern ? "*4\r\n$8\r\npmessage\r\n$3\r\nev*\r\n$6\r\nevents\r\n"
                                       : "*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n";
        expected += "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
        if (subs[i]->ReadReply() != expected) {
          failed = true;
          return;
        }
      }
    });
  }
  auto publisher = Connect();
  ASSERT_TRUE(publisher);
  std::string batch;
  for (int m = 0; m < kMessages; ++m) {
    publisher->Send({"PUBLISH", "events", std::to_string(m)});
  }
  for (int m = 0; m < kMessages; ++m) {
    ASSERT_EQ(publisher->ReadReply(), ":" + std::to_string(kChannelSubs + kPatternSubs) + "\r\n");
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(failed);
}

// Pushes may wait for a busy server's burst to end (Server::DeferFlush), but never behind a
// reply: a RESP3 subscriber that sends a command gets every message published before it, then
// its reply, at once; and a message published to an idle server arrives without more traffic.
TEST_F(TransactionsTest, PushesKeepTheirOrderWithTheSubscribersOwnReplies) {
  auto sub = Connect();
  auto publisher = Connect();
  ASSERT_TRUE(sub && publisher);
  ASSERT_EQ(sub->Command({"HELLO", "3"}).substr(0, 1), "%");
  ASSERT_EQ(sub->Command({"SUBSCRIBE", "news"}), ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  constexpr int kMessages = 2000;
  for (int m = 0; m < kMessages; ++m) publisher->Send({"PUBLISH", "news", std::to_string(m)});
  for (int m = 0; m < kMessages; ++m) ASSERT_EQ(publisher->ReadReply(), ":1\r\n");
  // Every message is queued or sent before the server reads this PING.
  sub->Send({"PING", "after"});
  for (int m = 0; m < kMessages; ++m) {
    const std::string payload = std::to_string(m);
    ASSERT_EQ(sub->ReadReply(), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$" +
                                    std::to_string(payload.size()) + "\r\n" + payload + "\r\n");
  }
  EXPECT_EQ(sub->ReadReply(), "$5\r\nafter\r\n");
  // Idle server, one message: delivered with no other request to push it out.
  ASSERT_EQ(publisher->Command({"PUBLISH", "news", "last"}), ":1\r\n");
  EXPECT_EQ(sub->ReadReply(), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$4\r\nlast\r\n");
}

}  // namespace
}  // namespace rill::testing

namespace rill::testing {
namespace {

// A subscriber that never reads is cut off at client-output-buffer-limit's pubsub hard limit,
// while another subscriber keeps receiving; the publisher is never blocked.
TEST_F(TransactionsTest, SlowSubscriberIsDisconnectedAtTheLimit) {
  auto admin = Connect();
  ASSERT_TRUE(admin);
  ASSERT_EQ(
      admin->Command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 1048576 524288 60"}),
      "+OK\r\n");
  auto slow = Connect();
  auto fast = Connect();
  ASSERT_TRUE(slow && fast);
  ASSERT_EQ(slow->Command({"SUBSCRIBE", "firehose"}).substr(0, 4), "*3\r\n");
  ASSERT_EQ(fast->Command({"SUBSCRIBE", "firehose"}).substr(0, 4), "*3\r\n");
  // `slow` stops reading. 64 MB published in 4 KB messages must overflow its socket buffers
  // and then the 1 MB hard limit.
  const std::string payload(4096, 'x');
  auto publisher = Connect();
  ASSERT_TRUE(publisher);
  std::atomic<bool> fast_ok{true};
  std::thread reader([&] {
    for (int i = 0; i < 16384; ++i) {
      std::string r = fast->ReadReply();
      if (r.size() < payload.size()) {
        fast_ok = false;
        return;
      }
    }
  });
  // The server's memory stays bounded while `slow` does not read: sample its resident size
  // during the burst. Without the limit it would hold most of the 64 MB for `slow`.
  const int64_t rss_before = ResidentBytes(server().pid());
  ASSERT_GT(rss_before, 0);
  std::atomic<bool> publishing{true};
  std::atomic<int64_t> rss_peak{rss_before};
  std::thread sampler([&] {
    while (publishing) {
      rss_peak = std::max<int64_t>(rss_peak, ResidentBytes(server().pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  int64_t last = -1;
  for (int i = 0; i < 16384; ++i) {
    std::string r = publisher->Command({"PUBLISH", "firehose", payload});
    last = std::stoll(r.substr(1));
  }
  publishing = false;
  sampler.join();
  reader.join();
  EXPECT_TRUE(fast_ok);
  if (ResidentMemoryIsMeaningful()) {
    EXPECT_LT(rss_peak - rss_before, 16 * 1024 * 1024)
        << "peak " << rss_peak << " before " << rss_before;
  }
  // By the end only `fast` was still subscribed.
  EXPECT_EQ(last, 1);
  EXPECT_EQ(admin->Command({"PUBSUB", "NUMSUB", "firehose"}), "*2\r\n$8\r\nfirehose\r\n:1\r\n");
}

// MONITOR shows each command after it ran, EXEC's queued commands before EXEC itself.
TEST_F(TransactionsTest, MonitorStreamsCommandsAsRedisFormatsThem) {
  auto monitor = Connect();
  auto client = Connect();
  ASSERT_TRUE(monitor && client);
  ASSERT_EQ(monitor->Command({"MONITOR"}), "+OK\r\n");
  ASSERT_EQ(client->Command({"SET", "k", "a \"b\"\n"}), "+OK\r\n");
  ASSERT_EQ(client->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(client->Command({"INCR", "n"}), "+QUEUED\r\n");
  ASSERT_EQ(client->Command({"EXEC"}), "*1\r\n:1\r\n");
  auto tail = [](const std::string& line) { return line.substr(line.find(']') + 2); };
  EXPECT_EQ(tail(monitor->ReadReply()), "\"SET\" \"k\" \"a \\\"b\\\"\\n\"\r\n");
  EXPECT_EQ(tail(monitor->ReadReply()), "\"MULTI\"\r\n");
  EXPECT_EQ(tail(monitor->ReadReply()), "\"INCR\" \"n\"\r\n");
  EXPECT_EQ(tail(monitor->ReadReply()), "\"EXEC\"\r\n");
}

}  // namespace
}  // namespace rill::testing
