#include "bench/transport_probe/resp_probe.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace rill::probe {
namespace {

// redis-server's limits: query buffer lines (inline commands, *N and $N headers) and bulks.
constexpr size_t kMaxInline = 64 * 1024;
constexpr long kMaxBulk = 512L * 1024 * 1024;
constexpr long kMaxArgs = 1024L * 1024;

enum class Parse { kDone, kPartial, kError };

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// The decimal number of a RESP header line `start..\r\n` (after its type byte). Sets *end past
// the \r\n; kPartial when the line is not complete yet.
Parse ParseNumber(std::string_view in, size_t start, long* value, size_t* end) {
  const size_t cr = in.find('\r', start);
  if (cr == std::string_view::npos || cr + 1 >= in.size()) {
    return in.size() - start > kMaxInline ? Parse::kError : Parse::kPartial;
  }
  if (in[cr + 1] != '\n' || cr == start || cr - start > 20) return Parse::kError;
  bool negative = false;
  size_t i = start;
  if (in[i] == '-') {
    negative = true;
    ++i;
  }
  long v = 0;
  for (; i < cr; ++i) {
    if (in[i] < '0' || in[i] > '9') return Parse::kError;
    v = v * 10 + (in[i] - '0');
  }
  *value = negative ? -v : v;
  *end = cr + 2;
  return Parse::kDone;
}

// One multi-bulk command at in[pos]; its arguments point into `in`.
Parse ParseMultiBulk(std::string_view in, size_t pos, std::vector<std::string_view>* args,
                     size_t* end) {
  long count = 0;
  size_t at = 0;
  Parse p = ParseNumber(in, pos + 1, &count, &at);
  if (p != Parse::kDone) return p;
  if (count > kMaxArgs) return Parse::kError;
  for (long i = 0; i < count; ++i) {
    if (at >= in.size()) return Parse::kPartial;
    if (in[at] != '$') return Parse::kError;
    long len = 0;
    p = ParseNumber(in, at + 1, &len, &at);
    if (p != Parse::kDone) return p;
    if (len < 0 || len > kMaxBulk) return Parse::kError;
    if (in.size() - at < static_cast<size_t>(len) + 2) return Parse::kPartial;
    if (in[at + len] != '\r' || in[at + len + 1] != '\n') return Parse::kError;
    args->emplace_back(in.data() + at, static_cast<size_t>(len));
    at += static_cast<size_t>(len) + 2;
  }
  *end = at;
  return Parse::kDone;
}

// One inline command (a line of space-separated words) at in[pos].
Parse ParseInline(std::string_view in, size_t pos, std::vector<std::string_view>* args,
                  size_t* end) {
  const size_t nl = in.find('\n', pos);
  if (nl == std::string_view::npos) {
    return in.size() - pos > kMaxInline ? Parse::kError : Parse::kPartial;
  }
  size_t line_end = nl;
  if (line_end > pos && in[line_end - 1] == '\r') --line_end;
  size_t i = pos;
  while (i < line_end) {
    while (i < line_end && (in[i] == ' ' || in[i] == '\t')) ++i;
    const size_t word = i;
    while (i < line_end && in[i] != ' ' && in[i] != '\t') ++i;
    if (i > word) args->emplace_back(in.data() + word, i - word);
  }
  *end = nl + 1;
  return Parse::kDone;
}

void AppendBulk(std::string* out, std::string_view value) {
  char header[32];
  const int n = std::snprintf(header, sizeof(header), "$%zu\r\n", value.size());
  out->append(header, static_cast<size_t>(n));
  out->append(value);
  out->append("\r\n", 2);
}

void AppendArity(std::string* out, const char* name) {
  out->append("-ERR wrong number of arguments for '");
  out->append(name);
  out->append("' command\r\n");
}

// redis-server 7.0's text: the name and up to 128 bytes of each argument, quoted.
void AppendUnknown(std::string* out, const std::vector<std::string_view>& args) {
  out->append("-ERR unknown command '");
  out->append(args[0].substr(0, 128));
  out->append("', with args beginning with: ");
  for (size_t i = 1; i < args.size(); ++i) {
    out->push_back('\'');
    out->append(args[i].substr(0, 128));
    out->append("' ");
  }
  out->append("\r\n");
}

// Debian's abseil has its own string_view type: the map is looked up with one.
absl::string_view Key(std::string_view s) { return absl::string_view(s.data(), s.size()); }

void Run(const std::vector<std::string_view>& args, std::string* out, Store* store) {
  const std::string_view name = args[0];
  if (EqualsNoCase(name, "get")) {
    if (args.size() != 2) return AppendArity(out, "get");
    auto it = store->find(Key(args[1]));
    if (it == store->end()) {
      out->append("$-1\r\n");
    } else {
      AppendBulk(out, it->second);
    }
  } else if (EqualsNoCase(name, "set")) {
    if (args.size() < 3) return AppendArity(out, "set");
    if (args.size() > 3) {  // SET's options are not the probe's business
      out->append("-ERR syntax error\r\n");
      return;
    }
    auto it = store->find(Key(args[1]));
    if (it == store->end()) {
      store->emplace(std::string(args[1]), std::string(args[2]));
    } else {
      it->second.assign(args[2]);
    }
    out->append("+OK\r\n");
  } else if (EqualsNoCase(name, "ping")) {
    if (args.size() > 2) return AppendArity(out, "ping");
    if (args.size() == 2) return AppendBulk(out, args[1]);
    out->append("+PONG\r\n");
  } else if (EqualsNoCase(name, "config") && args.size() == 3 && EqualsNoCase(args[1], "get")) {
    // redis-benchmark asks for save and appendonly before it starts.
    if (EqualsNoCase(args[2], "save") || EqualsNoCase(args[2], "appendonly")) {
      out->append("*2\r\n");
      AppendBulk(out, EqualsNoCase(args[2], "save") ? "save" : "appendonly");
      AppendBulk(out, EqualsNoCase(args[2], "save") ? "" : "no");
    } else {
      out->append("*0\r\n");
    }
  } else {
    AppendUnknown(out, args);
  }
}

}  // namespace

size_t Execute(std::string_view in, std::string* out, Store* store) {
  static thread_local std::vector<std::string_view> args;
  size_t pos = 0;
  while (pos < in.size()) {
    args.clear();
    size_t end = 0;
    const Parse p =
        in[pos] == '*' ? ParseMultiBulk(in, pos, &args, &end) : ParseInline(in, pos, &args, &end);
    if (p == Parse::kPartial) break;
    if (p == Parse::kError) return kProtocolError;
    pos = end;
    if (!args.empty()) Run(args, out, store);  // *0 and empty lines answer nothing, as Redis
  }
  return pos;
}

int ParsePort(int argc, char** argv) {
  int port = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
  }
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "usage: %s --port N [--other-flag value ...]\n", argv[0]);
    return -1;
  }
  return port;
}

}  // namespace rill::probe
