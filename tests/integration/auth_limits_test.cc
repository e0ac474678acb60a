// Before AUTH, a server with requirepass accepts only small requests: a stranger cannot make it
// allocate for a huge multibulk or bulk header (Redis 7.0's limits and error texts).
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

class AuthLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(RillServerBinary(),
                                              std::vector<std::string>{"--requirepass", "pw"});
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(AuthLimitsTest, BigMultibulkBeforeAuthIsAProtocolError) {
  RespClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.SendRaw("*20000\r\n"));
  auto bytes = client.ReadUntilClosed();
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, "-ERR Protocol error: unauthenticated multibulk length\r\n");
}

TEST_F(AuthLimitsTest, BigBulkBeforeAuthIsAProtocolError) {
  RespClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  ASSERT_TRUE(client.SendRaw("*1\r\n$100000\r\n"));
  auto bytes = client.ReadUntilClosed();
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, "-ERR Protocol error: unauthenticated bulk length\r\n");
}

TEST_F(AuthLimitsTest, AfterAuthBigRequestsAreAccepted) {
  RespClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  EXPECT_EQ(client.Command({"GET", "k"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(client.Command({"AUTH", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(client.Command({"AUTH", "pw"}), "+OK\r\n");
  std::string value(100000, 'v');
  EXPECT_EQ(client.Command({"SET", "k", value}), "+OK\r\n");
  EXPECT_EQ(client.Command({"STRLEN", "k"}), ":100000\r\n");
}

}  // namespace
}  // namespace rill::testing
