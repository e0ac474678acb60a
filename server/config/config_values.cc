#include "server/config/config_values.h"

#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "server/config/config_syntax.h"

namespace rill::config_values {
namespace {

using config_params::Param;
using config_params::Type;
using config_params::Validator;
namespace cp = config_params;

constexpr char kWrongArgs[] = "wrong number of arguments";

std::string FormatEnum(const Param& p, int64_t v) {
  for (const auto& e : p.enum_values)
    if (e.value == v) return std::string(e.name);
  if (p.flags & cp::kFlagEnum) {
    std::string out;
    for (const auto& e : p.enum_values) {
      if (e.value != 0 && (v & e.value) == e.value) {
        if (!out.empty()) out.push_back(' ');
        out.append(e.name);
      }
    }
    return out;
  }
  return "unknown";
}

std::optional<std::string> ParseNumber(const Param& p, const std::string& s, int64_t* out) {
  if (p.flags & cp::kMemory) {
    if (auto v = config_syntax::ParseMemory(s)) {
      *out = static_cast<int64_t>(*v);
      return std::nullopt;
    }
  }
  if ((p.flags & cp::kPercent) && s.size() > 1 && s.back() == '%') {
    auto v = config_syntax::ParseStrictInt(std::string_view(s).substr(0, s.size() - 1));
    if (v && *v >= 0) {
      *out = -*v;  // percentages are kept negative, as Redis does
      return std::nullopt;
    }
  }
  if (p.flags & cp::kOctal) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 8);
    if (errno == 0 && *end == '\0') {
      *out = v;
      return std::nullopt;
    }
  }
  const bool plain = !(p.flags & (cp::kMemory | cp::kPercent | cp::kOctal));
  if (plain) {
    if (auto v = config_syntax::ParseStrictInt(s)) {
      *out = *v;
      return std::nullopt;
    }
  }
  if ((p.flags & cp::kMemory) && (p.flags & cp::kPercent))
    return "argument must be a memory or percent value";
  if (p.flags & cp::kMemory) return "argument must be a memory value";
  if (p.flags & cp::kOctal) return "argument couldn't be parsed as an octal number";
  return "argument couldn't be parsed into an integer";
}

std::optional<std::string> CheckBounds(const Param& p, int64_t v) {
  char buf[160];
  if (p.flags & cp::kUnsigned) {
    uint64_t u = static_cast<uint64_t>(v);
    uint64_t lo = static_cast<uint64_t>(p.lower), hi = static_cast<uint64_t>(p.upper);
    if (u < lo || u > hi) {
      const char* fmt = (p.flags & cp::kOctal) ? "argument must be between %llo and %llo inclusive"
                                               : "argument must be between %llu and %llu inclusive";
      std::snprintf(buf, sizeof(buf), fmt, static_cast<unsigned long long>(lo),
                    static_cast<unsigned long long>(hi));
      return std::string(buf);
    }
    return std::nullopt;
  }
  if ((p.flags & cp::kPercent) && v < 0) {
    if (v < p.lower) {
      std::snprintf(buf, sizeof(buf), "percentage argument must be less or equal to %lld",
                    static_cast<long long>(-p.lower));
      return std::string(buf);
    }
    return std::nullopt;
  }
  if (v < p.lower || v > p.upper) {
    std::snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive",
                  static_cast<long long>(p.lower), static_cast<long long>(p.upper));
    return std::string(buf);
  }
  return std::nullopt;
}

bool IsBaseName(const std::string& s) {
  return s.find('/') == std::string::npos && s.find('\\') == std::string::npos;
}

// {title} {listen-addr} ... with "{{" / "}}" as literal braces; the expansion must not be empty.
bool IsValidProcTitleTemplate(const std::string& t) {
  static const char* kVars[] = {"title",    "listen-addr", "server-mode", "port",
                                "tls-port", "unixsocket",  "config-file"};
  std::string expanded;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '{' && i + 1 < t.size() && t[i + 1] == '{') {
      expanded.push_back('{');
      ++i;
    } else if (c == '}' && i + 1 < t.size() && t[i + 1] == '}') {
      expanded.push_back('}');
      ++i;
    } else if (c == '{') {
      size_t close = t.find('}', i + 1);
      if (close == std::string::npos) return false;
      std::string var = t.substr(i + 1, close - i - 1);
      bool known = false;
      for (const char* k : kVars) known |= var == k;
      if (!known) return false;
      expanded.append("x");  // stands for the variable's (non-empty) expansion
      i = close;
    } else if (c == '}') {
      return false;
    } else {
      expanded.push_back(c);
    }
  }
  while (!expanded.empty() && expanded.back() == ' ') expanded.pop_back();
  while (!expanded.empty() && expanded.front() == ' ') expanded.erase(expanded.begin());
  return !expanded.empty();
}

std::optional<std::string> ValidateString(const Param& p, const std::string& s) {
  switch (p.validator) {
    case Validator::kDbFilename:
      if (!IsBaseName(s)) return "dbfilename can't be a path, just a filename";
      break;
    case Validator::kAofFilename:
      if (s.empty()) return "appendfilename can't be empty";
      if (!IsBaseName(s)) return "appendfilename can't be a path, just a filename";
      break;
    case Validator::kAofDirname:
      if (s.empty()) return "appenddirname can't be empty";
      if (!IsBaseName(s)) return "appenddirname can't be a path, just a dirname";
      break;
    case Validator::kHostname:
      if (s.size() >= 256) return "Hostnames must be less than 256 characters";
      for (char c : s) {
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
          return "Hostnames may only contain alphanumeric characters, hyphens or dots";
      }
      break;
    case Validator::kProcTitleTemplate:
      if (!IsValidProcTitleTemplate(s))
        return "template format is invalid or contains unknown variables";
      break;
    default:
      break;
  }
  return std::nullopt;
}

// strtoll with the whole string consumed, as Redis's special parameters read numbers.
bool ReadLongLong(const std::string& s, long long* out) {
  char* end = nullptr;
  *out = std::strtoll(s.c_str(), &end, 10);
  return *end == '\0';
}

std::optional<std::string> ApplySave(std::span<const std::string> args, Value* v,
                                     const ApplyContext& ctx) {
  size_t n = args.size();
  if (n == 1 && args[0].empty()) n = 0;  // save "" disables snapshots
  if (n % 2) return "Invalid save parameters";
  for (size_t j = 0; j < n; ++j) {
    long long x;
    if (!ReadLongLong(args[j], &x) || (j % 2 == 0 && x < 1) || (j % 2 == 1 && x < 0))
      return "Invalid save parameters";
  }
  std::string text;
  // While loading, "save" lines add up; the first one of a load drops the defaults.
  if (ctx.reading_file && ctx.save_seen_in_file && *ctx.save_seen_in_file) text = v->text;
  if (ctx.save_seen_in_file) *ctx.save_seen_in_file = true;
  for (size_t j = 0; j < n; j += 2) {
    long long secs = std::strtoll(args[j].c_str(), nullptr, 10);
    int changes = static_cast<int>(std::strtoll(args[j + 1].c_str(), nullptr, 10));
    if (!text.empty()) text.push_back(' ');
    text += std::to_string(secs) + " " + std::to_string(changes);
  }
  v->text = std::move(text);
  return std::nullopt;
}

std::optional<std::string> ApplyClientOutputBufferLimit(std::span<const std::string> args,
                                                        Value* v) {
  if (args.size() % 4) return "Wrong number of arguments in buffer limit configuration.";
  struct Limits {
    unsigned long long hard, soft;
    long seconds;
  };
  static const char* kClasses[] = {"normal", "slave", "pubsub"};
  Limits cur[3];
  {
    // The current value, in its own GET form: "normal H S T slave H S T pubsub H S T".
    auto words = config_syntax::SplitArgs(v->text).value_or(std::vector<std::string>{});
    for (int c = 0; c < 3; ++c) {
      cur[c].hard = std::strtoull(words.at(c * 4 + 1).c_str(), nullptr, 10);
      cur[c].soft = std::strtoull(words.at(c * 4 + 2).c_str(), nullptr, 10);
      cur[c].seconds = std::strtol(words.at(c * 4 + 3).c_str(), nullptr, 10);
    }
  }
  for (size_t j = 0; j < args.size(); j += 4) {
    int cls = -1;
    const char* name = args[j].c_str();
    if (!strcasecmp(name, "normal")) cls = 0;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) cls = 1;
    if (!strcasecmp(name, "pubsub")) cls = 2;
    if (cls < 0) return "Invalid client class specified in buffer limit configuration.";
    auto hard = config_syntax::ParseMemory(args[j + 1]);
    auto soft = config_syntax::ParseMemory(args[j + 2]);
    long long secs;
    if (!hard || !soft || !ReadLongLong(args[j + 3], &secs) || secs < 0)
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    cur[cls] = Limits{*hard, *soft, static_cast<long>(secs)};
  }
  std::string text;
  for (int c = 0; c < 3; ++c) {
    if (c) text.push_back(' ');
    text += std::string(kClasses[c]) + " " + std::to_string(cur[c].hard) + " " +
            std::to_string(cur[c].soft) + " " + std::to_string(cur[c].seconds);
  }
  v->text = std::move(text);
  return std::nullopt;
}

std::optional<std::string> ApplyOomScoreAdjValues(std::span<const std::string> args, Value* v) {
  if (args.size() != 3) return kWrongArgs;
  std::string text;
  for (size_t i = 0; i < 3; ++i) {
    long long x;
    if (!ReadLongLong(args[i], &x) || x < -2000 || x > 2000)
      return "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
    if (i) text.push_back(' ');
    text += std::to_string(x);
  }
  v->text = std::move(text);
  return std::nullopt;
}

// Keyspace notification classes, in the order Redis prints them.
constexpr struct {
  char c;
  int bit;
} kEventClasses[] = {{'g', 1 << 2},  {'$', 1 << 3},  {'l', 1 << 4}, {'s', 1 << 5},
                     {'h', 1 << 6},  {'z', 1 << 7},  {'x', 1 << 8}, {'e', 1 << 9},
                     {'t', 1 << 10}, {'d', 1 << 13}, {'n', 1 << 14}};
constexpr int kEventKeyspace = 1 << 0, kEventKeyevent = 1 << 1, kEventKeyMiss = 1 << 11;
// 'A' is every class except key-miss and new-key ('m', 'n'), which must be asked for.
constexpr int kEventAll = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) |
                          (1 << 8) | (1 << 9) | (1 << 10) | (1 << 13);

std::optional<std::string> ApplyNotifyKeyspaceEvents(std::span<const std::string> args, Value* v) {
  if (args.size() != 1) return kWrongArgs;
  int flags = 0;
  for (char c : args[0]) {
    int bit = 0;
    if (c == 'A') bit = kEventAll;
    if (c == 'K') bit = kEventKeyspace;
    if (c == 'E') bit = kEventKeyevent;
    if (c == 'm') bit = kEventKeyMiss;
    for (const auto& e : kEventClasses)
      if (e.c == c) bit = e.bit;
    if (bit == 0) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    flags |= bit;
  }
  std::string text;
  if ((flags & kEventAll) == kEventAll) {
    text = "A";  // Redis prints only "A" here, even when 'n' was given too
  } else {
    for (const auto& e : kEventClasses)
      if (flags & e.bit) text.push_back(e.c);
  }
  if (flags & kEventKeyspace) text.push_back('K');
  if (flags & kEventKeyevent) text.push_back('E');
  if (flags & kEventKeyMiss) text.push_back('m');
  v->number = flags;
  v->text = std::move(text);
  return std::nullopt;
}

std::optional<std::string> ApplyBind(std::span<const std::string> args, Value* v) {
  if (args.size() > 16) return "Too many bind addresses specified.";
  std::string text;
  if (!(args.size() == 1 && args[0].empty())) {
    for (size_t i = 0; i < args.size(); ++i) {
      if (i) text.push_back(' ');
      text += args[i];
    }
  }
  v->text = std::move(text);
  return std::nullopt;
}

std::optional<std::string> ApplyReplicaOf(std::span<const std::string> args, Value* v) {
  if (args.size() != 2) return kWrongArgs;
  if (!strcasecmp(args[0].c_str(), "no") && !strcasecmp(args[1].c_str(), "one")) {
    v->text.clear();
    return std::nullopt;
  }
  char* end = nullptr;
  long port = std::strtol(args[1].c_str(), &end, 10);
  if (port < 0 || port > 65535 || *end != '\0') return "Invalid master port";
  v->text = args[0] + " " + std::to_string(port);
  return std::nullopt;
}

// "%f" with trailing zeros (and a trailing dot) removed: 99.900000 -> 99.9, 50.000000 -> 50.
std::string FormatPercentile(double d) {
  char buf[128];
  int len = std::snprintf(buf, sizeof(buf), "%f", d);
  std::string s(buf, len);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::optional<std::string> ApplyPercentiles(std::span<const std::string> args, Value* v) {
  std::string text;
  if (!(args.size() == 1 && args[0].empty())) {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      char* end = nullptr;
      double d = a.empty() || std::isspace(static_cast<unsigned char>(a[0]))
                     ? NAN
                     : std::strtod(a.c_str(), &end);
      if (std::isnan(d) || end == nullptr || *end != '\0')
        return "Invalid latency-tracking-info-percentiles parameters";
      if (d > 100.0 || d < 0.0)
        return "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
      if (i) text.push_back(' ');
      text += FormatPercentile(d);
    }
  }
  v->text = std::move(text);
  return std::nullopt;
}

// "dir" is kept as an absolute path that must be an accessible directory; the server changes
// its working directory to it (Redis chdir()s here, which a library should not do).
std::optional<std::string> ApplyDir(std::span<const std::string> args, Value* v) {
  if (args.size() != 1) return kWrongArgs;
  char resolved[PATH_MAX];
  if (realpath(args[0].c_str(), resolved) == nullptr) return std::string(std::strerror(errno));
  struct stat st;
  if (stat(resolved, &st) != 0) return std::string(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return std::string(std::strerror(ENOTDIR));
  if (access(resolved, X_OK) != 0) return std::string(std::strerror(errno));
  v->text = resolved;
  return std::nullopt;
}

std::optional<std::string> ApplySpecial(const Param& p, std::span<const std::string> args, Value* v,
                                        const ApplyContext& ctx) {
  const std::string_view n = p.name;
  if (n == "dir") return ApplyDir(args, v);
  if (n == "save") return ApplySave(args, v, ctx);
  if (n == "client-output-buffer-limit") return ApplyClientOutputBufferLimit(args, v);
  if (n == "oom-score-adj-values") return ApplyOomScoreAdjValues(args, v);
  if (n == "notify-keyspace-events") return ApplyNotifyKeyspaceEvents(args, v);
  if (n == "bind") return ApplyBind(args, v);
  if (n == "replicaof") return ApplyReplicaOf(args, v);
  if (n == "latency-tracking-info-percentiles") return ApplyPercentiles(args, v);
  return "unknown parameter";
}

std::optional<std::string> ApplyEnum(const Param& p, std::span<const std::string> args, Value* v) {
  int64_t result = 0;
  for (const std::string& a : args) {
    bool found = false;
    for (const auto& e : p.enum_values) {
      if (!strcasecmp(a.c_str(), std::string(e.name).c_str())) {
        result = (p.flags & cp::kFlagEnum) ? (result | e.value) : e.value;
        found = true;
        break;
      }
    }
    if (!found || (!(p.flags & cp::kFlagEnum) && args.size() != 1)) {
      std::string err = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < p.enum_values.size(); ++i) {
        if (i) err += ", ";
        err += p.enum_values[i].name;
      }
      return err;
    }
  }
  if (args.empty()) return kWrongArgs;
  v->number = result;
  v->text = FormatEnum(p, result);
  return std::nullopt;
}

}  // namespace

std::string FormatNumber(const Param& p, int64_t number) {
  char buf[64];
  if ((p.flags & cp::kPercent) && number < 0) {
    std::snprintf(buf, sizeof(buf), "%lld%%", static_cast<long long>(-number));
  } else if (p.flags & cp::kOctal) {
    std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(number));
  } else if (p.flags & (cp::kMemory | cp::kUnsigned)) {
    std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(number));
  } else {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(number));
  }
  return buf;
}

Value DefaultValue(const Param& p) {
  Value v;
  switch (p.type) {
    case Type::kBool:
      v.number = p.default_number;
      v.text = p.default_number ? "yes" : "no";
      break;
    case Type::kNumeric:
      v.number = p.default_number;
      v.text = FormatNumber(p, p.default_number);
      break;
    case Type::kEnum:
      v.number = p.default_number;
      v.text = FormatEnum(p, p.default_number);
      break;
    case Type::kString:
    case Type::kSpecial:
      v.text = std::string(p.default_text);
      break;
  }
  return v;
}

std::optional<std::string> Apply(const Param& p, std::span<const std::string> args, Value* value,
                                 const ApplyContext& ctx) {
  Value v = *value;
  std::optional<std::string> err;
  switch (p.type) {
    case Type::kBool: {
      if (args.size() != 1) return kWrongArgs;
      int yn = !strcasecmp(args[0].c_str(), "yes")  ? 1
               : !strcasecmp(args[0].c_str(), "no") ? 0
                                                    : -1;
      if (yn < 0) return "argument must be 'yes' or 'no'";
      if (yn && p.validator == Validator::kActiveDefrag)
        return "Active defragmentation cannot be enabled: it requires a Redis server compiled "
               "with a modified Jemalloc like the one shipped by default with the Redis source "
               "distribution";
      v.number = yn;
      v.text = yn ? "yes" : "no";
      break;
    }
    case Type::kNumeric: {
      if (args.size() != 1) return kWrongArgs;
      int64_t n = 0;
      if ((err = ParseNumber(p, args[0], &n))) return err;
      if ((err = CheckBounds(p, n))) return err;
      v.number = n;
      v.text = FormatNumber(p, n);
      break;
    }
    case Type::kString:
      if (args.size() != 1) return kWrongArgs;
      if ((err = ValidateString(p, args[0]))) return err;
      v.text = args[0];
      break;
    case Type::kEnum:
      if ((err = ApplyEnum(p, args, &v))) return err;
      break;
    case Type::kSpecial:
      if ((err = ApplySpecial(p, args, &v, ctx))) return err;
      break;
  }
  *value = std::move(v);
  return std::nullopt;
}

}  // namespace rill::config_values
