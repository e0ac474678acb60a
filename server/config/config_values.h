// Parsing, checking and formatting of one parameter's value by its type, with Redis 7.0's
// rules and error texts. Each value is held in its CONFIG GET form plus, for bool / numeric /
// enum parameters, its number.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "server/config/config_params.h"

namespace rill::config_values {

struct Value {
  int64_t number = 0;  // bool 0/1, numeric value (percent stored negative), enum value/flags
  std::string text;    // CONFIG GET form
};

// Where a value comes from: file/command-line loading differs for "save" (lines accumulate).
struct ApplyContext {
  bool reading_file = false;
  bool* save_seen_in_file = nullptr;  // first "save" line of a load replaces the defaults
};

// The default value of a parameter ("dir" is filled in by the caller).
Value DefaultValue(const config_params::Param& param);

// Parses `args` (one argument for single-value parameters) into *value. Returns the Redis
// error text on failure, leaving *value unchanged.
std::optional<std::string> Apply(const config_params::Param& param,
                                 std::span<const std::string> args, Value* value,
                                 const ApplyContext& ctx);

// The CONFIG GET text of a numeric value.
std::string FormatNumber(const config_params::Param& param, int64_t number);

}  // namespace rill::config_values
