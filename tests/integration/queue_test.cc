// The reliable-queue pattern on lists: producers LPUSH jobs, workers BLMOVE each job from the
// queue to a processing list, handle it, then LREM it from processing. Every job must be
// processed exactly once, none lost, and each worker sees each producer's jobs in order.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class QueueTest : public ServerTest {};

constexpr int kProducers = 4;
constexpr int kWorkers = 4;
constexpr int kJobsPerProducer = 25000;
constexpr int kBatch = 100;  // producers pipeline this many LPUSHes per round trip

// "$len\r\npayload\r\n" -> payload; "" for anything else (a null on timeout).
std::string BulkPayload(const std::string& reply) {
  if (reply.size() < 4 || reply[0] != '$' || reply == "$-1\r\n") return "";
  size_t line = reply.find("\r\n");
  return reply.substr(line + 2, reply.size() - line - 4);
}

TEST_F(QueueTest, ReliableQueueMovesEveryJobExactlyOnce) {
  std::atomic<int> processed{0};
  std::atomic<bool> failed{false};
  std::vector<std::vector<std::string>> seen(kWorkers);

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      auto client = Connect();
      if (!client) {
        failed = true;
        return;
      }
      const std::string processing = "processing:" + std::to_string(w);
      while (processed.load() < kProducers * kJobsPerProducer && !failed) {
        std::string job =
            BulkPayload(client->Command({"BLMOVE", "queue", processing, "RIGHT", "LEFT", "0.2"}));
        if (job.empty()) continue;  // timed out: check whether all work is done
        seen[w].push_back(job);
        if (client->Command({"LREM", processing, "1", job}) != ":1\r\n") failed = true;
        ++processed;
      }
    });
  }

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      auto client = Connect();
      if (!client) {
        failed = true;
        return;
      }
      for (int i = 0; i < kJobsPerProducer; i += kBatch) {
        std::string batch;
        for (int j = i; j < i + kBatch; ++j) {
          batch += EncodeCommand({"LPUSH", "queue", std::to_string(p) + ":" + std::to_string(j)});
        }
        client->SendRaw(batch);
        for (int j = 0; j < kBatch; ++j) {
          if (client->ReadReply().front() != ':') failed = true;
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  for (auto& t : workers) t.join();
  ASSERT_FALSE(failed);

  // Exactly once: every job seen once in total.
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& jobs : seen) {
    total += jobs.size();
    all.insert(jobs.begin(), jobs.end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kProducers * kJobsPerProducer));
  EXPECT_EQ(all.size(), static_cast<size_t>(kProducers * kJobsPerProducer));
  // Order per producer, as each worker saw it.
  for (const auto& jobs : seen) {
    std::map<int, int> last;
    for (const std::string& job : jobs) {
      int producer = std::stoi(job.substr(0, job.find(':')));
      int seq = std::stoi(job.substr(job.find(':') + 1));
      auto it = last.find(producer);
      if (it != last.end()) {
        EXPECT_LT(it->second, seq) << "producer " << producer;
      }
      last[producer] = seq;
    }
  }
  // Nothing left behind.
  auto client = Connect();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Command({"EXISTS", "queue"}), ":0\r\n");
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(client->Command({"LLEN", "processing:" + std::to_string(w)}), ":0\r\n");
  }
}

// A client blocked on a key that then disconnects leaves no trace: the next push is not lost
// to it but stays in the list.
TEST_F(QueueTest, DisconnectedWaiterLeavesNoTrace) {
  auto waiter = Connect();
  ASSERT_TRUE(waiter);
  ASSERT_TRUE(waiter->Send({"BLPOP", "gone", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  waiter->Close();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto client = Connect();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Command({"RPUSH", "gone", "x"}), ":1\r\n");
  EXPECT_EQ(client->Command({"LRANGE", "gone", "0", "-1"}), "*1\r\n$1\r\nx\r\n");
}

// A client blocked on two keys is served from the first one to get data, and a pipeline behind
// its blocking command runs once it is served.
TEST_F(QueueTest, PipelineBehindABlockedCommandRunsAfterIt) {
  auto waiter = Connect();
  ASSERT_TRUE(waiter);
  ASSERT_TRUE(waiter->SendRaw(EncodeCommand({"BLPOP", "k1", "k2", "0"}) +
                              EncodeCommand({"RPUSH", "after", "1"})));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto client = Connect();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Command({"EXISTS", "after"}), ":0\r\n");
  EXPECT_EQ(client->Command({"RPUSH", "k2", "v"}), ":1\r\n");
  EXPECT_EQ(waiter->ReadReply(), "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n");
  EXPECT_EQ(waiter->ReadReply(), ":1\r\n");
}

// BLMOVE into a list another client waits on hands the element along the chain.
TEST_F(QueueTest, BlmoveChainsIntoAnotherWaiter) {
  auto first = Connect();
  auto second = Connect();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->Send({"BLMOVE", "a", "b", "LEFT", "LEFT", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_TRUE(second->Send({"BLPOP", "b", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto client = Connect();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Command({"RPUSH", "a", "job"}), ":1\r\n");
  EXPECT_EQ(first->ReadReply(), "$3\r\njob\r\n");
  EXPECT_EQ(second->ReadReply(), "*2\r\n$1\r\nb\r\n$3\r\njob\r\n");
  EXPECT_EQ(client->Command({"EXISTS", "a", "b"}), ":0\r\n");
}

}  // namespace
}  // namespace rill::testing

namespace rill::testing {
namespace {

// A list that appears at the key by RENAME (not a push) also wakes the waiter, as in Redis
// where any creation of the key signals it; INFO counts blocked clients meanwhile.
TEST_F(QueueTest, RenameOntoAWaitedKeyServesTheWaiter) {
  auto waiter = Connect();
  ASSERT_TRUE(waiter);
  ASSERT_TRUE(waiter->Send({"BRPOP", "target", "0"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto client = Connect();
  ASSERT_TRUE(client);
  std::string info = client->Command({"INFO", "clients"});
  EXPECT_NE(info.find("blocked_clients:1\r\n"), std::string::npos) << info;
  EXPECT_EQ(client->Command({"RPUSH", "staging", "x", "y"}), ":2\r\n");
  EXPECT_EQ(client->Command({"RENAME", "staging", "target"}), "+OK\r\n");
  EXPECT_EQ(waiter->ReadReply(), "*2\r\n$6\r\ntarget\r\n$1\r\ny\r\n");
  info = client->Command({"INFO", "clients"});
  EXPECT_NE(info.find("blocked_clients:0\r\n"), std::string::npos) << info;
}

}  // namespace
}  // namespace rill::testing
