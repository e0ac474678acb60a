#include "common/number_format.h"

#include <cstdio>
#include <string_view>

namespace rill {

std::string FormatHumanLongDouble(long double value) {
  // Exponent notation is never used, hence the large buffer for big magnitudes: the largest
  // finite long double has 4933 integer digits; 17 decimals and sign fit in 5000.
  char buf[5120];
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return std::string();
  std::string_view text(buf, static_cast<size_t>(len));
  if (text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  if (text == "-0") return "0";
  return std::string(text);
}

}  // namespace rill
