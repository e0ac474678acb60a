// The parameters Rill accepts but does not act on yet. A config file, the command line and
// CONFIG SET take them with Redis 7.0's syntax and checks, CONFIG GET shows them, CONFIG
// REWRITE keeps them; only what they would change does not happen. The start-up log names each
// one a config file or the command line sets ("Config 'x' is accepted but has no effect yet in
// Rill"), so that nobody believes a setting works when it does not, nor the reverse.
//
// How the list stays true: tools/check_config_params.py (ctest "config_params") scans server/
// and the layers below for readers, meaning calls of Config::Int, Bool, String, OnChange, OnApply
// or Config::IntParam that name the parameter as a string literal. It fails when a listed
// parameter has a reader (it now does something: take it off the list and document it in
// packaging/rill.conf) or an unlisted one has none (it does nothing: list it, or read it). So
// read parameters by their literal canonical name, where the scan sees them. The config layer's
// own bookkeeping (defaults, clamping, load-time consistency checks such as replicaof against
// cluster-enabled) goes through Config's internals and is not a reader.
#pragma once

#include <span>
#include <string_view>

namespace rill::config_params {

// Canonical names (not aliases), grouped by what Rill lacks.
std::span<const std::string_view> IgnoredParams();
bool IsIgnored(std::string_view canonical_name);

}  // namespace rill::config_params
