#include "server/config/config_syntax.h"

#include <strings.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace rill::config_syntax {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return out;
    std::string cur;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return std::nullopt;  // unterminated quotes
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 &&
            HexDigit(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(e);
              break;
          }
        } else if (c == '"') {
          // The closing quote must end the argument.
          if (i + 1 < n && !IsSpace(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else if (in_single) {
        if (i >= n) return std::nullopt;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          cur.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else {
        if (i >= n) break;
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          in_double = true;
        } else if (c == '\'') {
          in_single = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(cur));
  }
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\a':
        out->append("\\a");
        break;
      case '\b':
        out->append("\\b");
        break;
      default:
        if (std::isprint(static_cast<unsigned char>(c))) {
          out->push_back(c);
        } else {
          static const char kHex[] = "0123456789abcdef";
          unsigned char u = static_cast<unsigned char>(c);
          out->append("\\x");
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
        }
    }
  }
  out->push_back('"');
}

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
