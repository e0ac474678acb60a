// Rill as a message broker: a producer, a consumer group of three consumers, one of which dies
// holding unacknowledged messages; a survivor reclaims them with XAUTOCLAIM once they have been
// idle long enough. Every message must end acknowledged exactly once and the PEL empty.
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class BrokerTest : public ServerTest {};

// IDs of the entries in an XREADGROUP / XCLAIM / XAUTOCLAIM reply (entries are "*2 $id *2n").
std::vector<std::string> EntryIds(const std::string& reply) {
  static const std::regex kEntry("\\*2\r\n\\$[0-9]+\r\n([0-9]+-[0-9]+)\r\n\\*[0-9]+\r\n");
  std::vector<std::string> ids;
  for (std::sregex_iterator it(reply.begin(), reply.end(), kEntry), end; it != end; ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

// Acknowledges `ids` and records each acknowledgement the server reports.
void Ack(RespClient& client, const std::vector<std::string>& ids,
         std::map<std::string, int>* acked) {
  if (ids.empty()) return;
  std::vector<std::string> cmd = {"XACK", "jobs", "workers"};
  cmd.insert(cmd.end(), ids.begin(), ids.end());
  std::string reply = client.Command(cmd);
  ASSERT_EQ(reply, ":" + std::to_string(ids.size()) + "\r\n") << "XACK of a fresh batch";
  for (const auto& id : ids) ++(*acked)[id];
}

TEST_F(BrokerTest, ThreeConsumersOneDiesSurvivorReclaims) {
  constexpr int kMessages = 100000;
  constexpr int kBatch = 100;
  constexpr int kIdleMs = 300;

  auto producer = Connect();
  ASSERT_TRUE(producer);
  ASSERT_EQ(producer->Command({"XGROUP", "CREATE", "jobs", "workers", "$", "MKSTREAM"}), "+OK\r\n");
  // Produce in pipelined chunks (auto IDs).
  for (int sent = 0; sent < kMessages;) {
    std::string chunk;
    int n = 0;
    for (; n < 1000 && sent < kMessages; ++n, ++sent) {
      chunk += EncodeCommand({"XADD", "jobs", "*", "job", std::to_string(sent)});
    }
    ASSERT_TRUE(producer->SendRaw(chunk));
    for (int i = 0; i < n; ++i) ASSERT_EQ(producer->ReadReply()[0], '$');
  }
  ASSERT_EQ(producer->Command({"XLEN", "jobs"}), ":100000\r\n");

  std::vector<std::unique_ptr<RespClient>> consumers;
  for (int i = 0; i < 3; ++i) {
    consumers.push_back(Connect());
    ASSERT_TRUE(consumers.back());
  }
  std::map<std::string, int> acked;
  std::vector<std::string> lost;  // read by the consumer that dies, never acknowledged
  int delivered = 0;
  bool c2_alive = true;
  for (int round = 0;; ++round) {
    bool got_any = false;
    for (int c = 0; c < 3; ++c) {
      if (c == 2 && !c2_alive) continue;
      std::string reply =
          consumers[c]->Command({"XREADGROUP", "GROUP", "workers", "c" + std::to_string(c), "COUNT",
                                 std::to_string(kBatch), "STREAMS", "jobs", ">"});
      if (reply == "*-1\r\n") continue;
      std::vector<std::string> ids = EntryIds(reply);
      ASSERT_FALSE(ids.empty()) << reply.substr(0, 200);
      got_any = true;
      delivered += static_cast<int>(ids.size());
      if (c == 2 && round == 40) {
        // The consumer crashes with this batch in hand.
        lost = ids;
        consumers[2]->Close();
        c2_alive = false;
        continue;
      }
      Ack(*consumers[c], ids, &acked);
      if (HasFatalFailure()) return;
    }
    if (!got_any) break;
  }
  ASSERT_EQ(delivered, kMessages);
  ASSERT_EQ(lost.size(), static_cast<size_t>(kBatch));
  EXPECT_EQ(producer->Command({"XPENDING", "jobs", "workers"}),
            "*4\r\n:100\r\n$" + std::to_string(lost.front().size()) + "\r\n" + lost.front() +
                "\r\n$" + std::to_string(lost.back().size()) + "\r\n" + lost.back() +
                "\r\n*1\r\n*2\r\n$2\r\nc2\r\n$3\r\n100\r\n");

  // Too early: nothing is idle long enough yet.
  std::string early = consumers[0]->Command(
      {"XAUTOCLAIM", "jobs", "workers", "c0", std::to_string(kIdleMs * 100), "0-0"});
  EXPECT_TRUE(EntryIds(early).empty()) << early;
  std::this_thread::sleep_for(std::chrono::milliseconds(kIdleMs + 50));

  std::string cursor = "0-0";
  std::vector<std::string> reclaimed;
  do {
    std::string reply = consumers[0]->Command(
        {"XAUTOCLAIM", "jobs", "workers", "c0", std::to_string(kIdleMs), cursor, "COUNT", "30"});
    std::smatch m;
    ASSERT_TRUE(std::regex_search(reply, m, std::regex("^\\*3\r\n\\$[0-9]+\r\n([0-9]+-[0-9]+)")))
        << reply.substr(0, 100);
    cursor = m[1];
    std::vector<std::string> ids = EntryIds(reply);
    reclaimed.insert(reclaimed.end(), ids.begin(), ids.end());
    Ack(*consumers[0], ids, &acked);
    if (HasFatalFailure()) return;
  } while (cursor != "0-0");
  EXPECT_EQ(reclaimed, lost);

  EXPECT_EQ(acked.size(), static_cast<size_t>(kMessages));
  for (const auto& [id, times] : acked) ASSERT_EQ(times, 1) << id;
  EXPECT_EQ(producer->Command({"XPENDING", "jobs", "workers"}),
            "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n");
  std::string groups = producer->Command({"XINFO", "GROUPS", "jobs"});
  EXPECT_NE(groups.find("$12\r\nentries-read\r\n:100000\r\n$3\r\nlag\r\n:0\r\n"), std::string::npos)
      << groups;
}

// XADD ... MAXLEN ~ 1000 over 100,000 entries: the length stays near 1,000 (whole blocks are
// dropped, so at most one block's worth above) and the memory does not grow with the history.
TEST_F(BrokerTest, RetentionWithApproximateMaxlen) {
  auto client = Connect();
  ASSERT_TRUE(client);
  auto add_batch = [&](int from, int n) {
    std::string chunk;
    for (int i = from; i < from + n; ++i) {
      chunk += EncodeCommand(
          {"XADD", "log", "MAXLEN", "~", "1000", "*", "event", "payload-" + std::to_string(i)});
    }
    ASSERT_TRUE(client->SendRaw(chunk));
    for (int i = 0; i < n; ++i) ASSERT_EQ(client->ReadReply()[0], '$');
  };
  int64_t usage_at_10k = 0;
  for (int done = 0; done < 100000; done += 1000) {
    add_batch(done, 1000);
    if (HasFatalFailure()) return;
    std::string len = client->Command({"XLEN", "log"});
    int64_t n = 0;
    ASSERT_TRUE(ParseInt64(std::string_view(len).substr(1, len.size() - 3), &n)) << len;
    ASSERT_GE(n, 1000);
    ASSERT_LT(n, 1100) << "after " << done + 1000 << " entries";
    if (done + 1000 == 10000 || done + 1000 == 100000) {
      std::string usage = client->Command({"MEMORY", "USAGE", "log"});
      int64_t bytes = 0;
      ASSERT_TRUE(ParseInt64(std::string_view(usage).substr(1, usage.size() - 3), &bytes)) << usage;
      if (done + 1000 == 10000) {
        usage_at_10k = bytes;
      } else {
        EXPECT_LT(bytes, usage_at_10k * 3 / 2) << "memory grew with the stream's history";
      }
    }
  }
  EXPECT_NE(client->Command({"XINFO", "STREAM", "log"}).find("entries-added\r\n:100000\r\n"),
            std::string::npos);
}

}  // namespace
}  // namespace rill::testing
