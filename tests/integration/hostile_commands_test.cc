// Hostile commands: small requests that ask for unbounded work or memory (the hardening issue's
// command audit, docs/design-notes.md "Commands whose cost is not linear"). Each must be
// refused or bounded as Redis 7.0 bounds it (same error text), or better, and the server must
// answer another client's PING right after, with its peak memory far below what the request
// asked for. The kill -9 during each kind of child is in child_lifetime_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/errors.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Generous (a loaded CI machine): the refused requests take microseconds; unbounded they took
// seconds to minutes (and the memory bound below catches them too).
constexpr milliseconds kReplyBound(3000);
// Peak resident memory a request may add. The refused LCS used to take 576 MB to 20 GB.
constexpr int64_t kMemoryBound = 64 << 20;

// Peak resident set size (VmHWM) of `pid` in bytes, -1 if unknown.
int64_t PeakResidentBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmHWM:")) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

// A string of `n` bytes over a 4-letter alphabet (real work for LCS, and no run to shortcut).
std::string Dna(size_t n, unsigned seed) {
  std::string s(n, 'A');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = "ACGT"[(seed >> 16) & 3];
  }
  return s;
}

class HostileCommandsTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    server_ = new ServerProcess(RillServerBinary(), {"--enable-debug-command", "yes"});
    std::string error;
    if (!server_->Start(&error)) {
      delete server_;
      server_ = nullptr;
      *setup_error_ = error;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

 protected:
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << *setup_error_;
    ASSERT_TRUE(server_->running()) << "server died earlier; log:\n" << server_->ReadLog();
    ASSERT_TRUE(c_.Connect(server_->port()));
    ASSERT_EQ(c_.Command({"FLUSHALL"}), "+OK\r\n");
    peak_before_ = PeakResidentBytes(server_->pid());
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    // The peak the test's requests added (inputs included).
    const int64_t peak = PeakResidentBytes(server_->pid());
    if (ResidentMemoryIsMeaningful() && peak > 0 && peak_before_ > 0) {
      EXPECT_LT(peak - peak_before_, kMemoryBound) << "peak RSS grew by " << (peak - peak_before_);
    }
  }

  // Sends a hostile command; it must be answered `expected` within kReplyBound, and a fresh
  // client must then be served.
  void ExpectBounded(const std::vector<std::string>& argv, const std::string& expected) {
    const auto start = Clock::now();
    const std::string reply = c_.Command(argv, seconds(60));
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    EXPECT_EQ(reply, expected) << argv[0] << " " << (argv.size() > 1 ? argv[1] : "");
    EXPECT_LT(took, kReplyBound) << argv[0] << " took " << took.count() << " ms";
    ExpectResponsive();
  }

  void ExpectResponsive() {
    ASSERT_TRUE(server_->running()) << server_->ReadLog();
    RespClient other;
    ASSERT_TRUE(other.Connect(server_->port(), kReplyBound)) << "server stopped accepting";
    EXPECT_EQ(other.Command({"PING"}, kReplyBound), "+PONG\r\n");
  }

  RespClient c_;
  int64_t peak_before_ = -1;
  static ServerProcess* server_;
  static std::string* setup_error_;
};

ServerProcess* HostileCommandsTest::server_ = nullptr;
std::string* HostileCommandsTest::setup_error_ = new std::string;

constexpr std::string_view kLcsTooBig =
    "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n";

// Finding 1: LCS of two 70 KB strings asked for a 20 GB table; two 12 KB ones for 576 MB.
TEST_F(HostileCommandsTest, LcsOfHugeStringsIsRefusedAtOnce) {
  ASSERT_EQ(c_.Command({"MSET", "a", Dna(70000, 1), "b", Dna(70000, 2), "c", Dna(12000, 3), "d",
                        Dna(12000, 4)}),
            "+OK\r\n");
  for (const auto& [x, y] : {std::pair{"a", "b"}, std::pair{"c", "d"}, std::pair{"a", "d"}}) {
    ExpectBounded({"LCS", x, y}, std::string(kLcsTooBig));
    ExpectBounded({"LCS", x, y, "LEN"}, std::string(kLcsTooBig));
    ExpectBounded({"LCS", x, y, "IDX", "MINMATCHLEN", "10", "WITHMATCHLEN"},
                  std::string(kLcsTooBig));
  }
}

// What LCS may still do is bounded by the same table size: at the smallest proto-max-bulk-len
// (1 MB) the largest allowed pair (511 x 511) runs, one byte more is refused.
TEST_F(HostileCommandsTest, LcsAllowedWorkStaysWithinTheBound) {
  ASSERT_EQ(c_.Command({"CONFIG", "SET", "proto-max-bulk-len", "1048576"}), "+OK\r\n");
  ASSERT_EQ(c_.Command({"MSET", "a", Dna(511, 1), "b", Dna(511, 2), "c", Dna(512, 3)}), "+OK\r\n");
  const std::string len = c_.Command({"LCS", "a", "b", "LEN"});
  EXPECT_TRUE(len.starts_with(":3")) << len;  // about 2/3 of 511 for random DNA
  ExpectBounded({"LCS", "a", "c", "LEN"}, std::string(kLcsTooBig));
  ASSERT_EQ(c_.Command({"CONFIG", "SET", "proto-max-bulk-len", "536870912"}), "+OK\r\n");
}

// DEBUG POPULATE with a huge value size aborted the server on the failed allocation (Redis 7.0
// too); no value may exceed proto-max-bulk-len, so neither may these.
TEST_F(HostileCommandsTest, DebugPopulateHugeValuesAreRefused) {
  if (TestingAgainstRedis()) GTEST_SKIP() << "redis-server aborts here";
  const std::string too_long(errors::kStringTooLong);
  ExpectBounded({"DEBUG", "POPULATE", "1", "key", "9223372036854775807"}, "-" + too_long + "\r\n");
  ExpectBounded({"DEBUG", "POPULATE", "1", "key", "536870913"}, "-" + too_long + "\r\n");
  ExpectBounded({"DEBUG", "POPULATE", "2", "key", "1000"}, "+OK\r\n");
  EXPECT_EQ(c_.Command({"STRLEN", "key:1"}), ":1000\r\n");
}

// Growth of a string is bounded by proto-max-bulk-len before any allocation (as Redis).
TEST_F(HostileCommandsTest, StringGrowthBeyondTheBulkLimitIsRefused) {
  const std::string too_long = "-" + std::string(errors::kStringTooLong) + "\r\n";
  ExpectBounded({"SETRANGE", "k", "536870912", "x"}, too_long);
  ExpectBounded({"SETRANGE", "k", "9223372036854775807", "x"}, too_long);
  EXPECT_EQ(c_.Command({"EXISTS", "k"}), ":0\r\n");
}

// Patterns built for exponential backtracking ("*a*a*...*b" against long runs of 'a') are
// matched in polynomial time: Redis 7.0's "no longer match can help" cut and nesting limit.
TEST_F(HostileCommandsTest, PathologicalGlobPatternsAreBounded) {
  const std::string run(60, 'a');
  ASSERT_EQ(c_.Command({"DEBUG", "POPULATE", "2000", run}), "+OK\r\n");
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "*b";
  ExpectBounded({"KEYS", pattern}, "*0\r\n");
  ExpectBounded({"SCAN", "0", "MATCH", pattern, "COUNT", "100000"}, "*2\r\n$1\r\n0\r\n*0\r\n");
  // A nesting of stars beyond Redis's limit (1000) simply does not match.
  std::string deep;
  for (int i = 0; i < 1500; ++i) deep += "*a";
  ExpectBounded({"KEYS", deep}, "*0\r\n");
  // The same matcher serves PSUBSCRIBE patterns against every PUBLISH.
  RespClient sub;
  ASSERT_TRUE(sub.Connect(server_->port()));
  ASSERT_TRUE(sub.Command({"PSUBSCRIBE", pattern}).starts_with("*3\r\n"));
  ExpectBounded({"PUBLISH", std::string(5000, 'a'), "m"}, ":0\r\n");
}

// Counts that would multiply the work are refused with Redis's errors; those only the reply
// follows are linear in what exists.
TEST_F(HostileCommandsTest, HugeCountsAreRefusedOrFollowTheData) {
  ASSERT_TRUE(c_.Command({"XADD", "s", "1-1", "f", "v"}).starts_with("$"));
  ASSERT_EQ(c_.Command({"XGROUP", "CREATE", "s", "g", "0"}), "+OK\r\n");
  ExpectBounded({"XAUTOCLAIM", "s", "g", "c", "0", "0-0", "COUNT", "9223372036854775807"},
                "-ERR COUNT must be > 0\r\n");
  ExpectBounded({"ACL", "GENPASS", "1000000"},
                "-ERR ACL GENPASS argument must be the number of bits for the output password, a "
                "positive number up to 4096\r\n");
  ASSERT_EQ(c_.Command({"RPUSH", "l", "a", "b"}), ":2\r\n");
  ExpectBounded({"LRANGE", "l", "0", "9223372036854775807"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  ExpectBounded({"LPOS", "l", "b", "COUNT", "0", "MAXLEN", "0"}, "*1\r\n:1\r\n");
}

// Approximate trimming does at most 100 x stream-node-max-entries entries per call (Redis's
// default LIMIT), so one XADD cannot be made to free a whole huge stream.
TEST_F(HostileCommandsTest, ApproximateStreamTrimmingWorkPerCallIsLimited) {
  std::string pipeline;
  constexpr int kEntries = 30000;
  for (int i = 1; i <= kEntries; ++i) {
    pipeline += EncodeCommand({"XADD", "s", std::to_string(i) + "-1", "f", "v"});
  }
  ASSERT_TRUE(c_.SendRaw(pipeline));
  for (int i = 1; i <= kEntries; ++i) ASSERT_TRUE(c_.ReadReply().starts_with("$")) << i;
  ExpectBounded({"XADD", "s", "MAXLEN", "~", "0", "40000-1", "f", "v"}, "$7\r\n40000-1\r\n");
  EXPECT_EQ(c_.Command({"XLEN", "s"}), ":20001\r\n");
  ExpectBounded({"XTRIM", "s", "MAXLEN", "~", "0"}, ":10000\r\n");
}

}  // namespace
}  // namespace rill::testing
