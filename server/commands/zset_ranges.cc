#include "server/commands/zset_ranges.h"

#include "common/number_parse.h"

namespace rill::zsets_internal {
namespace {

bool ParseScore(std::string_view arg, double* value, bool* exclusive) {
  *exclusive = !arg.empty() && arg[0] == '(';
  if (*exclusive) arg.remove_prefix(1);
  return ParseStrtodDouble(arg, value);
}

// A lex bound: `is_low` picks what "[x" and "(x" mean at the low or the high end.
bool ParseLex(std::string_view arg, bool is_low, ds::ZBound* bound) {
  if (arg.empty()) return false;
  if (arg.size() == 1 && arg[0] == '-') {
    *bound = ds::ZBound::Start();
    return true;
  }
  if (arg.size() == 1 && arg[0] == '+') {
    *bound = ds::ZBound::End();
    return true;
  }
  const std::string_view member = arg.substr(1);
  if (arg[0] == '[') {
    *bound = is_low ? ds::ZBound::LexBelow(member) : ds::ZBound::LexAtOrBelow(member);
    return true;
  }
  if (arg[0] == '(') {
    *bound = is_low ? ds::ZBound::LexAtOrBelow(member) : ds::ZBound::LexBelow(member);
    return true;
  }
  return false;
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ds::ZBound* low,
                     ds::ZBound* high) {
  double lo, hi;
  bool lo_ex, hi_ex;
  if (!ParseScore(min, &lo, &lo_ex) || !ParseScore(max, &hi, &hi_ex)) return false;
  // Entries before the low end: below min (or at it when exclusive); before the high end:
  // up to max (or below it when exclusive).
  *low = lo_ex ? ds::ZBound::ScoreAtOrBelow(lo) : ds::ZBound::ScoreBelow(lo);
  *high = hi_ex ? ds::ZBound::ScoreBelow(hi) : ds::ZBound::ScoreAtOrBelow(hi);
  return true;
}

bool ParseLexRange(std::string_view min, std::string_view max, ds::ZBound* low, ds::ZBound* high) {
  return ParseLex(min, true, low) && ParseLex(max, false, high);
}

}  // namespace rill::zsets_internal
