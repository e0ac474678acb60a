// The systemd notify datagram (server/net/sd_notify.h): sent to a socket path or an abstract
// socket named by $NOTIFY_SOCKET, received whole; and which supervisor `supervised` names.
#include "server/net/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace rill {
namespace {

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value == nullptr) {
      unsetenv(name);
    } else {
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      setenv(name_, old_.c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

// A datagram socket bound to `name` (a path, or '@' and an abstract name).
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& name) : name_(name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    const socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                                    (name[0] == '/' ? 1 : 0));
    bound_ = bind(fd_, reinterpret_cast<const sockaddr*>(&addr), length) == 0;
  }
  ~NotifyListener() {
    close(fd_);
    if (name_[0] == '/') unlink(name_.c_str());
  }
  bool bound() const { return bound_; }
  // One datagram, without waiting: "" when none arrived.
  std::string Receive() {
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n <= 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string name_;
  int fd_;
  bool bound_ = false;
};

TEST(SdNotifyTest, SendsTheStateToASocketPath) {
  char dir[] = "/tmp/rill-sd-notify-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/notify";
  {
    NotifyListener listener(path);
    ASSERT_TRUE(listener.bound());
    ScopedEnv env("NOTIFY_SOCKET", path.c_str());
    std::string error;
    ASSERT_TRUE(SdNotify("READY=1\nSTATUS=up\n", &error)) << error;
    EXPECT_EQ(listener.Receive(), "READY=1\nSTATUS=up\n");
  }
  rmdir(dir);
}

TEST(SdNotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@rill-sd-notify-test-" + std::to_string(getpid());
  NotifyListener listener(name);
  ASSERT_TRUE(listener.bound());
  ScopedEnv env("NOTIFY_SOCKET", name.c_str());
  std::string error;
  ASSERT_TRUE(SdNotify("READY=1\n", &error)) << error;
  EXPECT_EQ(listener.Receive(), "READY=1\n");
}

TEST(SdNotifyTest, FailsWithAReasonWithoutASocket) {
  std::string error;
  {
    ScopedEnv env("NOTIFY_SOCKET", nullptr);
    EXPECT_FALSE(SdNotify("READY=1\n", &error));
    EXPECT_EQ(error, "NOTIFY_SOCKET not found");
  }
  {
    ScopedEnv env("NOTIFY_SOCKET", "relative/path");
    EXPECT_FALSE(SdNotify("READY=1\n", &error));
    EXPECT_EQ(error, "NOTIFY_SOCKET is not a socket address: relative/path");
  }
  {
    ScopedEnv env("NOTIFY_SOCKET", "/nonexistent-rill-dir/notify");
    EXPECT_FALSE(SdNotify("READY=1\n", &error));
    EXPECT_EQ(error, "sendto: No such file or directory");
  }
}

TEST(SdNotifyTest, SupervisedNamesTheSupervisor) {
  ScopedEnv upstart("UPSTART_JOB", nullptr);
  ScopedEnv systemd("NOTIFY_SOCKET", nullptr);
  EXPECT_EQ(DetectSupervisor("no"), Supervisor::kNone);
  EXPECT_EQ(DetectSupervisor("systemd"), Supervisor::kSystemd);
  EXPECT_EQ(DetectSupervisor("upstart"), Supervisor::kUpstart);
  EXPECT_EQ(DetectSupervisor("auto"), Supervisor::kNone);
  {
    ScopedEnv env("NOTIFY_SOCKET", "/run/systemd/notify");
    EXPECT_EQ(DetectSupervisor("auto"), Supervisor::kSystemd);
    EXPECT_EQ(DetectSupervisor("no"), Supervisor::kNone);
  }
  {
    ScopedEnv env("UPSTART_JOB", "rill");
    EXPECT_EQ(DetectSupervisor("auto"), Supervisor::kUpstart);
  }
}

}  // namespace
}  // namespace rill
