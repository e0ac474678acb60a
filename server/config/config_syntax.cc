#include "server/config/config_syntax.h"

#include <strings.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace rill::config_syntax {
std::optional<int64_t> ParseStrictInt(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return std::nullopt;
  }
  if (s[i] == '0') {
    // "0" alone is fine; "-0" and leading zeros are not.
    if (s.size() == 1) return 0;
    return std::nullopt;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (UINT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<uint64_t> ParseMemory(std::string_view s) {
  if (!s.empty() && s[0] == '-') return std::nullopt;
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  std::string unit(s.substr(digits));
  uint64_t mul;
  if (unit.empty() || !strcasecmp(unit.c_str(), "b")) {
    mul = 1;
  } else if (!strcasecmp(unit.c_str(), "k")) {
    mul = 1000;
  } else if (!strcasecmp(unit.c_str(), "kb")) {
    mul = 1024;
  } else if (!strcasecmp(unit.c_str(), "m")) {
    mul = 1000 * 1000;
  } else if (!strcasecmp(unit.c_str(), "mb")) {
    mul = 1024 * 1024;
  } else if (!strcasecmp(unit.c_str(), "g")) {
    mul = 1000ull * 1000 * 1000;
  } else if (!strcasecmp(unit.c_str(), "gb")) {
    mul = 1024ull * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  if (digits >= 128) return std::nullopt;
  // Redis hands the digit run to strtoull; an empty run reads as 0 and overflow saturates.
  std::string number(s.substr(0, digits));
  errno = 0;
  unsigned long long v = std::strtoull(number.c_str(), nullptr, 10);
  return static_cast<uint64_t>(v) * mul;
}

std::string CommandLineToConfigText(const std::vector<std::string>& args, size_t start,
                                    bool* from_stdin) {
  std::string options;
  bool value_expected_done = true;  // false right after a bare `--name`
  for (size_t j = start; j < args.size(); ++j) {
    const std::string& arg = args[j];
    const bool is_last = j + 1 == args.size();
    const bool next_is_option =
        !is_last && args[j + 1].size() >= 2 && args[j + 1][0] == '-' && args[j + 1][1] == '-';
    if (arg == "-" && (j == 0 || is_last)) {
      *from_stdin = true;
    } else if (value_expected_done && arg.size() >= 2 && arg[0] == '-' && arg[1] == '-') {
      if (!options.empty()) options.push_back('\n');
      options.append(arg, 2);
      options.push_back(' ');
      auto words = SplitArgs(arg);
      if (words && words->size() == 1) {
        // Only a name: the next argument is its value, even if it starts with "--" ...
        value_expected_done = false;
        // ... except for `--save` with nothing after it, kept as "no snapshots" for scripts
        // that build the command line from an empty list.
        if (!strcasecmp(arg.c_str(), "--save") && (next_is_option || is_last)) {
          options.append("\"\"");
          value_expected_done = true;
        }
      } else {
        value_expected_done = true;  // "--port 6380" given as one argument
      }
    } else {
      AppendQuoted(&options, arg);
      options.push_back(' ');
      value_expected_done = true;
    }
  }
  return options;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace rill::config_syntax
