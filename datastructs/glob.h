// Glob matching with exactly Redis's rules (stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`,
// `[a-]`, backslash escapes, optional case folding. Used by KEYS, SCAN MATCH, CONFIG GET,
// PSUBSCRIBE and ACL patterns.
#pragma once

#include <string_view>

namespace rill::ds {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace rill::ds
