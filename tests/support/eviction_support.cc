#include "tests/support/eviction_support.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rill::testing {

int Pipeline(RespClient& client, const std::vector<std::vector<std::string>>& commands) {
  std::string bytes;
  for (const auto& argv : commands) bytes += EncodeCommand(argv);
  if (!client.SendRaw(bytes)) return static_cast<int>(commands.size());
  int errors = 0;
  for (size_t i = 0; i < commands.size(); ++i) {
    std::string reply = client.ReadReply(std::chrono::seconds(30));
    if (reply.empty() || reply[0] == '-') ++errors;
  }
  return errors;
}

int64_t InfoInt(RespClient& client, const std::string& section, const std::string& field) {
  const std::string info = client.Command({"INFO", section});
  const std::string needle = "\r\n" + field + ":";
  size_t at = info.find(needle);
  if (at == std::string::npos) return -1;
  at += needle.size();
  return std::stoll(info.substr(at, info.find("\r\n", at) - at));
}

int CountExistingRange(RespClient& client, const std::string& prefix, int from, int to) {
  int found = 0;
  constexpr int kBatch = 500;
  for (int start = from; start < to; start += kBatch) {
    std::vector<std::string> argv = {"EXISTS"};
    for (int i = start; i < std::min(to, start + kBatch); ++i) {
      argv.push_back(prefix + ":" + std::to_string(i));
    }
    std::string reply = client.Command(argv);
    int64_t n = 0;
    if (reply.size() > 3 && reply[0] == ':' && ParseInt64(reply.substr(1, reply.size() - 3), &n)) {
      found += static_cast<int>(n);
    }
  }
  return found;
}

int CountExisting(RespClient& client, const std::string& prefix, int n) {
  return CountExistingRange(client, prefix, 0, n);
}

std::string FixedKey(const std::string& prefix, int i, int width) {
  std::string digits = std::to_string(i);
  if (width > 0 && static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<size_t>(width) - digits.size(), '0');
  }
  return prefix + ":" + digits;
}

int SetKeys(RespClient& client, const std::string& prefix, int from, int to, size_t bytes,
            const std::vector<std::string>& extra, int fixed_width) {
  constexpr int kBatch = 200;
  int errors = 0;
  const std::string value(bytes, 'v');
  for (int start = from; start < to; start += kBatch) {
    std::vector<std::vector<std::string>> batch;
    for (int i = start; i < std::min(to, start + kBatch); ++i) {
      std::vector<std::string> argv = {"SET", FixedKey(prefix, i, fixed_width), value};
      argv.insert(argv.end(), extra.begin(), extra.end());
      batch.push_back(std::move(argv));
    }
    errors += Pipeline(client, batch);
  }
  return errors;
}

uint64_t ResidentBytesOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      uint64_t kb = 0;
      fields >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

}  // namespace rill::testing
