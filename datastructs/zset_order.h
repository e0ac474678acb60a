// The order of a sorted set's entries, and positions in it.
//
// Entries sort by score (as doubles: -0.0 == 0.0), then by member bytes (memcmp on the common
// length, then the shorter first), exactly as Redis's skiplist and listpack order them. NaN is
// never stored (callers refuse it), so the score order is total.
//
// A ZBound names a position in that order by a predicate "is this entry before the position?"
// that holds for a prefix of the entries: the number of entries before it is the position's
// rank. Score ranges ([min, max], "(" exclusive), lex ranges ("[a", "(a", "-", "+") and exact
// (score, member) keys are all such predicates, so one rank query serves every range command:
// a range is [CountBefore(low), CountBefore(high)).
//
// Lex bounds compare members only: they are monotone in the order when every score is equal,
// which is what ZRANGEBYLEX documents; with mixed scores the answer is whatever the order
// gives (Redis's is structure-dependent there too).
#pragma once

#include <cstdint>
#include <string_view>

namespace rill::ds {

inline int CompareZKeys(double a_score, std::string_view a_member, double b_score,
                        std::string_view b_member) {
  if (a_score < b_score) return -1;
  if (a_score > b_score) return 1;
  return a_member.compare(b_member);
}

struct ZBound {
  enum class Kind : uint8_t {
    kScoreBelow,      // before: score < value (the first entry with score >= value)
    kScoreAtOrBelow,  // before: score <= value (the first entry with score > value)
    kKeyBelow,        // before: (score, member) < (value, member)
    kLexBelow,        // before: member < member
    kLexAtOrBelow,    // before: member <= member
    kNothing,         // no entry is before: the start ("-")
    kEverything,      // every entry is before: the end ("+")
  };
  Kind kind = Kind::kNothing;
  double score = 0;
  std::string_view member;

  static ZBound ScoreBelow(double s) { return {Kind::kScoreBelow, s, {}}; }
  static ZBound ScoreAtOrBelow(double s) { return {Kind::kScoreAtOrBelow, s, {}}; }
  static ZBound Key(double s, std::string_view m) { return {Kind::kKeyBelow, s, m}; }
  static ZBound LexBelow(std::string_view m) { return {Kind::kLexBelow, 0, m}; }
  static ZBound LexAtOrBelow(std::string_view m) { return {Kind::kLexAtOrBelow, 0, m}; }
  static ZBound Start() { return {Kind::kNothing, 0, {}}; }
  static ZBound End() { return {Kind::kEverything, 0, {}}; }

  bool Before(double s, std::string_view m) const {
    switch (kind) {
      case Kind::kScoreBelow:
        return s < score;
      case Kind::kScoreAtOrBelow:
        return s <= score;
      case Kind::kKeyBelow:
        return CompareZKeys(s, m, score, member) < 0;
      case Kind::kLexBelow:
        return m < member;
      case Kind::kLexAtOrBelow:
        return m <= member;
      case Kind::kNothing:
        return false;
      case Kind::kEverything:
        return true;
    }
    return false;
  }
};

}  // namespace rill::ds
