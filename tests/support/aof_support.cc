#include "tests/support/aof_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <regex>

#include "persistence/aof_command.h"
#include "persistence/aof_manifest.h"
#include "tests/support/persistence_support.h"
#include "tests/support/server_fixture.h"

namespace rill::testing {

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

bool NearNow(const std::string& digits, int64_t now_ms) {
  if (digits.empty() || digits.size() > 18) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  const int64_t v = std::strtoll(digits.c_str(), nullptr, 10);
  return v > now_ms - kDayMs && v < now_ms + kDayMs;
}

}  // namespace

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadManifest(const std::string& aof_dir) {
  return ReadFileBytes(aof_dir + "/appendonly.aof.manifest");
}

std::vector<AofCommand> ReadAofFile(const std::string& path) {
  const std::string data = ReadFileBytes(path);
  persistence::AofReader reader(data);
  std::vector<AofCommand> out;
  std::vector<std::string> argv;
  persistence::AofReader::Status status;
  while ((status = reader.Next(&argv)) == persistence::AofReader::Status::kCommand) {
    out.push_back(argv);
  }
  EXPECT_EQ(status, persistence::AofReader::Status::kEnd) << path;
  return out;
}

std::vector<AofCommand> ReadIncrCommands(const std::string& aof_dir) {
  persistence::AofManifestError error;
  std::optional<persistence::AofManifest> manifest =
      persistence::ParseAofManifest(ReadManifest(aof_dir), &error);
  EXPECT_TRUE(manifest.has_value()) << error.message;
  std::vector<AofCommand> out;
  if (!manifest) return out;
  for (const persistence::AofFileInfo& info : manifest->incr) {
    for (AofCommand& c : ReadAofFile(aof_dir + "/" + info.name)) out.push_back(std::move(c));
  }
  return out;
}

bool RedisCheckAof(const std::string& aof_dir, std::string* output) {
  const int rc =
      RunShell("redis-check-aof \"" + aof_dir + "/appendonly.aof.manifest\"", output, 120);
  return rc == 0 && output->find("All AOF files and manifest are valid") != std::string::npos;
}

AofCommand NormalizeTimes(const AofCommand& command, int64_t now_ms) {
  AofCommand out;
  for (const std::string& arg : command) {
    const size_t dash = arg.find('-');
    if (NearNow(arg, now_ms)) {
      out.push_back("<ms>");
    } else if (dash != std::string::npos && dash > 0 && NearNow(arg.substr(0, dash), now_ms)) {
      out.push_back("<ms>-<seq>");
    } else {
      out.push_back(arg);
    }
  }
  return out;
}

std::string NormalizeTimesInText(const std::string& text, int64_t now_ms) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] < '0' || text[i] > '9') {
      out.push_back(text[i++]);
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    const std::string digits = text.substr(i, j - i);
    if (!NearNow(digits, now_ms)) {
      out += digits;
      i = j;
      continue;
    }
    out += "<ms>";
    i = j;
    if (i < text.size() && text[i] == '-') {
      size_t k = i + 1;
      while (k < text.size() && text[k] >= '0' && text[k] <= '9') ++k;
      if (k > i + 1) {
        out += "-<seq>";
        i = k;
      }
    }
  }
  return out;
}

std::string MaskSeenTimes(const std::string& description) {
  static const std::regex kSeenTime(R"(seen-time\\r\\n:[0-9]+)");
  return std::regex_replace(description, kSeenTime, "seen-time\\r\\n:<t>");
}

std::string MaskAofReplayDrift(const std::string& description) {
  static const std::regex kCounters(R"((entries-read|lag)\\r\\n(\$-1|:[0-9]+))");
  return std::regex_replace(MaskSeenTimes(description), kCounters, "$1\\r\\n<n>");
}

std::string FormatCommands(const std::vector<AofCommand>& commands) {
  std::string out;
  for (const AofCommand& c : commands) {
    for (size_t i = 0; i < c.size(); ++i) out += (i ? " " : "") + c[i];
    out += "\n";
  }
  return out;
}

}  // namespace rill::testing
