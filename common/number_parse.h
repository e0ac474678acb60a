// Numbers parsed from client bytes with Redis's acceptance rules, for every layer.
#pragma once

#include <cstdint>
#include <string_view>

namespace rill {

// Redis's string2ll: accepts exactly the canonical decimal form of an int64 (no leading '+',
// no leading zeros, no spaces, "-0" refused), the strings an int64 prints back as. Storing such
// a string as an integer therefore never changes the bytes a client reads back.
bool ParseInt64(std::string_view s, int64_t* out);
// Redis's getLongDoubleFromObject / getDoubleFromObject: the whole argument through
// strtold/strtod, no leading space, no NaN, no overflow.
bool ParseLongDouble(std::string_view s, long double* out);
bool ParseDouble(std::string_view s, double* out);
// The looser strtod check of Redis's sorted set range bounds (zslParseRange) and GEO
// arguments: strtod must consume the bytes up to the end or to an embedded NUL; leading spaces,
// overflow to +-inf and the empty string (0) pass; NaN is refused.
bool ParseStrtodDouble(std::string_view s, double* out);

}  // namespace rill
