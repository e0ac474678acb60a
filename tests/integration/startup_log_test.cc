// What the start-up log tells whoever reads it: a notice for each parameter the configuration
// sets that Rill ignores and none for the parameters it acts on (server/config/
// ignored_params.h), and why a pid file could not be written.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string NoEffectLine(const std::string& name) {
  return "Config '" + name + "' is accepted but has no effect yet in Rill";
}

TEST(StartupLogTest, NoEffectNoticeOnlyForIgnoredParameters) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "Rill's own notice";
  // Each of the acted-on ones was once reported as having no effect (issue 26).
  const std::vector<std::string> acted_on = {"maxmemory",
                                             "maxmemory-policy",
                                             "maxmemory-samples",
                                             "lfu-log-factor",
                                             "slowlog-max-len",
                                             "slowlog-log-slower-than",
                                             "notify-keyspace-events",
                                             "list-max-listpack-size",
                                             "latency-monitor-threshold",
                                             "stream-node-max-entries",
                                             "stream-node-max-bytes",
                                             "tcp-backlog",
                                             "maxmemory-clients"};
  ServerProcess server(RillServerBinary(), {"--maxmemory",
                                            "1mb",
                                            "--maxmemory-policy",
                                            "allkeys-lru",
                                            "--maxmemory-samples",
                                            "7",
                                            "--lfu-log-factor",
                                            "5",
                                            "--slowlog-max-len",
                                            "10",
                                            "--slowlog-log-slower-than",
                                            "100",
                                            "--notify-keyspace-events",
                                            "KEA",
                                            "--list-max-ziplist-size",
                                            "-3",
                                            "--latency-monitor-threshold",
                                            "5",
                                            "--stream-node-max-entries",
                                            "50",
                                            "--stream-node-max-bytes",
                                            "2kb",
                                            "--tcp-backlog",
                                            "128",
                                            "--maxmemory-clients",
                                            "10%",
                                            "--io-threads",
                                            "2",
                                            "--activerehashing",
                                            "no"});
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  const std::string log = server.ReadLog();
  for (const std::string& name : acted_on) {
    EXPECT_THAT(log, Not(HasSubstr(NoEffectLine(name)))) << log;
  }
  EXPECT_THAT(log, HasSubstr(NoEffectLine("io-threads")));
  EXPECT_THAT(log, HasSubstr(NoEffectLine("activerehashing")));
}

TEST(StartupLogTest, PidFileThatCannotBeWrittenIsLoggedAndTheServerRuns) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "Redis 7.0 says nothing here";
  ServerProcess server(RillServerBinary(), {"--pidfile", "/nonexistent-rill-dir/rill.pid"});
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;  // answers PING
  EXPECT_THAT(server.ReadLog(), HasSubstr("Failed to write PID file: No such file or directory"));
}

}  // namespace
}  // namespace rill::testing
