#include "tests/support/acl_differential.h"

#include "absl/strings/str_join.h"

namespace rill::testing {

void AclDiffTest::SetUp() {
  DifferentialTest::SetUp();
  if (HasFatalFailure()) return;
  for (RespClient* client : {&rill_client(), &redis_client()}) {
    for (const std::string& user : BulkArray(client->Command({"ACL", "USERS"}))) {
      if (user != "default") client->Command({"ACL", "DELUSER", user});
    }
    ASSERT_EQ(client->Command({"ACL", "LOG", "RESET"}), "+OK\r\n");
  }
}

std::string AclDiffTest::ExpectSameRules(const std::vector<std::string>& argv) {
  std::string rill = Rill(argv);
  std::string redis = Redis(argv);
  ExpectSameReplies(absl::StrJoin(argv, " "), MaskRuleOrder(rill), MaskRuleOrder(redis));
  return rill;
}

std::string AclDiffTest::ExpectSameLog(const std::vector<std::string>& argv) {
  std::string rill = Rill(argv);
  std::string redis = Redis(argv);
  ExpectSameReplies(absl::StrJoin(argv, " "), MaskAclLog(MaskRuleOrder(rill)),
                    MaskAclLog(MaskRuleOrder(redis)));
  return rill;
}

void AclDiffTest::ExpectSameLogPair(ClientPair& p, const std::vector<std::string>& argv) {
  std::string rill = p.rill->Command(argv);
  std::string redis = p.redis->Command(argv);
  ExpectSameReplies("(second client) " + absl::StrJoin(argv, " "), MaskAclLog(rill),
                    MaskAclLog(redis));
}

DifferentialTest::ClientPair AclDiffTest::LoginPair(const std::string& user,
                                                    const std::string& password) {
  ClientPair p = ConnectPair();
  EXPECT_EQ(p.rill->Command({"AUTH", user, password}), "+OK\r\n") << "rill login as " << user;
  EXPECT_EQ(p.redis->Command({"AUTH", user, password}), "+OK\r\n") << "redis login as " << user;
  return p;
}

}  // namespace rill::testing
