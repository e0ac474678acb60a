#include "server/net/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "server/config/config.h"
#include "server/observe/log.h"

namespace rill {

Supervisor DetectSupervisor(std::string_view supervised) {
  if (supervised == "systemd") return Supervisor::kSystemd;
  if (supervised == "upstart") return Supervisor::kUpstart;
  if (supervised != "auto") return Supervisor::kNone;
  if (std::getenv("UPSTART_JOB") != nullptr) return Supervisor::kUpstart;
  if (std::getenv("NOTIFY_SOCKET") != nullptr) return Supervisor::kSystemd;
  return Supervisor::kNone;
}

bool SdNotify(std::string_view state, std::string* error) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') {
    *error = "NOTIFY_SOCKET not found";
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t length = std::strlen(path);
  if (length >= sizeof(addr.sun_path) || (path[0] != '/' && path[0] != '@')) {
    *error = std::string("NOTIFY_SOCKET is not a socket address: ") + path;
    return false;
  }
  std::memcpy(addr.sun_path, path, length);
  // An abstract socket's name starts with a NUL byte and is exactly as long as given.
  if (path[0] == '@') addr.sun_path[0] = '\0';
  const socklen_t addr_length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length + (path[0] == '/' ? 1 : 0));
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  ssize_t sent;
  do {
    sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                  reinterpret_cast<const sockaddr*>(&addr), addr_length);
  } while (sent < 0 && errno == EINTR);
  const int send_errno = errno;
  close(fd);
  if (sent < 0) {
    *error = std::string("sendto: ") + std::strerror(send_errno);
    return false;
  }
  if (sent != static_cast<ssize_t>(state.size())) {
    *error = "sendto: the datagram was cut short";
    return false;
  }
  return true;
}

void NotifySupervisorReady(const Config& config) {
  switch (DetectSupervisor(config.String("supervised"))) {
    case Supervisor::kNone:
      return;
    case Supervisor::kSystemd: {
      std::string error;
      if (SdNotify("STATUS=Ready to accept connections\nREADY=1\n", &error)) {
        Log(LogLevel::kNotice, "Supervised by systemd: told it the server is ready");
      } else {
        Log(LogLevel::kWarning, "systemd supervision error: %s", error);
      }
      return;
    }
    case Supervisor::kUpstart:
      if (std::getenv("UPSTART_JOB") == nullptr) {
        Log(LogLevel::kWarning, "upstart supervision requested, but UPSTART_JOB not found!");
        return;
      }
      Log(LogLevel::kNotice, "Supervised by upstart: stopping to signal readiness");
      raise(SIGSTOP);
      unsetenv("UPSTART_JOB");
      return;
  }
}

}  // namespace rill
