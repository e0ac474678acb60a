// Small string helpers shared by every layer.
//
// Why this exists: Debian's abseil (20220623) is built with ABSL_OPTION_USE_STD_STRING_VIEW 0,
// so absl::string_view is its own type, not std::string_view. absl::StrCat, StrSplit,
// AsciiStrToLower and the default hasher of flat_hash_map<std::string, V> therefore do not take
// std::string_view. Rill uses std::string_view everywhere and bridges here.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "common/fast_hash.h"

namespace rill {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view FromAbsl(absl::string_view s) { return {s.data(), s.size()}; }

// Transparent hash/equality so maps keyed by std::string are looked up by std::string_view
// without building a temporary string.
struct StringViewHash {
  using is_transparent = void;
  // FastHash (std::hash's _Hash_bytes was twice its instructions on parameter names, looked up
  // on hot paths), seeded: channel and key names come from clients.
  size_t operator()(std::string_view s) const { return FastHash(s, ProcessHashSeed()); }
};
struct StringViewEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringViewHash, StringViewEq>;
using StringSet = absl::flat_hash_set<std::string, StringViewHash, StringViewEq>;

// Case-insensitive ASCII comparison, for option keywords ("EX", "nx", ...).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The part of `s` that C string functions see: up to the first NUL. Redis formats names into
// errors with "%s" and compares some keywords with strcasecmp, both of which stop there.
inline std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

inline std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace rill
