#include "server/net/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "server/config/config.h"
#include "server/observe/log.h"

namespace rill {

int64_t AdjustOpenFilesLimit(int64_t maxclients) {
  const rlim_t wanted = static_cast<rlim_t>(maxclients + kReservedFds);
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == -1) {
    Log(LogLevel::kWarning,
        "Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting the max "
        "clients configuration accordingly.",
        std::strerror(errno));
    return 1024 - kReservedFds;
  }
  const rlim_t old_limit = limit.rlim_cur;
  if (old_limit >= wanted) return maxclients;

  // Try the full value, then less and less down to what we already have.
  constexpr rlim_t kStep = 16;
  rlim_t best = wanted;
  int error = 0;
  while (best > old_limit) {
    limit.rlim_cur = best;
    limit.rlim_max = best;
    if (setrlimit(RLIMIT_NOFILE, &limit) != -1) break;
    error = errno;
    if (best < kStep) {
      best = old_limit;
      break;
    }
    best -= kStep;
  }
  if (best < old_limit) best = old_limit;
  if (best >= wanted) {
    Log(LogLevel::kNotice,
        "Increased maximum number of open files to %u (it was originally set to %u).", wanted,
        old_limit);
    return maxclients;
  }
  if (best <= static_cast<rlim_t>(kReservedFds)) {
    Log(LogLevel::kWarning,
        "Your current 'ulimit -n' of %u is not enough for the server to start. Please increase "
        "your open file limit to at least %u. Exiting.",
        old_limit, wanted);
    return -1;
  }
  const int64_t reduced = static_cast<int64_t>(best) - kReservedFds;
  Log(LogLevel::kWarning,
      "You requested maxclients of %d requiring at least %u max file descriptors.", maxclients,
      wanted);
  Log(LogLevel::kWarning, "Server can't set maximum open files to %u because of OS error: %s.",
      wanted, std::strerror(error));
  Log(LogLevel::kWarning,
      "Current maximum open files is %u. maxclients has been reduced to %d to compensate for low "
      "ulimit. If you need higher maxclients increase 'ulimit -n'.",
      best, reduced);
  return reduced;
}

bool FitMaxClients(Config& config) {
  const int64_t wanted = config.Int("maxclients");
  const int64_t allowed = AdjustOpenFilesLimit(wanted);
  if (allowed < 0) return false;
  if (allowed != wanted) {
    std::string error, value = std::to_string(allowed);
    const std::pair<std::string_view, std::string_view> change[] = {{"maxclients", value}};
    config.Set(change, &error);
  }
  return true;
}

void WatchMaxClients(Config& config) {
  config.OnApply("maxclients", [&config](std::string* error) {
    const int64_t wanted = config.Int("maxclients");
    const int64_t allowed = AdjustOpenFilesLimit(wanted);
    if (allowed == wanted) return true;
    *error =
        "The operating system is not able to handle the specified number of clients, try "
        "with " +
        std::to_string(allowed);
    return false;
  });
}

}  // namespace rill
