// Numbers formatted the way Redis 7.0 writes them into replies and values.
#pragma once

#include <string>

namespace rill {

// Redis's human-friendly long double format (ld2string with LD_STR_HUMAN): fixed notation with
// 17 decimals, then trailing zeros (and a bare '.') dropped, so 10.5+0.1 reads "10.6" and 3e3
// reads "3000" (INCRBYFLOAT, HINCRBYFLOAT). Empty for a value too long to format (none finite).
std::string FormatHumanLongDouble(long double value);

}  // namespace rill
