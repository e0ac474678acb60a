// Starts a Redis-compatible server binary (rill-server or redis-server) as a child process on a
// free loopback port, in its own temporary directory, and stops it by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rill::testing {

// Path of the rill-server binary under test. When the environment variable
// RILL_TEST_AGAINST_REDIS=1 is set this returns the redis-server binary instead, so the
// harness and every expectation can be validated against the oracle itself.
// RILL_TEST_SERVER_BINARY=<path> runs another rill-server build instead (for example
// build/rill-server-jemalloc, with RILL_TEST_ALLOCATOR=jemalloc for allocator_test.cc).
std::string RillServerBinary();

// Absolute path of redis-server found on PATH, or "" when it is not installed.
std::string RedisServerBinary();

// True when RILL_TEST_AGAINST_REDIS=1 is set.
bool TestingAgainstRedis();

// Finds a loopback TCP port that is free right now (binds port 0 and reads what the kernel
// picked). Another process may still take it before the server does; Start() retries.
int FindFreePort();

// False when the server under test is a sanitizer build (scripts/test-sanitized.sh sets
// RILL_TEST_SANITIZED=1): ASan's quarantine and redzones keep freed memory resident, so tests
// skip their resident-memory bounds there and keep every other assertion.
bool ResidentMemoryIsMeaningful();

// Resident set size of process `pid` in bytes (VmRSS of /proc/<pid>/status), or -1.
int64_t ResidentBytes(pid_t pid);

// The highest resident set size of `pid` (VmHWM) since it started or since the last
// ResetPeakResident, or -1.
int64_t PeakResidentBytes(pid_t pid);
// Restarts VmHWM from the current resident size (writes "5" to /proc/<pid>/clear_refs);
// false when the kernel does not let us.
bool ResetPeakResident(pid_t pid);

class ServerProcess {
 public:
  // `extra_args` are appended as given, e.g. {"--maxclients", "100"}. A rill-server (not
  // redis-server) also gets the words of the environment variable RILL_TEST_SERVER_ARGS before
  // them: `RILL_TEST_SERVER_ARGS="--io-uring yes"` runs a suite on the io_uring transport.
  ServerProcess(std::string binary, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // Stops the server if it still runs and removes its directory.

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // A config file passed as the first argument (what CONFIG REWRITE rewrites). Set before Start.
  void set_config_file(std::string path) { config_file_ = std::move(path); }

  // Launches the server and waits (bounded) until it answers PING. On failure returns false and
  // fills `error` with the reason and the server's log.
  bool Start(std::string* error);

  // Sends `signal` and waits up to `timeout` for the process to exit; escalates to SIGKILL
  // afterwards. Returns the raw wait status (use WIFEXITED/WEXITSTATUS), or -1 if not running.
  int Stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Waits up to `timeout` for the process to exit on its own (e.g. after SHUTDOWN). Returns the
  // raw wait status, or -1 on timeout (the process is left running).
  int WaitForExit(std::chrono::milliseconds timeout);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  const std::string& binary() const { return binary_; }
  std::string ReadLog() const;

 private:
  bool LaunchOnce(int port, std::string* error);

  std::string binary_;
  std::vector<std::string> extra_args_;
  std::string config_file_;
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace rill::testing
