// CLIENT LIST and INFO show subscriptions, transactions and watch state as Redis 7.0 does.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

using ::testing::HasSubstr;

class PubSubIntrospectionTest : public ServerTest {};

TEST_F(PubSubIntrospectionTest, ClientListAndInfoShowSubscriptionsAndTransactions) {
  auto subscriber = Connect();
  auto queued = Connect();
  auto doomed = Connect();
  auto admin = Connect();
  ASSERT_TRUE(subscriber && queued && doomed && admin);

  ASSERT_EQ(subscriber->Command({"SUBSCRIBE", "a", "b"}).substr(0, 4), "*3\r\n");
  subscriber->ReadReply();
  subscriber->Command({"PSUBSCRIBE", "x*"});
  subscriber->Command({"SSUBSCRIBE", "s"});

  ASSERT_EQ(queued->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(queued->Command({"SET", "k", "1"}), "+QUEUED\r\n");
  ASSERT_EQ(queued->Command({"GET", "k"}), "+QUEUED\r\n");

  // A transaction whose watched key changed keeps no commands (multi=0), as Redis.
  ASSERT_EQ(doomed->Command({"WATCH", "w"}), "+OK\r\n");
  ASSERT_EQ(admin->Command({"SET", "w", "1"}), "+OK\r\n");
  ASSERT_EQ(doomed->Command({"MULTI"}), "+OK\r\n");
  ASSERT_EQ(doomed->Command({"SET", "a", "1"}), "+QUEUED\r\n");

  const std::string list = admin->Command({"CLIENT", "LIST"});
  EXPECT_THAT(list, HasSubstr("flags=P db=0 sub=2 psub=1 ssub=1 multi=-1 "));
  EXPECT_THAT(list, HasSubstr("flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "));
  EXPECT_THAT(list, HasSubstr("flags=xd db=0 sub=0 psub=0 ssub=0 multi=0 "));
  EXPECT_THAT(list, HasSubstr("flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "));

  const std::string stats = admin->Command({"INFO", "stats"});
  EXPECT_THAT(stats, HasSubstr("\r\npubsub_channels:2\r\npubsub_patterns:1\r\n"
                               "pubsubshard_channels:1\r\n"));
  EXPECT_THAT(admin->Command({"INFO", "clients"}), HasSubstr("client_recent_max_output_buffer:"));

  EXPECT_EQ(doomed->Command({"EXEC"}), "*-1\r\n");
  EXPECT_EQ(queued->Command({"EXEC"}), "*2\r\n+OK\r\n$1\r\n1\r\n");
  subscriber->Close();
  // Disconnecting drops every subscription.
  for (int i = 0; i < 100; ++i) {
    if (admin->Command({"PUBSUB", "NUMPAT"}) == ":0\r\n") break;
    admin->Command({"PING"});
  }
  EXPECT_EQ(admin->Command({"PUBSUB", "NUMPAT"}), ":0\r\n");
  EXPECT_THAT(
      admin->Command({"INFO", "stats"}),
      HasSubstr("\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n"));
}

}  // namespace
}  // namespace rill::testing
