// Real client libraries' use of hashes and sets (tests/integration/python/hash_set_libraries.py):
// Debian's python3-kombu keeps exchange bindings in sets, python3-rq keeps jobs in hashes and
// its queue registry in a set. Each scenario runs against a fresh rill-server, bounded in time.
#include <string>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

class HashSetLibrariesTest : public ServerTest {
 protected:
  // Runs one scenario; skips when Debian's packages are not installed (scripts/setup.sh
  // installs them).
  void Run(const std::string& mode, const std::string& module) {
    std::string out;
    if (RunShell(std::string(kPython) + " -c 'import " + module + "'", &out) != 0) {
      GTEST_SKIP() << module << " is not installed for " << kPython << ": " << out;
    }
    const std::string script =
        std::string(RILL_TESTS_DIR) + "/integration/python/hash_set_libraries.py";
    const int status = RunShell(
        std::string(kPython) + " " + script + " " + std::to_string(port()) + " " + mode + " 2>&1",
        &out, 120);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("\ndone\n"), std::string::npos) << out;
    output_ = out;
  }
  std::string output_;
};

TEST_F(HashSetLibrariesTest, KombuBindingsAndMessages) {
  Run("kombu", "kombu");
  EXPECT_NE(output_.find("ok: deleting q_b removed its binding (SREM)"), std::string::npos)
      << output_;
}

TEST_F(HashSetLibrariesTest, RqEnqueueAndBurstWorker) {
  Run("rq", "rq");
  EXPECT_NE(output_.find("ok: job hash read back (HGETALL)"), std::string::npos) << output_;
  // The worker needs sorted sets (RQ's registries); until Rill has them it is skipped.
  EXPECT_TRUE(output_.find("ok: every result is right") != std::string::npos ||
              output_.find("rq worker: skipped") != std::string::npos)
      << output_;
}

}  // namespace
}  // namespace rill::testing
