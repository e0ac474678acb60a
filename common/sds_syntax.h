// Redis's text syntax for argument lists, shared by redis.conf (server/config) and the AOF
// manifest (persistence/aof_manifest): splitting a line into arguments as sdssplitargs does,
// and quoting a value for display as sdscatrepr does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rill {

// Splits a line into arguments: whitespace separates, "double quotes" take C-like escapes
// (\n \r \t \b \a \\ \" \xHH), 'single quotes' take only \'. A closing quote must be followed by
// whitespace or the end. Returns nullopt on unbalanced quotes.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);

// Appends `s` in double quotes with non-printable bytes escaped (sdscatrepr).
void AppendQuoted(std::string* out, std::string_view s);

// True when `s` has to be quoted to survive SplitArgs unchanged (sdsneedsrepr): it contains
// whitespace, a quote, a backslash or a non-printable byte. The empty string needs none (Redis
// writes it bare, which no reader of its own files ever meets).
bool NeedsQuoting(std::string_view s);

}  // namespace rill
