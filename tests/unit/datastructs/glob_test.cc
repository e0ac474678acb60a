// Glob cases whose expected matches were taken from Redis 7.0.15: each key set was loaded into
// a real redis-server and the pattern sent as KEYS <pattern>.
#include "datastructs/glob.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace rill::ds {
namespace {

struct GlobCase {
  std::string pattern;
  std::vector<std::string> matches;  // sorted
};

const std::vector<std::string> kKeys = {
    "",    "a",  "b",     "A",     "ab",    "abc",  "a*c",      "a?c",   "a[c",       "a]c", "a\\c",
    "a-c", "^",  "hello", "hallo", "hxllo", "hllo", "heeeello", "Hello", "x",         "-",   "]",
    "[",   "\\", "a^b",   "abcd",  "aXc",   "aac",  "a^c",      "foo:1", "foo:bar:1", "*",   "?"};

const std::vector<GlobCase> kRedisCases = {
    {"**", {"*",     "-",         "?",     "A",        "Hello", "[",    "\\",    "]",
            "^",     "a",         "a*c",   "a-c",      "a?c",   "aXc",  "a[c",   "a\\c",
            "a]c",   "a^b",       "a^c",   "aac",      "ab",    "abc",  "abcd",  "b",
            "foo:1", "foo:bar:1", "hallo", "heeeello", "hello", "hllo", "hxllo", "x"}},
    {"h?llo", {"hallo", "hello", "hxllo"}},
    {"h*llo", {"hallo", "heeeello", "hello", "hllo", "hxllo"}},
    {"h[ae]llo", {"hallo", "hello"}},
    {"h[^e]llo", {"hallo", "hxllo"}},
    {"h[a-b]llo", {"hallo"}},
    {"h[b-a]llo", {"hallo"}},
    {"[a-c]", {"a", "b"}},
    {"[c-a]", {"a", "b"}},
    {"[^a]", {"*", "-", "?", "A", "[", "\\", "]", "^", "b", "x"}},
    {"[]", {}},
    {"[", {}},
    {"[a", {"a"}},
    {"a[", {}},
    {"a[b", {"ab"}},
    {"[abc", {"a", "b"}},
    {"\\*", {"*"}},
    {"a\\*c", {"a*c"}},
    {"a\\?c", {"a?c"}},
    {"[\\]]", {"]"}},
    {"a[\\]]c", {"a]c"}},
    {"[a-]", {"]", "^", "a"}},
    {"[-a]", {"-", "a"}},
    {"a[-]c", {"a-c"}},
    {"*[", {}},
    {"[^]", {"*", "-", "?", "A", "[", "\\", "]", "^", "a", "b", "x"}},
    {"[^", {"*", "-", "?", "A", "[", "\\", "]", "^", "a", "b", "x"}},
    {"a[^", {"ab"}},
    {"?", {"*", "-", "?", "A", "[", "\\", "]", "^", "a", "b", "x"}},
    {"??", {"ab"}},
    {"???", {"a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^b", "a^c", "aac", "abc"}},
    {"*c", {"a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^c", "aac", "abc"}},
    {"a*",
     {"a", "a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^b", "a^c", "aac", "ab", "abc",
      "abcd"}},
    {"a*c*", {"a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^c", "aac", "abc", "abcd"}},
    {"[A-Z]*", {"A", "Hello"}},
    {"[Z-A]*", {"A", "Hello"}},
    {"\\", {"\\"}},
    {"a\\", {}},
    {"[\\", {"\\"}},
    {"[a-", {"-", "a"}},
    {"a[b-", {"ab"}},
    {"h[a-]llo", {}},
    {"*\\", {"\\"}},
    {"a[^b-z]c", {"a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^c", "aac"}},
    {"a[]c", {}},
    {"a[]]c", {}},
    {"[]]", {}},
    {"a[\\", {}},
    {"?*", {"*",     "-",         "?",     "A",        "Hello", "[",    "\\",    "]",
            "^",     "a",         "a*c",   "a-c",      "a?c",   "aXc",  "a[c",   "a\\c",
            "a]c",   "a^b",       "a^c",   "aac",      "ab",    "abc",  "abcd",  "b",
            "foo:1", "foo:bar:1", "hallo", "heeeello", "hello", "hllo", "hxllo", "x"}},
    {"*?", {"*",     "-",         "?",     "A",        "Hello", "[",    "\\",    "]",
            "^",     "a",         "a*c",   "a-c",      "a?c",   "aXc",  "a[c",   "a\\c",
            "a]c",   "a^b",       "a^c",   "aac",      "ab",    "abc",  "abcd",  "b",
            "foo:1", "foo:bar:1", "hallo", "heeeello", "hello", "hllo", "hxllo", "x"}},
    {"*?*", {"*",     "-",         "?",     "A",        "Hello", "[",    "\\",    "]",
             "^",     "a",         "a*c",   "a-c",      "a?c",   "aXc",  "a[c",   "a\\c",
             "a]c",   "a^b",       "a^c",   "aac",      "ab",    "abc",  "abcd",  "b",
             "foo:1", "foo:bar:1", "hallo", "heeeello", "hello", "hllo", "hxllo", "x"}},
    {"foo:*", {"foo:1", "foo:bar:1"}},
    {"foo:*:1", {"foo:bar:1"}},
    {"*:*:*", {"foo:bar:1"}},
    {"a[x\\-z]c", {"a-c"}},
    {"a[*]c", {"a*c"}},
    {"[[]", {"["}},
    {"a[a-c-e]c", {"a-c", "aac", "abc"}},
    {"a[-c]", {}},
    {"a[^]c", {"a*c", "a-c", "a?c", "aXc", "a[c", "a\\c", "a]c", "a^c", "aac", "abc"}},
};

TEST(GlobTest, MatchesWhatRedisKeysReturns) {
  for (const GlobCase& c : kRedisCases) {
    std::vector<std::string> got;
    for (const std::string& key : kKeys) {
      if (GlobMatch(c.pattern, key)) got.push_back(key);
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, c.matches) << "pattern: " << c.pattern;
  }
}

// KEYS * never reaches the matcher in Redis (it is special-cased); the matcher itself does not
// match "*" against an empty string, which "**" above shows.
TEST(GlobTest, StarAgainstEmptyTextIsNoMatchAsInStringmatchlen) {
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "x"));
  EXPECT_FALSE(GlobMatch("", "x"));
  EXPECT_TRUE(GlobMatch("", ""));
}

TEST(GlobTest, NoCaseFoldsLiteralsAndRangesButNotEscapesInsideClasses) {
  EXPECT_TRUE(GlobMatch("HELLO", "hello", true));
  EXPECT_FALSE(GlobMatch("HELLO", "hello", false));
  EXPECT_TRUE(GlobMatch("h[A-Z]llo", "hello", true));
  EXPECT_FALSE(GlobMatch("h[A-Z]llo", "hello", false));
  EXPECT_TRUE(GlobMatch("h[E]llo", "hello", true));
  EXPECT_TRUE(GlobMatch("\\H*", "hello", true));
  EXPECT_FALSE(GlobMatch("[\\H]ello", "hello", true));
  EXPECT_TRUE(GlobMatch("[\\h]ello", "hello", true));
  EXPECT_TRUE(GlobMatch("maxmemory-*", "MAXMEMORY-POLICY", true));
}

TEST(GlobTest, BinarySafeBytes) {
  const std::string text("a\0b", 3);
  EXPECT_TRUE(GlobMatch(std::string("a\0b", 3), text));
  EXPECT_TRUE(GlobMatch("a?b", text));
  EXPECT_FALSE(GlobMatch("a", text));
  // Redis compares class bounds as (signed) char: [\x01-\xff] is the range -1..1. These were
  // checked against redis-server with KEYS.
  EXPECT_TRUE(GlobMatch("[\x01-\xff]", std::string("\0", 1)));
  EXPECT_FALSE(GlobMatch("[\x01-\xff]", "\x80"));
  EXPECT_FALSE(GlobMatch("[\x01-\xff]", "\x05"));
  EXPECT_TRUE(GlobMatch("[\x01-\x7f]", "\x05"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\x80"));
}

TEST(GlobTest, ManyStarsFailFastInsteadOfBacktrackingExponentially) {
  const std::string text(200, 'a');
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b";
  EXPECT_FALSE(GlobMatch(pattern, text));
  EXPECT_TRUE(GlobMatch(pattern.substr(0, pattern.size() - 1), text));
}

}  // namespace
}  // namespace rill::ds
