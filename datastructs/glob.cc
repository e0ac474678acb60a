// Glob matching that follows Redis's stringmatchlen() semantics byte for byte, including its
// corner cases: a reversed range "[z-a]" matches like "[a-z]", a backslash inside a class
// escapes the next byte (case-sensitively even with nocase), and a pattern that ends inside a
// class ("[abc") closes the class at the end of the pattern.
#include "datastructs/glob.h"

#include <cctype>
#include <cstddef>

namespace rill::ds {
namespace {

// Redis gives up (no match) beyond this recursion depth, which bounds patterns like "*a*a*a*".
constexpr int kMaxNesting = 1000;

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

class Matcher {
 public:
  explicit Matcher(bool nocase) : nocase_(nocase) {}

  // `skip_longer` is set once a '*' has tried every suffix of the text without success; outer
  // stars then know that consuming more text cannot help either.
  bool Match(std::string_view p, std::string_view s, bool* skip_longer, int nesting) const {
    if (nesting > kMaxNesting) return false;
    // Pattern bytes past the end read as NUL, as they do in Redis's NUL-terminated sds strings.
    auto pat = [&p](size_t i) -> char { return i < p.size() ? p[i] : '\0'; };
    while (!p.empty() && !s.empty()) {
      switch (p[0]) {
        case '*': {
          while (p.size() > 1 && p[1] == '*') p.remove_prefix(1);
          if (p.size() == 1) return true;
          while (!s.empty()) {
            if (Match(p.substr(1), s, skip_longer, nesting + 1)) return true;
            if (*skip_longer) return false;
            s.remove_prefix(1);
          }
          *skip_longer = true;
          return false;
        }
        case '?':
          s.remove_prefix(1);
          break;
        case '[': {
          p.remove_prefix(1);
          const bool negate = pat(0) == '^';
          if (negate) p.remove_prefix(1);
          bool matched = false;
          while (true) {
            if (pat(0) == '\\' && p.size() >= 2) {
              p.remove_prefix(1);
              if (p[0] == s[0]) matched = true;
            } else if (pat(0) == ']') {
              break;
            } else if (p.empty()) {
              // Unterminated class: stop here; the remove_prefix below is then skipped.
              break;
            } else if (p.size() >= 3 && p[1] == '-') {
              char start = p[0];
              char end = p[2];
              char c = s[0];
              if (start > end) std::swap(start, end);
              if (nocase_) {
                start = Lower(start);
                end = Lower(end);
                c = Lower(c);
              }
              p.remove_prefix(2);
              if (c >= start && c <= end) matched = true;
            } else if (Same(p[0], s[0])) {
              matched = true;
            }
            p.remove_prefix(1);
          }
          if (negate) matched = !matched;
          if (!matched) return false;
          s.remove_prefix(1);
          break;
        }
        case '\\':
          if (p.size() >= 2) p.remove_prefix(1);
          [[fallthrough]];
        default:
          if (!Same(p[0], s[0])) return false;
          s.remove_prefix(1);
          break;
      }
      if (!p.empty()) p.remove_prefix(1);
      if (s.empty()) {
        while (!p.empty() && p[0] == '*') p.remove_prefix(1);
        break;
      }
    }
    return p.empty() && s.empty();
  }

 private:
  bool Same(char a, char b) const { return nocase_ ? Lower(a) == Lower(b) : a == b; }

  bool nocase_;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  bool skip_longer = false;
  return Matcher(nocase).Match(pattern, text, &skip_longer, 0);
}

}  // namespace rill::ds
