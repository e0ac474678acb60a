// The value syntax of redis.conf and redis-server's command line, as Redis 7.0 reads it:
// argument splitting with quotes (sdssplitargs rules), quoting for display (sdscatrepr rules),
// strict integers, memory values with units, and the conversion of `--opt value` command-line
// options into config-file lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/sds_syntax.h"

namespace rill::config_syntax {

// Argument splitting (sdssplitargs) and display quoting (sdscatrepr) live in common/, shared
// with the AOF manifest.
using ::rill::AppendQuoted;
using ::rill::SplitArgs;

// Redis's string2ll: optional '-', digits, no leading zeros (except "0"), no spaces or '+'.
std::optional<int64_t> ParseStrictInt(std::string_view s);

// Redis's memtoull: digits followed by an optional unit b, k (1000), kb (1024), m, mb, g, gb,
// case-insensitive. A leading '-' is an error. Digits are read as strtoull reads them.
std::optional<uint64_t> ParseMemory(std::string_view s);

// Turns redis-server's arguments after the program name (and after the config file, if any)
// into config text: each `--name` starts a new line, the values that follow are quoted. A bare
// `--save` followed by another option or at the end becomes `save ""`. `args` is argv[1..];
// parsing starts at `start` (1 when args[0] is the config file). Sets *from_stdin when a lone
// "-" is the first or the last argument.
std::string CommandLineToConfigText(const std::vector<std::string>& args, size_t start,
                                    bool* from_stdin);

// Lower-cases ASCII letters.
std::string ToLower(std::string_view s);

}  // namespace rill::config_syntax
