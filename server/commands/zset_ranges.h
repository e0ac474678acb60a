// Sorted set range arguments as Redis 7.0 parses them, turned into positions of the set's
// order (ds::ZBound): a range is [CountBefore(low), CountBefore(high)).
//
//   score bounds (zslParseRange): "1.5" inclusive, "(1.5" exclusive, "-inf"/"+inf", any strtod
//     form up to the end or an embedded NUL (see ParseStrtodDouble); NaN refused;
//   lex bounds (zslParseLexRange): "[a" inclusive, "(a" exclusive, "-" and "+" the ends.
#pragma once

#include <string_view>

#include "datastructs/zset_order.h"

namespace rill::zsets_internal {

inline constexpr std::string_view kErrScoreRange = "ERR min or max is not a float";
inline constexpr std::string_view kErrLexRange = "ERR min or max not valid string range item";

// false when either bound does not parse (reply kErrScoreRange).
bool ParseScoreRange(std::string_view min, std::string_view max, ds::ZBound* low, ds::ZBound* high);
// false when either bound does not parse (reply kErrLexRange).
bool ParseLexRange(std::string_view min, std::string_view max, ds::ZBound* low, ds::ZBound* high);

}  // namespace rill::zsets_internal
