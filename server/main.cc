// rill-server [/path/to/redis.conf] [--option value ...] [-]
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_split.h"
#include "server/config/config.h"
#include "server/engine/engine.h"
#include "server/net/fd_limit.h"
#include "server/net/sd_notify.h"
#include "server/net/server.h"
#include "server/observe/log.h"
#include "server/persist/child_temp_files.h"
#include "server/persist/persistence.h"
#include "server/repl/replication.h"

namespace {

constexpr const char* kRedisCompatVersion = "7.0.15";

void PrintUsage(const char* argv0) {
  std::fprintf(stderr,
               "Usage: %s [/path/to/redis.conf] [options] [-]\n"
               "       %s - (read config from stdin)\n"
               "       %s -v or --version\n"
               "       %s -h or --help\n\n"
               "Examples:\n"
               "       %s (run the server with default conf)\n"
               "       echo 'maxmemory 128mb' | %s -\n"
               "       %s /etc/redis/6379.conf\n"
               "       %s --port 7777\n"
               "       %s /etc/myredis.conf --loglevel verbose -\n"
               "       %s /etc/myredis.conf --loglevel verbose\n",
               argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0, argv0);
}

void Daemonize() {
  if (fork() != 0) _exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

void WritePidFile(const std::string& path) {
  if (path.empty()) return;
  FILE* fp = std::fopen(path.c_str(), "w");
  if (fp == nullptr) {
    // Best effort, as in Redis: the server runs on. Redis 7.0 says nothing here, which leaves a
    // daemonized server's missing pid file unexplained; Rill logs why (a log line only).
    rill::Log(rill::LogLevel::kWarning, "Failed to write PID file: %s", std::strerror(errno));
    return;
  }
  std::fprintf(fp, "%d\n", static_cast<int>(getpid()));
  std::fclose(fp);
}

// Replays the append-only files (appendonly yes). False when the server must not start (the
// reason is logged).
bool LoadAppendOnlyFile(rill::Engine& engine) {
  const int64_t start_us = rill::NowUs();
  const rill::AppendOnlyFile::LoadStatus status = engine.aof().LoadFiles();
  if (status == rill::AppendOnlyFile::LoadStatus::kFailed ||
      status == rill::AppendOnlyFile::LoadStatus::kOpenError) {
    return false;
  }
  if (status != rill::AppendOnlyFile::LoadStatus::kNotExist) {
    rill::Log(rill::LogLevel::kNotice, "DB loaded from append only file: %.3f seconds",
              static_cast<double>(rill::NowUs() - start_us) / 1e6);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // As Redis's main: SORT ... ALPHA compares with strcoll in the environment's collation.
  std::setlocale(LC_COLLATE, "");
  if (argc >= 2) {
    if (!std::strcmp(argv[1], "-v") || !std::strcmp(argv[1], "--version")) {
      std::printf("Rill server v=%s redis_version=%s malloc=libc bits=%d\n", RILL_VERSION,
                  kRedisCompatVersion, static_cast<int>(sizeof(long) * 8));
      return 0;
    }
    if (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
      PrintUsage(argv[0]);
      return 0;
    }
  }

  rill::Config config;
  std::string error;
  if (!config.LoadFromArgs(argc, argv, &error)) {
    std::fprintf(stderr, "%s", error.c_str());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);

  bool daemonize = config.Bool("daemonize");
  std::string logfile = config.String("logfile");
  if (daemonize) Daemonize();
  rill::LogInit(config.String("loglevel"), logfile);

  std::string dir = config.String("dir");
  if (!dir.empty() && chdir(dir.c_str()) != 0) {
    rill::Log(rill::LogLevel::kWarning, "Can't chdir to '%s': %s", dir, std::strerror(errno));
    return 1;
  }

  rill::Log(rill::LogLevel::kNotice, "oO0OoO0OoO0Oo Rill is starting oO0OoO0OoO0Oo");
  rill::Log(rill::LogLevel::kNotice,
            "Rill version=%s, redis_version=%s, bits=%d, pid=%d, just started", RILL_VERSION,
            kRedisCompatVersion, static_cast<int>(sizeof(long) * 8), static_cast<int>(getpid()));
  if (config.config_file().empty()) {
    rill::Log(rill::LogLevel::kWarning,
              "Warning: no config file specified, using the default config. In order to "
              "specify a config file use %s /path/to/redis.conf",
              argv[0]);
  } else {
    rill::Log(rill::LogLevel::kNotice, "Configuration loaded");
  }
  for (const std::string& name : config.NoEffectParameters()) {
    rill::Log(rill::LogLevel::kNotice, "Config '%s' is accepted but has no effect yet in Rill",
              name);
  }
  if (daemonize || !config.String("pidfile").empty()) {
    std::string pidfile = config.String("pidfile");
    if (pidfile.empty()) pidfile = "/var/run/redis_" + std::to_string(config.Int("port")) + ".pid";
    WritePidFile(pidfile);
  }

  rill::Engine engine(std::move(config));
  if (!rill::FitMaxClients(engine.config())) return 1;
  rill::WatchMaxClients(engine.config());
  rill::Server server(engine);
  if (!server.Listen(&error)) {
    rill::Log(rill::LogLevel::kWarning, "%s", error);
    return 1;
  }
  engine.RecordStartupMemory();
  rill::Log(rill::LogLevel::kNotice, "Server initialized");
  // Users from the config file or the aclfile, after everything else is set up (as Redis).
  if (!engine.acl().LoadAtStartup(engine.config().user_directives(),
                                  engine.config().String("aclfile"), &error)) {
    for (const std::string& line : std::vector<std::string>(absl::StrSplit(error, '\n'))) {
      rill::Log(rill::LogLevel::kWarning, "%s", line);
    }
    return 1;
  }
  // Temp files of background children whose server died (their children died with it) are
  // garbage: nothing renames them any more. Redis 7.0 leaves them; see child_temp_files.h.
  rill::RemoveStaleChildTempFiles(".");
  // Redis's start-up order: the AOF manifest (read whatever appendonly says), then the data
  // from the AOF when it is on, else from the RDB, then the AOF opened for appending. A bad
  // file stops the start and is left as it is: serving an empty or partial dataset and then
  // overwriting the file at the next save would lose the data for good.
  if (!engine.aof().LoadManifestFromDisk()) return 1;
  if (engine.aof().enabled()) {
    if (!LoadAppendOnlyFile(engine)) return 1;
  } else if (!engine.rdb().LoadAtStartup(&error)) {
    rill::Log(rill::LogLevel::kWarning, "Fatal error loading the DB (%s): %s. Exiting.",
              engine.config().String("dbfilename"), error);
    return 1;
  }
  if (!engine.aof().OpenOnStartup()) return 1;
  rill::Log(rill::LogLevel::kNotice, "Ready to accept connections tcp");
  // replicaof in the config ("host port", checked when it was read): the link starts now.
  const std::string replicaof = engine.config().String("replicaof");
  if (const size_t space = replicaof.rfind(' '); space != std::string::npos) {
    engine.replication().SetMaster(replicaof.substr(0, space),
                                   std::atoi(replicaof.c_str() + space + 1));
  }
  rill::NotifySupervisorReady(engine.config());
  server.Run();
  rill::Log(rill::LogLevel::kWarning, "Rill is now ready to exit, bye bye...");
  return 0;
}
