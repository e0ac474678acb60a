#include "tests/support/acl_masks.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "tests/support/resp_client.h"

namespace rill::testing {
namespace {

// Copies one RESP value from `in` to `out`, rewriting bulk strings. Returns bytes consumed, or
// 0 when `in` does not hold a complete value. `previous` is updated with the last bulk seen at
// this level, for the caller's next sibling.
size_t CopyValue(std::string_view in, std::string* out, std::string* previous,
                 const std::function<std::string(std::string_view, std::string_view)>& rewrite) {
  size_t line_end = in.find("\r\n");
  if (line_end == std::string_view::npos || line_end == 0) return 0;
  const char type = in[0];
  std::string_view header = in.substr(0, line_end + 2);
  int64_t n = 0;
  if (type == '$' || type == '=') {
    if (!ParseInt64(in.substr(1, line_end - 1), &n)) return 0;
    if (n < 0) {
      out->append(header);
      previous->clear();
      return header.size();
    }
    size_t total = line_end + 2 + static_cast<size_t>(n) + 2;
    if (in.size() < total) return 0;
    std::string_view body = in.substr(line_end + 2, static_cast<size_t>(n));
    std::string replaced = rewrite(*previous, body);
    out->append(1, type);
    out->append(std::to_string(replaced.size()));
    out->append("\r\n");
    out->append(replaced);
    out->append("\r\n");
    *previous = std::string(body);
    return total;
  }
  if (type != '*' && type != '%' && type != '~' && type != '>') {
    // Scalars (+ - : , _ # ( ...): a RESP3 double after "age-seconds" also goes through
    // `rewrite`, as if it were a bulk string.
    std::string_view body = in.substr(1, line_end - 1);
    if (type == ',') {
      out->append(1, type);
      out->append(rewrite(*previous, body));
      out->append("\r\n");
    } else {
      out->append(header);
    }
    previous->clear();
    return header.size();
  }
  if (!ParseInt64(in.substr(1, line_end - 1), &n) || n < 0) {
    out->append(header);
    return header.size();
  }
  if (type == '%') n *= 2;
  out->append(header);
  size_t pos = header.size();
  std::string inner_previous;
  for (int64_t i = 0; i < n; ++i) {
    size_t used = CopyValue(in.substr(pos), out, &inner_previous, rewrite);
    if (used == 0) return 0;
    pos += used;
  }
  previous->clear();
  return pos;
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string token;
  while (in >> token) out.push_back(token);
  return out;
}

// Sorts the single-command rules among `tokens` (one selector's rules).
void SortSelectorTokens(std::vector<std::string>* tokens) {
  auto all = std::find_if(tokens->begin(), tokens->end(),
                          [](const std::string& t) { return t == "+@all" || t == "-@all"; });
  if (all == tokens->end()) return;
  auto first_single = all + 1;
  while (first_single != tokens->end() && first_single->size() > 1 && (*first_single)[1] == '@') {
    ++first_single;
  }
  std::sort(first_single, tokens->end());
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

}  // namespace

std::string RewriteBulks(
    const std::string& reply,
    const std::function<std::string(std::string_view previous, std::string_view bulk)>& rewrite) {
  std::string out;
  size_t pos = 0;
  while (pos < reply.size()) {
    std::string previous;
    size_t used = CopyValue(std::string_view(reply).substr(pos), &out, &previous, rewrite);
    if (used == 0) return reply;
    pos += used;
  }
  return out;
}

std::string SortCommandRules(std::string_view description) {
  // Split into the root part and " (selector)" parts, each sorted on its own.
  std::string out;
  size_t pos = 0;
  while (pos < description.size()) {
    size_t open = description.find('(', pos);
    std::string_view part = description.substr(
        pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    std::vector<std::string> tokens = SplitSpaces(part);
    SortSelectorTokens(&tokens);
    if (!out.empty() && !tokens.empty()) out += ' ';
    out += Join(tokens);
    if (open == std::string_view::npos) break;
    size_t close = description.find(')', open);
    if (close == std::string_view::npos) close = description.size();
    std::vector<std::string> inner = SplitSpaces(description.substr(open + 1, close - open - 1));
    SortSelectorTokens(&inner);
    out += " (" + Join(inner) + ")";
    pos = close + 1;
  }
  return out;
}

std::string MaskRuleOrder(const std::string& reply) {
  return RewriteBulks(reply, [](std::string_view, std::string_view bulk) {
    if (bulk.find("+@all") == std::string_view::npos &&
        bulk.find("-@all") == std::string_view::npos) {
      return std::string(bulk);
    }
    return SortCommandRules(bulk);
  });
}

std::string MaskClientInfo(std::string_view line) {
  static const char* kVarying[] = {"id",   "addr",      "laddr",    "fd",        "age", "idle",
                                   "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp",
                                   "obl",  "oll",       "omem",     "tot-mem"};
  std::string out;
  for (const std::string& field : SplitSpaces(line)) {
    std::string name = field.substr(0, field.find('='));
    bool varies = std::any_of(std::begin(kVarying), std::end(kVarying),
                              [&](const char* v) { return name == v; });
    if (!out.empty()) out += ' ';
    out += varies ? name + "=*" : field;
  }
  return out;
}

std::string MaskHelloId(const std::string& reply) {
  const std::string key = "$2\r\nid\r\n:";
  size_t at = reply.find(key);
  if (at == std::string::npos) return reply;
  size_t start = at + key.size();
  size_t end = reply.find("\r\n", start);
  return reply.substr(0, start) + "<id>" + reply.substr(end);
}

std::string MaskAclLog(const std::string& reply) {
  return RewriteBulks(reply, [](std::string_view previous, std::string_view bulk) {
    if (previous == "age-seconds") return std::string("<age>");
    if (previous == "client-info") return MaskClientInfo(bulk);
    return std::string(bulk);
  });
}

}  // namespace rill::testing
