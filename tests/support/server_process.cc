#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/resp_client.h"

namespace rill::testing {
namespace {

constexpr auto kStartupTimeout = std::chrono::seconds(10);
constexpr int kLaunchAttempts = 3;

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool IsRedisBinary(const std::string& binary) {
  return std::filesystem::path(binary).filename() == "redis-server";
}

// rill-server, or one of its builds over another allocator (rill-server-jemalloc ...); not
// redis-server or redis-sentinel, which the tests also start through this class.
bool IsRillBinary(const std::string& binary) {
  return std::filesystem::path(binary).filename().string().starts_with("rill-server");
}

// RILL_TEST_SERVER_ARGS split on spaces (no quoting: the values CI passes have none).
std::vector<std::string> ExtraServerArgsFromEnv() {
  std::vector<std::string> args;
  const char* value = std::getenv("RILL_TEST_SERVER_ARGS");
  if (value == nullptr) return args;
  std::stringstream words(value);
  std::string word;
  while (words >> word) args.push_back(word);
  return args;
}

}  // namespace

bool TestingAgainstRedis() {
  const char* value = std::getenv("RILL_TEST_AGAINST_REDIS");
  return value != nullptr && std::string(value) == "1";
}

std::string RedisServerBinary() { return FindOnPath("redis-server"); }

std::string RillServerBinary() {
  if (TestingAgainstRedis()) return RedisServerBinary();
  if (const char* other = std::getenv("RILL_TEST_SERVER_BINARY"); other != nullptr && *other) {
    return other;
  }
#ifdef RILL_SERVER_BINARY
  return RILL_SERVER_BINARY;
#else
  return "";
#endif
}

bool ResidentMemoryIsMeaningful() {
  const char* env = std::getenv("RILL_TEST_SANITIZED");
  return env == nullptr || std::string(env) != "1";
}

namespace {

// A "Name:   <n> kB" line of /proc/<pid>/status, in bytes, or -1.
int64_t StatusBytes(pid_t pid, const std::string& name) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stoll(line.substr(name.size() + 1)) * 1024;
  }
  return -1;
}

}  // namespace

int64_t ResidentBytes(pid_t pid) { return StatusBytes(pid, "VmRSS"); }

int64_t PeakResidentBytes(pid_t pid) { return StatusBytes(pid, "VmHWM"); }

bool ResetPeakResident(pid_t pid) {
  std::ofstream clear("/proc/" + std::to_string(pid) + "/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

int FindFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

ServerProcess::ServerProcess(std::string binary, std::vector<std::string> extra_args)
    : binary_(std::move(binary)), extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() {
  if (running()) Stop(SIGTERM);
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(dir_ + "/server.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ServerProcess::Start(std::string* error) {
  if (binary_.empty() || access(binary_.c_str(), X_OK) != 0) {
    *error = "server binary not found or not executable: '" + binary_ + "'";
    return false;
  }
  if (dir_.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "rill-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      *error = "mkdtemp failed";
      return false;
    }
    dir_ = pattern;
  }
  // The free port may be taken between probing and binding; a fresh port fixes that.
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    if (LaunchOnce(FindFreePort(), error)) return true;
  }
  return false;
}

bool ServerProcess::LaunchOnce(int port, std::string* error) {
  port_ = port;
  std::vector<std::string> args = {binary_};
  if (!config_file_.empty()) args.push_back(config_file_);
  args.insert(args.end(), {"--port", std::to_string(port), "--bind", "127.0.0.1", "--dir", dir_,
                           "--save", "", "--appendonly", "no"});
  if (IsRedisBinary(binary_)) {
    // Keep the oracle quiet and deterministic: no background saves, no protected-mode surprises.
    args.insert(args.end(), {"--protected-mode", "no"});
  }
  if (IsRillBinary(binary_)) {
    // RILL_TEST_SERVER_ARGS ("--io-uring yes"): the second CI pass runs the networking suites
    // on the io_uring transport. Before the test's own arguments, which may override them.
    for (std::string arg : ExtraServerArgsFromEnv()) args.push_back(std::move(arg));
  }
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());

  std::string log_path = dir_ + "/server.log";
  pid_t pid = fork();
  if (pid < 0) {
    *error = "fork failed";
    return false;
  }
  if (pid == 0) {
    int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
      close(log_fd);
    }
    if (chdir(dir_.c_str()) != 0) _exit(126);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;

  auto deadline = std::chrono::steady_clock::now() + kStartupTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *error = "server exited during startup (status " + std::to_string(status) + ") on port " +
               std::to_string(port) + "; log:\n" + ReadLog();
      return false;
    }
    RespClient client;
    if (client.Connect(port, std::chrono::milliseconds(200))) {
      std::string reply = client.Command({"PING"});
      // A server with requirepass refuses PING before AUTH, which still proves it is up.
      if (reply == "+PONG\r\n" || reply.starts_with("-NOAUTH")) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop(SIGKILL);
  *error = "server did not answer PING within 10s on port " + std::to_string(port) + "; log:\n" +
           ReadLog();
  return false;
}

int ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  kill(pid_, signal);
  int status = WaitForExit(timeout);
  if (status != -1) return status;
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace rill::testing
