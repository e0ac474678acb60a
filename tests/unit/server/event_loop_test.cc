// The event loop: timers in deadline order and cancellable, posts before the next wait,
// level-triggered readiness (a descriptor with bytes left is reported again), handlers
// unwatched in the middle of a batch not called, signals delivered through the self-pipe, the
// before-sleep hook once per turn, and the idle callback only when asked for and nothing is ready.
#include "server/net/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <limits>
#include <string>
#include <vector>

namespace rill {
namespace {

class Recorder : public EventLoop::Handler {
 public:
  explicit Recorder(std::function<void(Recorder&)> on_ready) : on_ready_(std::move(on_ready)) {}
  void OnReady(bool readable, bool, bool) override {
    if (readable) ++reads;
    on_ready_(*this);
  }
  int reads = 0;

 private:
  std::function<void(Recorder&)> on_ready_;
};

// A connected socket pair whose first end has one byte to read.
void ReadablePair(int fds[2]) {
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  ASSERT_EQ(write(fds[1], "x", 1), 1);
}

TEST(EventLoop, TimersRunInDeadlineOrderAndCanBeCancelled) {
  EventLoop loop;
  std::vector<int> order;
  loop.RunAfter(30, [&] { order.push_back(30); });
  loop.RunAfter(10, [&] { order.push_back(10); });
  const EventLoop::TimerId cancelled = loop.RunAfter(20, [&] { order.push_back(20); });
  loop.RunAfter(40, [&] { loop.Stop(); });
  loop.Cancel(cancelled);
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{10, 30}));
}

TEST(EventLoop, PostsRunBeforeTheNextWaitAndRepostsWaitATurn) {
  EventLoop loop;
  int turns = 0;
  std::vector<std::string> log;
  loop.set_before_sleep([&] {
    log.push_back("sleep");
    if (++turns == 2) loop.Stop();
  });
  loop.Post([&] {
    log.push_back("a");
    loop.Post([&] { log.push_back("b"); });
  });
  loop.Run();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "sleep", "b", "sleep"}));
}

TEST(EventLoop, LevelTriggeredReadinessReportsLeftoverBytes) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  ASSERT_EQ(write(fds[1], "abcdef", 6), 6);
  EventLoop loop;
  std::string got;
  Recorder reader([&](Recorder&) {
    char c;
    if (read(fds[0], &c, 1) == 1) got += c;  // one byte per event: the rest must be reported
    if (got.size() == 6) loop.Stop();
  });
  ASSERT_TRUE(loop.Watch(fds[0], &reader, /*read=*/true, /*write=*/false));
  loop.RunAfter(5000, [&] { loop.Stop(); });  // a bound if readiness were lost
  loop.Run();
  EXPECT_EQ(got, "abcdef");
  EXPECT_EQ(reader.reads, 6);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoop, AHandlerUnwatchedDuringABatchIsNotCalled) {
  int a[2], b[2];
  ASSERT_NO_FATAL_FAILURE(ReadablePair(a));
  ASSERT_NO_FATAL_FAILURE(ReadablePair(b));
  EventLoop loop;
  int calls = 0;
  // Whichever runs first unwatches the other: both are ready in the same batch.
  Recorder ra([&](Recorder&) {
    ++calls;
    loop.Unwatch(b[0]);
    loop.Unwatch(a[0]);
  });
  Recorder rb([&](Recorder&) {
    ++calls;
    loop.Unwatch(a[0]);
    loop.Unwatch(b[0]);
  });
  ASSERT_TRUE(loop.Watch(a[0], &ra, true, false));
  ASSERT_TRUE(loop.Watch(b[0], &rb, true, false));
  loop.RunAfter(50, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_EQ(calls, 1);
  for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

TEST(EventLoop, AStaleEventDoesNotReachTheSocketThatReusedTheNumber) {
  int a[2], b[2];
  ASSERT_NO_FATAL_FAILURE(ReadablePair(a));
  ASSERT_NO_FATAL_FAILURE(ReadablePair(b));
  EventLoop loop;
  int reused_calls = 0;
  int fresh[2] = {-1, -1};
  Recorder reused([&](Recorder&) { ++reused_calls; });
  // Whichever of a / b runs first closes the other and opens a socket pair, which gets the
  // lowest free number: the closed one. The closed socket's event in the same batch must not
  // be delivered to the new registration (which has nothing to read).
  auto close_other_and_reopen = [&](int other_read, int other_write) {
    if (fresh[0] >= 0) return;
    loop.Unwatch(other_read);
    close(other_read);
    close(other_write);
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fresh), 0);
    ASSERT_TRUE(loop.Watch(fresh[0], &reused, true, false));
  };
  Recorder ra([&](Recorder&) { close_other_and_reopen(b[0], b[1]); });
  Recorder rb([&](Recorder&) { close_other_and_reopen(a[0], a[1]); });
  ASSERT_TRUE(loop.Watch(a[0], &ra, true, false));
  ASSERT_TRUE(loop.Watch(b[0], &rb, true, false));
  loop.RunAfter(50, [&] { loop.Stop(); });
  loop.Run();
  ASSERT_GE(fresh[0], 0);
  EXPECT_TRUE(fresh[0] == a[0] || fresh[0] == b[0]) << "the number was not reused: " << fresh[0];
  EXPECT_EQ(reused_calls, 0);
}

TEST(EventLoop, AHugeDelaySaturatesInsteadOfFiringAtOnce) {
  EventLoop loop;
  bool fired = false;
  loop.RunAfter(std::numeric_limits<int64_t>::max(), [&] { fired = true; });
  loop.RunAfter(10'000'000'000'000'000, [&] { fired = true; });
  loop.RunAfter(30, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(fired);
}

TEST(EventLoop, WriteInterestAndUpdate) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  EventLoop loop;
  int writable_events = 0;
  struct Writer : EventLoop::Handler {
    std::function<void(bool)> fn;
    void OnReady(bool, bool writable, bool) override { fn(writable); }
  } writer;
  writer.fn = [&](bool writable) {
    if (writable) ++writable_events;
    loop.Update(fds[0], /*read=*/true, /*write=*/false);  // once is enough
  };
  ASSERT_TRUE(loop.Watch(fds[0], &writer, /*read=*/true, /*write=*/true));
  loop.RunAfter(50, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_EQ(writable_events, 1);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoop, TheIdleCallbackWaitsUntilNothingIsReady) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  EventLoop loop;
  std::string log;
  Recorder reader([&](Recorder&) {
    char c;
    if (read(fds[0], &c, 1) == 1) log += c;  // one byte per turn: ready three turns running
  });
  ASSERT_TRUE(loop.Watch(fds[0], &reader, /*read=*/true, /*write=*/false));
  loop.set_before_sleep([&] { loop.RequestIdleCallback(); });
  loop.set_on_idle([&] {
    log += '.';
    loop.Stop();
  });
  loop.RunAfter(5000, [&] { loop.Stop(); });  // a bound if the callback never came
  loop.Run();
  EXPECT_EQ(log, "abc.");  // not called while a byte was ready
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoop, TheIdleCallbackRunsOnlyWhenRequested) {
  EventLoop loop;
  int idle = 0;
  int turns = 0;
  loop.set_on_idle([&] { ++idle; });
  loop.set_before_sleep([&] {
    ++turns;
    if (turns == 3) loop.RequestIdleCallback();  // one request covers one wait
  });
  for (int delay : {10, 20, 30, 40}) loop.RunAfter(delay, [] {});
  loop.RunAfter(50, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_GE(turns, 5);
  EXPECT_EQ(idle, 1);
}

TEST(EventLoop, SignalsArriveOnTheLoop) {
  EventLoop loop;
  int got = 0;
  loop.OnSignal(SIGUSR2, [&] {
    ++got;
    loop.Stop();
  });
  loop.Post([] { ::raise(SIGUSR2); });
  loop.RunAfter(5000, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_EQ(got, 1);
  ::signal(SIGUSR2, SIG_DFL);
}

}  // namespace
}  // namespace rill
