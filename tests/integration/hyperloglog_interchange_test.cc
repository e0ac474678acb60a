// HyperLogLogs and bitmaps through files between Rill and redis-server 7.0, both ways: an RDB
// snapshot and an append-only directory written by one server load in the other with the same
// bytes, count the same, and keep growing into the same bytes.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/keyspace_snapshot.h"
#include "tests/support/persistence_support.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace rill::testing {
namespace {

using Argv = std::vector<std::string>;

// Sparse and dense HLLs (one with a stale cache, one fresh), a merge, and bitmaps written by
// SETBIT, BITFIELD and BITOP: every reply must be a success.
void FillHllsAndBitmaps(RespClient& c) {
  std::vector<Argv> commands;
  Argv sparse = {"PFADD", "hll:sparse"};
  for (int i = 0; i < 150; ++i) sparse.push_back("s" + std::to_string(i));
  commands.push_back(sparse);
  for (int batch = 0; batch < 4; ++batch) {
    Argv dense = {"PFADD", "hll:dense"};
    for (int i = 0; i < 5000; ++i) dense.push_back("d" + std::to_string(batch * 5000 + i));
    commands.push_back(dense);
  }
  commands.push_back({"PFCOUNT", "hll:dense"});            // cache stored
  commands.push_back({"PFADD", "hll:dense", "one more"});  // and invalidated again
  commands.push_back({"PFMERGE", "hll:merged", "hll:sparse", "hll:dense"});
  commands.push_back({"PFADD", "hll:ttl", "x"});
  commands.push_back({"EXPIRE", "hll:ttl", "5000"});
  commands.push_back({"SETBIT", "bits:a", "1000", "1"});
  commands.push_back({"SETBIT", "bits:a", "3", "1"});
  commands.push_back(
      {"BITFIELD", "bits:b", "SET", "i16", "#3", "-1234", "INCRBY", "u5", "77", "9"});
  commands.push_back({"BITOP", "XOR", "bits:c", "bits:a", "bits:b"});
  for (const Argv& argv : commands) {
    const std::string reply = c.Command(argv);
    ASSERT_FALSE(reply.empty() || reply[0] == '-') << argv[0] << " -> " << EscapeBytes(reply);
  }
}

const std::vector<std::string> kKeys = {"hll:sparse", "hll:dense", "hll:merged", "hll:ttl",
                                        "bits:a",     "bits:b",    "bits:c"};

// Each key's bytes and, for HLLs, cardinality and encoding.
std::string Describe(RespClient& c) {
  std::string out;
  for (const std::string& key : kKeys) {
    out += key + " = " + EscapeBytes(c.Command({"GET", key})) + "\n";
    if (key.rfind("hll:", 0) == 0) {
      out += "  count " + c.Command({"PFCOUNT", key});
      out += "  " + c.Command({"PFDEBUG", "ENCODING", key});
    }
  }
  out += "ttl set: " + std::string(c.Command({"TTL", "hll:ttl"}) != ":-1\r\n" ? "yes" : "no");
  return out;
}

// More of the same on a loaded server, to show the loaded values keep growing alike.
void GrowFurther(RespClient& c) {
  for (const Argv& argv : std::vector<Argv>{{"PFADD", "hll:sparse", "late1", "late2"},
                                            {"PFADD", "hll:dense", "late1", "late2"},
                                            {"PFMERGE", "hll:merged", "hll:sparse"},
                                            {"SETBIT", "bits:a", "5000", "1"}}) {
    ASSERT_NE(c.Command(argv)[0], '-') << argv[0];
  }
}

class HyperLogLogInterchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisServerBinary().empty()) GTEST_SKIP() << "redis-server is not installed";
  }

  std::unique_ptr<ServerProcess> Start(const std::string& binary, const DataDir& dir,
                                       std::vector<std::string> args = {}) {
    std::string error;
    auto server = StartServerOn(binary, dir.path(), std::move(args), &error);
    EXPECT_NE(server, nullptr) << error;
    return server;
  }

  // Fills a `writer` server, saves a snapshot, loads it in `reader`: same description, then the
  // same growth as the writer.
  void ExpectSnapshotCarriesOver(const std::string& writer_binary,
                                 const std::string& reader_binary) {
    DataDir dir;
    auto writer = Start(writer_binary, dir);
    ASSERT_TRUE(writer);
    auto wc = ConnectTo(*writer);
    FillHllsAndBitmaps(*wc);
    ASSERT_EQ(wc->Command({"SAVE"}), "+OK\r\n");
    const std::string written = Describe(*wc);
    writer->Stop(SIGKILL);

    DataDir copy;
    std::filesystem::copy_file(dir.File("dump.rdb"), copy.File("dump.rdb"));
    auto reader = Start(reader_binary, copy);
    ASSERT_TRUE(reader);
    auto rc = ConnectTo(*reader);
    EXPECT_EQ(Describe(*rc), written);

    // The writer, restarted on its own file, and the reader grow alike.
    auto again = Start(writer_binary, dir);
    ASSERT_TRUE(again);
    auto ac = ConnectTo(*again);
    EXPECT_EQ(Describe(*ac), written);  // also stores the same cached counts as the reader's
    GrowFurther(*ac);
    GrowFurther(*rc);
    EXPECT_EQ(Describe(*rc), Describe(*ac));
  }

  // Writes with `writer` into an append-only directory (commands as they propagate, PFCOUNT's
  // cache update included), then loads it in both servers: both equal the writer's data.
  void ExpectAofCarriesOver(const std::string& writer_binary) {
    const std::vector<std::string> args = {
        "--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "no"};
    DataDir dir;
    auto writer = Start(writer_binary, dir, args);
    ASSERT_TRUE(writer);
    auto wc = ConnectTo(*writer);
    // Rewrite first, so that the base holds HLLs as values and the increment holds commands.
    FillHllsAndBitmaps(*wc);
    ASSERT_EQ(wc->Command({"BGREWRITEAOF"}), "+Background append only file rewriting started\r\n");
    ASSERT_TRUE(
        WaitUntil([&] { return InfoField(*wc, "persistence", "aof_rewrite_in_progress") == "0"; }));
    GrowFurther(*wc);
    // Describe's own PFCOUNTs store cardinalities, which propagate: once before the reference.
    Describe(*wc);
    const std::string written = Describe(*wc);
    writer->Stop(SIGKILL);

    for (const std::string& reader_binary : {RillServerBinary(), RedisServerBinary()}) {
      SCOPED_TRACE(reader_binary);
      DataDir copy;
      std::filesystem::copy(dir.path(), copy.path(),
                            std::filesystem::copy_options::recursive |
                                std::filesystem::copy_options::overwrite_existing);
      auto reader = Start(reader_binary, copy, args);
      ASSERT_TRUE(reader);
      auto rc = ConnectTo(*reader);
      EXPECT_EQ(Describe(*rc), written);
    }
  }
};

TEST_F(HyperLogLogInterchangeTest, RedisSnapshotLoadsInRill) {
  ExpectSnapshotCarriesOver(RedisServerBinary(), RillServerBinary());
}

TEST_F(HyperLogLogInterchangeTest, RillSnapshotLoadsInRedis) {
  ExpectSnapshotCarriesOver(RillServerBinary(), RedisServerBinary());
}

TEST_F(HyperLogLogInterchangeTest, RillAppendOnlyDirectoryLoadsInBoth) {
  ExpectAofCarriesOver(RillServerBinary());
}

TEST_F(HyperLogLogInterchangeTest, RedisAppendOnlyDirectoryLoadsInBoth) {
  ExpectAofCarriesOver(RedisServerBinary());
}

// A corrupt HLL that Redis 7.0 would read out of bounds (a sparse form of 2^31 registers and
// more overflows its int counters): Rill reports it and goes on serving.
TEST(HyperLogLogHostileTest, HugeCorruptSparseFormsAreRefusedQuickly) {
  DataDir dir;
  std::string error;
  auto rill = StartServerOn(RillServerBinary(), dir.path(), {}, &error);
  ASSERT_TRUE(rill) << error;
  auto c = ConnectTo(*rill);
  // 200,000 XZERO:16384 opcodes (3.3e9 registers), then a VAL.
  std::string value = std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16);
  for (int i = 0; i < 200000; ++i) value += "\x7f\xff";
  value += "\x80";
  ASSERT_EQ(c->Command({"SET", "bad", value}), "+OK\r\n");
  for (const Argv& argv : std::vector<Argv>{{"PFCOUNT", "bad"},
                                            {"PFCOUNT", "bad", "bad"},
                                            {"PFMERGE", "dest", "bad"},
                                            {"PFDEBUG", "GETREG", "bad"},
                                            {"PFDEBUG", "TODENSE", "bad"}}) {
    EXPECT_EQ(c->Command(argv), "-INVALIDOBJ Corrupted HLL object detected\r\n") << argv[0];
  }
  // Adding splits the first XZERO, which makes the string longer than hll-sparse-max-bytes:
  // the promotion to dense finds the corruption.
  EXPECT_EQ(c->Command({"PFADD", "bad", "x"}), "-INVALIDOBJ Corrupted HLL object detected\r\n");
  EXPECT_EQ(c->Command({"STRLEN", "bad"}), ":" + std::to_string(value.size()) + "\r\n");
  EXPECT_EQ(c->Command({"PING"}), "+PONG\r\n");
}

}  // namespace
}  // namespace rill::testing
