// Client eviction (maxmemory-clients, CLIENT NO-EVICT): the same script against rill-server and
// redis-server, with the same outcome expected of both. Clients hold big query buffers (a SET
// whose value has arrived but not its final CRLF: both servers then hold exactly the value) or
// big output buffers (a client that does not read its replies).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eviction_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

class ClientEvictionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    const std::string binary = GetParam() ? RedisServerBinary() : RillServerBinary();
    if (binary.empty()) GTEST_SKIP() << "redis-server is not installed";
    server_ = std::make_unique<ServerProcess>(binary);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    ASSERT_TRUE(main_.Connect(server_->port()));
    ASSERT_EQ(main_.Command({"CLIENT", "SETNAME", "main"}), "+OK\r\n");
    ASSERT_EQ(main_.Command({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
  }

  // A new client called `name`.
  std::unique_ptr<RespClient> Named(const std::string& name, bool no_evict = false) {
    auto client = std::make_unique<RespClient>();
    EXPECT_TRUE(client->Connect(server_->port()));
    EXPECT_EQ(client->Command({"CLIENT", "SETNAME", name}), "+OK\r\n");
    if (no_evict) EXPECT_EQ(client->Command({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
    return client;
  }

  // Sends SET <name> <bytes bytes> but its final CRLF, and waits until the server holds it.
  void HalfSet(RespClient& client, const std::string& name, size_t bytes) {
    ASSERT_TRUE(client.SendRaw("*3\r\n$3\r\nSET\r\n$" + std::to_string(name.size()) + "\r\n" +
                               name + "\r\n$" + std::to_string(bytes) + "\r\n" +
                               std::string(bytes, 'v')));
    WaitFor([&] { return QueryBuffer(name) >= static_cast<int64_t>(bytes) || !Listed(name); });
  }

  // CLIENT LIST's qbuf of client `name`, -1 when it is not there.
  int64_t QueryBuffer(const std::string& name) {
    const std::string list = main_.Command({"CLIENT", "LIST"});
    const size_t at = list.find(" name=" + name + " ");
    if (at == std::string::npos) return -1;
    const size_t q = list.find(" qbuf=", at);
    return std::stoll(list.substr(q + 6));
  }
  bool Listed(const std::string& name) {
    return main_.Command({"CLIENT", "LIST"}).find(" name=" + name + " ") != std::string::npos;
  }
  int64_t Evicted() { return InfoInt(main_, "stats", "evicted_clients"); }

  template <typename Done>
  void WaitFor(Done done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::unique_ptr<ServerProcess> server_;
  RespClient main_;
};

// Three big query buffers pass 3 MB together: the biggest evictable client goes (not the
// bigger NO-EVICT one), and only it, since the rest is then under the limit.
TEST_P(ClientEvictionTest, BiggestEvictableQueryBufferGoes) {
  ASSERT_EQ(main_.Command({"CONFIG", "SET", "maxmemory-clients", "3mb"}), "+OK\r\n");
  auto keep = Named("keep", /*no_evict=*/true);
  auto mid = Named("mid");
  auto small = Named("small");
  auto big = Named("big");
  HalfSet(*keep, "keep", 1200000);
  HalfSet(*mid, "mid", 600000);
  EXPECT_EQ(Evicted(), 0);
  EXPECT_TRUE(Listed("mid"));
  HalfSet(*big, "big", 1500000);
  WaitFor([&] { return !Listed("big"); });
  EXPECT_FALSE(Listed("big"));
  EXPECT_TRUE(big->ReadUntilClosed(std::chrono::seconds(5)).has_value());
  EXPECT_EQ(Evicted(), 1);
  // The others finish their commands.
  ASSERT_TRUE(keep->SendRaw("\r\n"));
  EXPECT_EQ(keep->ReadReply(), "+OK\r\n");
  ASSERT_TRUE(mid->SendRaw("\r\n"));
  EXPECT_EQ(mid->ReadReply(), "+OK\r\n");
  EXPECT_EQ(small->Command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(main_.Command({"CLIENT", "NO-EVICT", "off"}), "+OK\r\n");
  EXPECT_EQ(Evicted(), 1);
  // CONFIG RESETSTAT starts the count again.
  EXPECT_EQ(main_.Command({"CONFIG", "RESETSTAT"}), "+OK\r\n");
  EXPECT_EQ(Evicted(), 0);
}

// A client that does not read 32 MB of replies is evicted for its output; a NO-EVICT one
// doing the same is not.
TEST_P(ClientEvictionTest, StalledReaderIsEvictedUnlessNoEvict) {
  ASSERT_EQ(main_.Command({"SET", "value", std::string(1 << 20, 'v')}), "+OK\r\n");
  ASSERT_EQ(main_.Command({"CONFIG", "SET", "maxmemory-clients", "2mb"}), "+OK\r\n");
  auto reader = Named("reader");
  auto stalled = Named("stalled");
  std::string gets;
  for (int i = 0; i < 32; ++i) gets += EncodeCommand({"GET", "value"});
  ASSERT_TRUE(stalled->SendRaw(gets));
  WaitFor([&] { return !Listed("stalled"); });
  EXPECT_FALSE(Listed("stalled"));
  EXPECT_EQ(Evicted(), 1);
  EXPECT_EQ(reader->Command({"PING"}), "+PONG\r\n");

  // Over the limit with nothing evictable left but `reader`, `reader` would go too.
  reader->Close();
  auto kept = Named("kept", /*no_evict=*/true);
  ASSERT_TRUE(kept->SendRaw(gets));
  // Its replies all arrive (it is reading them now), none of its connection was cut.
  for (int i = 0; i < 32; ++i) {
    ASSERT_EQ(kept->ReadReply().size(), (1u << 20) + 12) << i;
  }
  EXPECT_EQ(Evicted(), 1);
  EXPECT_TRUE(Listed("kept"));
}

// A percentage is of maxmemory; without maxmemory it means no limit.
TEST_P(ClientEvictionTest, PercentageOfMaxmemory) {
  ASSERT_EQ(main_.Command({"CONFIG", "SET", "maxmemory-clients", "10%"}), "+OK\r\n");
  auto big = Named("big");
  HalfSet(*big, "big", 1500000);
  EXPECT_TRUE(Listed("big"));  // no maxmemory: no limit
  EXPECT_EQ(Evicted(), 0);
  // 10% of 20 MB: 2 MB, which the big client's 1.5 MB does not reach alone...
  ASSERT_EQ(main_.Command({"CONFIG", "SET", "maxmemory", "20mb"}), "+OK\r\n");
  EXPECT_EQ(main_.Command({"PING"}), "+PONG\r\n");
  EXPECT_TRUE(Listed("big"));
  // ... but 5% (1 MB) is passed.
  ASSERT_EQ(main_.Command({"CONFIG", "SET", "maxmemory-clients", "5%"}), "+OK\r\n");
  WaitFor([&] { return !Listed("big"); });
  EXPECT_FALSE(Listed("big"));
  EXPECT_EQ(Evicted(), 1);
}

INSTANTIATE_TEST_SUITE_P(Servers, ClientEvictionTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Redis") : std::string("Rill");
                         });

}  // namespace
}  // namespace rill::testing
