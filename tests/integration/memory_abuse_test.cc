// Memory amplification (issue 25, finding 4): what a big argument, a pending one, a connection
// and a crowd of closed connections cost in resident memory. Each bound is Rill's own, at or
// below what redis-server 7.0 measured for the same load (bench/memory_abuse.py prints both),
// with room for a loaded machine; the build before the fix broke every one of them (numbers in
// each test). Resident memory is not meaningful under sanitizers: the bounds are skipped there
// and every other assertion is kept.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/persistence_support.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int64_t kMB = 1024 * 1024;

class MemoryAbuseTest : public ::testing::Test {
 protected:
  void StartServer(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(RillServerBinary(), std::move(args));
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  int64_t Rss() const { return ResidentBytes(server_->pid()); }
  // Waits until `done` holds (polled every 100 ms, at most `limit`); returns whether it did.
  template <typename Done>
  static bool WaitFor(Done done, milliseconds limit = milliseconds(10000)) {
    const auto deadline = steady_clock::now() + limit;
    while (!done()) {
      if (steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return true;
  }

  std::unique_ptr<ServerProcess> server_;
};

// A raw loopback socket to `port` (blocking), -1 on failure.
int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads until `wanted` bytes arrived (or 5 s pass); returns what was read.
std::string ReadExactly(int fd, size_t wanted) {
  std::string got;
  const auto deadline = steady_clock::now() + std::chrono::seconds(5);
  char buf[256];
  while (got.size() < wanted && steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = read(fd, buf, std::min(sizeof(buf), wanted - got.size()));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Opens `n` connections and has each answer one PING (all sent, then all read).
std::vector<int> OpenAndPing(int port, int n) {
  std::vector<int> fds;
  fds.reserve(n);
  for (int i = 0; i < n; ++i) {
    const int fd = ConnectTo(port);
    EXPECT_GE(fd, 0) << "connection " << i;
    if (fd < 0) break;
    fds.push_back(fd);
  }
  for (int fd : fds) EXPECT_EQ(write(fd, "PING\r\n", 6), 6);
  for (int fd : fds) EXPECT_EQ(ReadExactly(fd, 7), "+PONG\r\n");
  return fds;
}

// A 100 MB SET holds the value once: it is read into a buffer of its own and that buffer
// becomes the value (before: the read buffer doubled to 128 MB, zero-filled, and the value was
// copied out of it: peak and settled +228 MB; Redis +100 MB). A GET of it holds the reply once
// besides the value (before: +300 MB at the peak, +200 MB after; Redis +200 / +100 MB), and
// DEL gives it all back.
TEST_F(MemoryAbuseTest, BigSetAndGetHoldTheValueOnce) {
  StartServer();
  constexpr int64_t kValue = 100 * kMB;
  RespClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  const std::string value(kValue, 'v');
  const int64_t before = Rss();
  ASSERT_TRUE(ResetPeakResident(server_->pid()));
  ASSERT_EQ(client.Command({"SET", "big", value}, std::chrono::seconds(30)), "+OK\r\n");
  const int64_t set_peak = PeakResidentBytes(server_->pid()) - before;
  const int64_t held = Rss() - before;
  EXPECT_EQ(client.Command({"STRLEN", "big"}), ":104857600\r\n");

  ASSERT_TRUE(ResetPeakResident(server_->pid()));
  const std::string reply = client.Command({"GET", "big"}, std::chrono::seconds(30));
  const int64_t get_peak = PeakResidentBytes(server_->pid()) - before;
  EXPECT_TRUE(reply == "$104857600\r\n" + value + "\r\n") << "reply of " << reply.size();
  std::this_thread::sleep_for(milliseconds(200));
  const int64_t after_get = Rss() - before;

  ASSERT_EQ(client.Command({"DEL", "big"}), ":1\r\n");
  int64_t after_del = Rss() - before;
  WaitFor([&] { return (after_del = Rss() - before) < 8 * kMB; }, milliseconds(5000));
  RecordProperty("set_peak_mb", std::to_string(set_peak / kMB));
  RecordProperty("get_peak_mb", std::to_string(get_peak / kMB));
  if (!ResidentMemoryIsMeaningful()) return;
  EXPECT_LT(set_peak, kValue * 5 / 4) << "peak during SET";
  EXPECT_LT(held, kValue * 5 / 4) << "held after SET";
  EXPECT_LT(get_peak, kValue * 5 / 2) << "peak during GET";
  EXPECT_LT(after_get, kValue * 5 / 4) << "held after GET";
  EXPECT_LT(after_del, 8 * kMB) << "after DEL";
}

// Values of a few tens of MB come and go: the memory goes back each time. glibc raises its
// mmap threshold after freeing a big block, so the next big buffers come from its heap and
// stayed there after DEL (before: +32 MB after the last DEL below); the cron's trim gives
// them back.
TEST_F(MemoryAbuseTest, BigValuesComeAndGoWithoutKeepingMemory) {
  StartServer();
  RespClient client;
  ASSERT_TRUE(client.Connect(server_->port()));
  const int64_t before = Rss();
  for (int64_t size : {30 * kMB, 20 * kMB, 12 * kMB}) {
    SCOPED_TRACE(size);
    ASSERT_EQ(client.Command({"SET", "k", std::string(size, 'x')}, std::chrono::seconds(30)),
              "+OK\r\n");
    ASSERT_EQ(client.Command({"STRLEN", "k"}), ":" + std::to_string(size) + "\r\n");
    ASSERT_EQ(client.Command({"DEL", "k"}), ":1\r\n");
  }
  int64_t after = Rss() - before;
  WaitFor([&] { return (after = Rss() - before) < 8 * kMB; }, milliseconds(5000));
  if (ResidentMemoryIsMeaningful()) EXPECT_LT(after, 8 * kMB);
}

// 50 connections each send 1 MB of a 64 MB argument and wait: they hold what they sent, not
// what they announced nor twice it (before: +107 MB from doubling zero-filled buffers; Redis
// +51 MB). Then they hang up and the memory goes back.
TEST_F(MemoryAbuseTest, PendingBigArgumentsCostWhatArrived) {
  StartServer();
  constexpr int kClients = 50;
  constexpr int64_t kSent = kMB;
  RespClient probe;
  ASSERT_TRUE(probe.Connect(server_->port()));
  const int64_t before = Rss();
  std::vector<std::unique_ptr<RespClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<RespClient>());
    ASSERT_TRUE(clients.back()->Connect(server_->port()));
    const std::string key = "pending:" + std::to_string(i);
    ASSERT_TRUE(clients.back()->SendRaw("*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) +
                                        "\r\n" + key + "\r\n$67108864\r\n" +
                                        std::string(kSent, 'p')));
  }
  // Every client's bytes were read: CLIENT LIST shows each holding at least the megabyte.
  std::string list;
  const std::regex qbuf("qbuf=([0-9]+)");
  const bool all_read = WaitFor([&] {
    list = probe.Command({"CLIENT", "LIST"});
    int holding = 0;
    for (auto it = std::sregex_iterator(list.begin(), list.end(), qbuf);
         it != std::sregex_iterator(); ++it) {
      if (std::stoll((*it)[1]) >= kSent - 1024) ++holding;
    }
    return holding == kClients;
  });
  ASSERT_TRUE(all_read) << list;
  const int64_t added = Rss() - before;
  EXPECT_EQ(probe.Command({"DBSIZE"}), ":0\r\n");
  clients.clear();
  int64_t after = Rss() - before;
  WaitFor([&] { return (after = Rss() - before) < 8 * kMB; }, milliseconds(5000));
  RecordProperty("added_mb", std::to_string(added / kMB));
  if (!ResidentMemoryIsMeaningful()) return;
  EXPECT_LT(added, kClients * kSent * 13 / 10) << "held while pending";
  EXPECT_LT(after, 8 * kMB) << "after they closed";
}

// A connection that has sent one PING costs less than Redis's (9.6 KB measured; before: 17.4
// KB, a 16 KB zero-filled read buffer each).
TEST_F(MemoryAbuseTest, ConnectionAfterPingCostsLittle) {
  StartServer();
  constexpr int kClients = 1000;
  const int64_t before = Rss();
  std::vector<int> fds = OpenAndPing(server_->port(), kClients);
  // Measured at once: idle connections give their buffers back after two seconds.
  const int64_t per_client = (Rss() - before) / kClients;
  for (int fd : fds) close(fd);
  RecordProperty("bytes_per_client", std::to_string(per_client));
  if (ResidentMemoryIsMeaningful()) EXPECT_LT(per_client, 9 * 1024);
}

// 10,000 connections open, PING and close: the memory they used goes back to the system
// (before: RSS stayed +170 MB; Redis stays about +55 MB).
TEST_F(MemoryAbuseTest, TenThousandConnectionsChurnWithoutKeepingMemory) {
  constexpr int kClients = 10000;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_max, static_cast<rlim_t>(kClients + 200))
      << "the hard descriptor limit of the test process is too low for 10,000 connections";
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &raised), 0);
  StartServer({"--maxclients", std::to_string(kClients + 100)});
  RespClient probe;
  ASSERT_TRUE(probe.Connect(server_->port()));
  const int64_t before = Rss();
  std::vector<int> fds = OpenAndPing(server_->port(), kClients);
  ASSERT_EQ(fds.size(), static_cast<size_t>(kClients));
  const int64_t open = Rss() - before;
  for (int fd : fds) close(fd);
  ASSERT_TRUE(WaitFor([&] {
    return probe.Command({"INFO", "clients"}).find("connected_clients:1\r\n") != std::string::npos;
  }));
  int64_t after = Rss() - before;
  WaitFor([&] { return (after = Rss() - before) < 8 * kMB; }, milliseconds(5000));
  RecordProperty("open_mb", std::to_string(open / kMB));
  RecordProperty("after_mb", std::to_string(after / kMB));
  EXPECT_EQ(probe.Command({"PING"}), "+PONG\r\n");
  if (ResidentMemoryIsMeaningful()) EXPECT_LT(after, 8 * kMB) << "while open: " << open;
}

// Values kept as the argument's own buffer are written to the AOF and to snapshots like any
// other string and come back from both.
TEST_F(MemoryAbuseTest, ValuesKeptFromTheArgumentAreSavedAndLoaded) {
  DataDir dir;
  const std::vector<std::string> args{"--appendonly",           "yes", "--appendfsync", "always",
                                      "--enable-debug-command", "yes"};
  std::string error;
  std::unique_ptr<ServerProcess> rill = StartServerOn(RillServerBinary(), dir.path(), args, &error);
  ASSERT_NE(rill, nullptr) << error;
  std::unique_ptr<RespClient> c = ConnectTo(*rill);
  std::string big(3 * kMB, '\0'), mid(40 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  for (size_t i = 0; i < mid.size(); ++i) mid[i] = static_cast<char>(i * 13);
  ASSERT_EQ(c->Command({"SET", "big", big}), "+OK\r\n");
  ASSERT_EQ(c->Command({"MSET", "mid", mid, "copied", big}), "+OK\r\n");
  ASSERT_EQ(c->Command({"COPY", "mid", "mid2"}), ":1\r\n");
  auto expect_values = [&](RespClient& client) {
    EXPECT_TRUE(client.Command({"GET", "big"}) == "$3145728\r\n" + big + "\r\n");
    EXPECT_TRUE(client.Command({"GET", "copied"}) == "$3145728\r\n" + big + "\r\n");
    EXPECT_TRUE(client.Command({"GET", "mid"}) == "$40960\r\n" + mid + "\r\n");
    EXPECT_TRUE(client.Command({"GET", "mid2"}) == "$40960\r\n" + mid + "\r\n");
  };
  expect_values(*c);
  {
    SCOPED_TRACE("DEBUG RELOAD");
    ASSERT_EQ(c->Command({"DEBUG", "RELOAD"}), "+OK\r\n");
    expect_values(*c);
  }
  SCOPED_TRACE("restart from the AOF");
  rill->Stop(SIGKILL);
  rill = StartServerOn(RillServerBinary(), dir.path(), args, &error);
  ASSERT_NE(rill, nullptr) << error;
  c = ConnectTo(*rill);
  expect_values(*c);
}

}  // namespace
}  // namespace rill::testing
