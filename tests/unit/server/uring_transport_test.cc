// The io_uring transport on its own, over socket pairs: multishot receives hand every byte
// over in order and give their buffers back; a ring with too few buffers runs dry (ENOBUFS)
// and the receives are re-armed without losing bytes; sends complete, also past what the
// socket takes at once; a detached slot's handler is never called again and its keepalive
// lives until its last operation completed; PollOnce holds back the skipped descriptor's
// completions for the next wait, in order; and the event loop on io_uring still runs timers
// and epoll-watched descriptors. Skipped where the kernel refuses io_uring.
#include "server/net/uring_transport.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "server/net/event_loop.h"

namespace rill {
namespace {

class Recorder : public UringTransport::Handler {
 public:
  void OnReceived(std::string_view bytes) override {
    received.append(bytes);
    ++receives;
  }
  void OnReceiveEnded(int result) override { ended.push_back(result); }
  void OnSent(int result) override { sent.push_back(result); }
  std::string received;
  int receives = 0;
  std::vector<int> ended;
  std::vector<int> sent;
};

std::unique_ptr<UringTransport> MakeTransport(unsigned buffers = 8, size_t size = 64) {
  std::string why;
  auto transport = UringTransport::Create(&why, buffers, size);
  if (!transport) ADD_FAILURE() << "io_uring refused: " << why;
  return transport;
}

#define SKIP_WITHOUT_URING()                                                        \
  do {                                                                              \
    std::string why;                                                                \
    if (!UringTransport::Create(&why)) GTEST_SKIP() << "no io_uring here: " << why; \
  } while (0)

struct Pair {
  Pair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0); }
  ~Pair() {
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  }
  int fds[2] = {-1, -1};
};

// Waits (bounded) until `done` holds, dispatching completions.
template <typename Done>
bool RunUntil(UringTransport& transport, Done done) {
  for (int i = 0; i < 200 && !done(); ++i) transport.SubmitAndDispatch(10);
  return done();
}

TEST(UringTransport, MultishotReceiveDeliversEveryByteInOrderAndRecyclesBuffers) {
  SKIP_WITHOUT_URING();
  auto transport = MakeTransport(8, 64);
  ASSERT_TRUE(transport);
  Pair pair;
  Recorder recorder;
  const UringTransport::Slot slot = transport->Attach(pair.fds[0], &recorder);
  transport->StartReceiving(slot);
  transport->SubmitAndDispatch(0);  // armed once; more bytes need no new submission
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    const std::string chunk = "chunk-" + std::to_string(i) + std::string(i * 7, 'x') + ";";
    ASSERT_EQ(write(pair.fds[1], chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    expected += chunk;
    ASSERT_TRUE(RunUntil(*transport, [&] { return recorder.received.size() == expected.size(); }));
  }
  EXPECT_EQ(recorder.received, expected);
  // Each completion's buffer went back as soon as its handler returned.
  EXPECT_EQ(transport->buffers().outstanding(), 0u);
  // A chunk larger than a buffer (64 bytes) came in several completions.
  EXPECT_GT(recorder.receives, 20);
  EXPECT_TRUE(recorder.ended.empty());

  close(pair.fds[1]);
  pair.fds[1] = -1;
  ASSERT_TRUE(RunUntil(*transport, [&] { return !recorder.ended.empty(); }));
  EXPECT_EQ(recorder.ended, std::vector<int>{0});  // the peer closed
}

TEST(UringTransport, AnEmptyBufferRingStopsReceivesThatAreReArmedWithoutLosingBytes) {
  SKIP_WITHOUT_URING();
  // Two buffers for six sockets with bytes waiting: most receives find the ring empty.
  auto transport = MakeTransport(2, 16);
  ASSERT_TRUE(transport);
  constexpr int kSockets = 6;
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<Recorder> recorders(kSockets);
  std::vector<std::string> expected(kSockets);
  for (int i = 0; i < kSockets; ++i) {
    pairs.push_back(std::make_unique<Pair>());
    transport->StartReceiving(transport->Attach(pairs[i]->fds[0], &recorders[i]));
  }
  transport->SubmitAndDispatch(0);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kSockets; ++i) {
      const std::string bytes = "socket " + std::to_string(i) + " round " + std::to_string(round) +
                                std::string(40, 'a' + i) + "|";
      ASSERT_EQ(write(pairs[i]->fds[1], bytes.data(), bytes.size()),
                static_cast<ssize_t>(bytes.size()));
      expected[i] += bytes;
    }
  }
  ASSERT_TRUE(RunUntil(*transport, [&] {
    for (int i = 0; i < kSockets; ++i) {
      if (recorders[i].received.size() < expected[i].size()) return false;
    }
    return true;
  }));
  for (int i = 0; i < kSockets; ++i) EXPECT_EQ(recorders[i].received, expected[i]) << i;
  EXPECT_GT(transport->out_of_buffers(), 0u);
  EXPECT_EQ(transport->buffers().outstanding(), 0u);
}

TEST(UringTransport, SendsCompleteAlsoPastWhatTheSocketTakesAtOnce) {
  SKIP_WITHOUT_URING();
  auto transport = MakeTransport();
  ASSERT_TRUE(transport);
  Pair pair;
  Recorder recorder;
  const UringTransport::Slot slot = transport->Attach(pair.fds[0], &recorder);
  // 8 MB: far more than a socket buffer, so the send waits for the reader (and may be short).
  std::string payload(8 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  size_t sent = 0;
  transport->Send(slot, payload.data(), payload.size());
  std::string read_back;
  char buf[65536];
  for (int i = 0; i < 100000 && read_back.size() < payload.size(); ++i) {
    transport->SubmitAndDispatch(0);
    for (int result : recorder.sent) {
      ASSERT_GT(result, 0);
      sent += static_cast<size_t>(result);
      if (sent < payload.size())
        transport->Send(slot, payload.data() + sent, payload.size() - sent);
    }
    recorder.sent.clear();
    const ssize_t n = read(pair.fds[1], buf, sizeof(buf));
    if (n > 0) read_back.append(buf, static_cast<size_t>(n));
  }
  ASSERT_EQ(read_back.size(), payload.size());
  EXPECT_TRUE(read_back == payload);
  // Every byte read was reported sent (the last completion may come with the next wait).
  ASSERT_TRUE(RunUntil(*transport, [&] {
    for (int result : recorder.sent) sent += static_cast<size_t>(result);
    recorder.sent.clear();
    return sent == payload.size();
  }));
}

TEST(UringTransport, ADetachedSlotIsSilentAndItsKeepaliveWaitsForItsOperations) {
  SKIP_WITHOUT_URING();
  auto transport = MakeTransport();
  ASSERT_TRUE(transport);
  Pair pair;
  Recorder recorder;
  const UringTransport::Slot slot = transport->Attach(pair.fds[0], &recorder);
  transport->StartReceiving(slot);
  transport->SubmitAndDispatch(0);
  auto keepalive = std::make_shared<int>(7);
  std::weak_ptr<int> watch = keepalive;
  transport->Detach(slot, std::move(keepalive));
  ASSERT_EQ(write(pair.fds[1], "late", 4), 4);
  // The receive is still armed until the cancellation is submitted: the keepalive stays.
  EXPECT_FALSE(watch.expired());
  ASSERT_TRUE(RunUntil(*transport, [&] { return watch.expired(); }));
  EXPECT_TRUE(recorder.received.empty());
  EXPECT_TRUE(recorder.ended.empty());
  EXPECT_EQ(transport->buffers().outstanding(), 0u);
  // The slot is reused with a new generation; the new owner gets only its own bytes.
  Pair other;
  Recorder second;
  transport->StartReceiving(transport->Attach(other.fds[0], &second));
  ASSERT_EQ(write(other.fds[1], "fresh", 5), 5);
  ASSERT_TRUE(RunUntil(*transport, [&] { return second.received == "fresh"; }));
  EXPECT_TRUE(recorder.received.empty());
}

TEST(UringTransport, PollOnceHoldsBackTheSkippedSocketInOrder) {
  SKIP_WITHOUT_URING();
  auto transport = MakeTransport(8, 4);  // 4-byte buffers: "abcdefgh" is two completions
  ASSERT_TRUE(transport);
  Pair a;
  Pair b;
  Recorder ra;
  Recorder rb;
  transport->StartReceiving(transport->Attach(a.fds[0], &ra));
  transport->StartReceiving(transport->Attach(b.fds[0], &rb));
  transport->SubmitAndDispatch(0);
  ASSERT_EQ(write(a.fds[1], "abcdefgh", 8), 8);
  ASSERT_EQ(write(b.fds[1], "12345678", 8), 8);
  for (int i = 0; i < 50 && rb.received.size() < 8; ++i) transport->PollOnce(a.fds[0]);
  EXPECT_EQ(rb.received, "12345678");
  EXPECT_EQ(ra.received, "");  // held back
  ASSERT_EQ(write(a.fds[1], "ijkl", 4), 4);
  ASSERT_TRUE(RunUntil(*transport, [&] { return ra.received.size() == 12; }));
  EXPECT_EQ(ra.received, "abcdefghijkl");
}

TEST(UringTransport, TheEventLoopOnUringRunsTimersAndWatchedDescriptors) {
  SKIP_WITHOUT_URING();
  EventLoop loop;
  std::string why;
  ASSERT_TRUE(loop.UseUring(&why)) << why;
  ASSERT_NE(loop.uring(), nullptr);
  Pair pair;
  struct Reader : EventLoop::Handler {
    void OnReady(bool readable, bool, bool) override {
      char buf[16];
      if (readable && read(fd, buf, sizeof(buf)) > 0) ++reads;
    }
    int fd = -1;
    int reads = 0;
  } reader;
  reader.fd = pair.fds[0];
  ASSERT_TRUE(loop.Watch(pair.fds[0], &reader, /*read=*/true, /*write=*/false));
  std::vector<int> order;
  loop.RunAfter(30, [&] {
    order.push_back(30);
    loop.Stop();
  });
  loop.RunAfter(5, [&] {
    order.push_back(5);
    EXPECT_EQ(write(pair.fds[1], "x", 1), 1);  // seen through the epoll set's poll
  });
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{5, 30}));
  EXPECT_EQ(reader.reads, 1);
}

}  // namespace
}  // namespace rill
