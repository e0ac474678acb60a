// Shared fixture for the ACL differential tests: every test starts with only the default user
// and an empty ACL LOG on both servers, and compares rule descriptions with the order of
// single-command rules masked (Redis prints those in hash order).
#pragma once

#include <string>
#include <vector>

#include "tests/support/acl_masks.h"
#include "tests/support/differential.h"

namespace rill::testing {

class AclDiffTest : public DifferentialTest {
 protected:
  void SetUp() override;

  // Same command to both, replies compared with MaskRuleOrder.
  std::string ExpectSameRules(const std::vector<std::string>& argv);
  // Same command to both, replies compared with MaskAclLog (and MaskRuleOrder).
  std::string ExpectSameLog(const std::vector<std::string>& argv);
  // Sends to both clients of `p` and compares with MaskAclLog.
  void ExpectSameLogPair(ClientPair& p, const std::vector<std::string>& argv);

  // A new client pair logged in as `user` on both servers (the AUTH replies must be +OK).
  ClientPair LoginPair(const std::string& user, const std::string& password);
};

}  // namespace rill::testing
