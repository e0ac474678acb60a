// The allocator rill-server is built with (CMake's RILL_ALLOCATOR, server/observe/alloc_counter.h)
// seen from outside: INFO memory's mem_allocator and allocator_* fields, used_memory following a
// mass insert and delete, MEMORY MALLOC-STATS from the allocator, and MEMORY PURGE giving the
// freed pages back (RSS read from /proc, generous margins, no timing).
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

constexpr int kKeys = 10000;
constexpr int kValueBytes = 4000;  // about a page each: freed keys free whole pages
constexpr int64_t kData = int64_t{kKeys} * kValueBytes;

class AllocatorTest : public ServerTest {
 protected:
  std::map<std::string, std::string> InfoMemory(RespClient& c) {
    const std::string reply = c.Command({"INFO", "memory"});
    std::map<std::string, std::string> fields;
    size_t pos = reply.find("\r\n") + 2;
    while (pos < reply.size()) {
      const size_t end = reply.find("\r\n", pos);
      if (end == std::string::npos) break;
      const std::string line = reply.substr(pos, end - pos);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 1);
      pos = end + 2;
    }
    return fields;
  }
  int64_t Field(RespClient& c, const std::string& name) {
    const auto fields = InfoMemory(c);
    const auto it = fields.find(name);
    EXPECT_NE(it, fields.end()) << name;
    return it == fields.end() ? -1 : std::stoll(it->second);
  }
  // kKeys keys of kValueBytes each, in pipelined batches.
  void Fill(RespClient& c) {
    const std::string value(kValueBytes, 'v');
    for (int i = 0; i < kKeys; i += 500) {
      for (int j = i; j < i + 500; ++j) c.Send({"SET", "alloc:" + std::to_string(j), value});
      for (int j = i; j < i + 500; ++j) ASSERT_EQ(c.ReadReply(), "+OK\r\n");
    }
  }
  // Deletes every key but one in a hundred (those keep parts of the heap in use, so the freed
  // memory lies between live blocks, where only a purge returns it). One in ten would pin most
  // of mimalloc's 64 KiB pages (16 such values each): a purge then returns almost nothing.
  void DeleteAllButOneInHundred(RespClient& c) {
    std::vector<std::string> del = {"DEL"};
    for (int i = 0; i < kKeys; ++i) {
      if (i % 100 != 99) del.push_back("alloc:" + std::to_string(i));
    }
    EXPECT_EQ(c.Command(del), ":" + std::to_string(kKeys / 100 * 99) + "\r\n");
  }
};

TEST_F(AllocatorTest, InfoNamesTheAllocatorItWasBuiltWith) {
  auto c = Connect();
  const std::string name = InfoMemory(*c)["mem_allocator"];
  // The allocator rill-server was built with, or the one RILL_TEST_ALLOCATOR names for a
  // RILL_TEST_SERVER_BINARY (server_process.h).
  const char* other = std::getenv("RILL_TEST_ALLOCATOR");
  const std::string built = other != nullptr && *other ? other : RILL_ALLOCATOR;
  if (built == "glibc") {
    EXPECT_EQ(name, "libc");
  } else {
    EXPECT_EQ(name.rfind(built + "-", 0), 0u) << name;  // "jemalloc-5.3.0", "mimalloc-2.0.9"
  }
  const std::string stats = c->Command({"MEMORY", "MALLOC-STATS"});
  const std::string marker = built == "jemalloc"   ? "Begin jemalloc statistics"
                             : built == "mimalloc" ? "process:"
                                                   : "<malloc version=";
  EXPECT_NE(stats.find(marker), std::string::npos) << stats.substr(0, 300);
}

// used_memory counts what the allocator handed out, whatever the allocator: it follows the
// values in and out, and the allocator's own figures agree with it and the ratios are theirs.
TEST_F(AllocatorTest, UsedMemoryFollowsTheDataAndTheRatiosAreRedis) {
  auto c = Connect();
  ASSERT_EQ(c->Command({"FLUSHALL", "SYNC"}), "+OK\r\n");
  const int64_t before = Field(*c, "used_memory");
  Fill(*c);
  const int64_t filled = Field(*c, "used_memory");
  EXPECT_GT(filled - before, kData);          // the values, plus keys and index
  EXPECT_LT(filled - before, kData * 3 / 2);  // no size class wastes half
  auto f = InfoMemory(*c);
  const double used = std::stod(f["used_memory"]);
  const double rss = std::stod(f["used_memory_rss"]);
  EXPECT_NEAR(std::stod(f["mem_fragmentation_ratio"]), rss / used, 0.02);
  EXPECT_EQ(std::stoll(f["mem_fragmentation_bytes"]),
            std::stoll(f["used_memory_rss"]) - std::stoll(f["used_memory"]));
  const double allocated = std::stod(f["allocator_allocated"]);
  const double active = std::stod(f["allocator_active"]);
  const double resident = std::stod(f["allocator_resident"]);
  EXPECT_GT(allocated, used * 0.8);
  EXPECT_LE(allocated, active);
  EXPECT_LE(active, resident);
  EXPECT_NEAR(std::stod(f["allocator_frag_ratio"]), active / allocated, 0.02);
  EXPECT_NEAR(std::stod(f["allocator_rss_ratio"]), resident / active, 0.02);
  EXPECT_NEAR(std::stod(f["rss_overhead_ratio"]), rss / resident, 0.02);
  DeleteAllButOneInHundred(*c);
  const int64_t after = Field(*c, "used_memory");
  EXPECT_LT(after - before, kData / 5);
  ASSERT_EQ(c->Command({"FLUSHALL", "SYNC"}), "+OK\r\n");
}

TEST_F(AllocatorTest, PurgeReturnsFreedPagesAfterAMassDelete) {
  auto c = Connect();
  ASSERT_EQ(c->Command({"FLUSHALL", "SYNC"}), "+OK\r\n");
  Fill(*c);
  const int64_t full = ResidentBytes(server().pid());
  DeleteAllButOneInHundred(*c);
  ASSERT_EQ(c->Command({"MEMORY", "PURGE"}), "+OK\r\n");
  const int64_t purged = ResidentBytes(server().pid());
  // 39.6 MB were freed; at least half of it has left the process.
  EXPECT_LT(purged, full - kData * 99 / 100 / 2) << "full " << full << " purged " << purged;
  ASSERT_EQ(c->Command({"FLUSHALL", "SYNC"}), "+OK\r\n");
}

}  // namespace
}  // namespace rill::testing
