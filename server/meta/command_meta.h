// Command metadata: the facts Redis 7.0 reports through COMMAND INFO and COMMAND DOCS (arity,
// flags, key positions, ACL categories, tips, key specs, argument structure), plus summaries and
// history written in Rill's own words. Declared once per command; the command table, COMMAND,
// COMMAND DOCS and arity checks all read from here.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

namespace rill {

struct KeySpecMeta {
  std::string_view notes = {};                   // empty when absent
  std::span<const std::string_view> flags = {};  // "RW", "access", "update", ...
  // begin_search: type "index" (uses bs_index), "keyword" (bs_keyword, bs_startfrom), "unknown"
  std::string_view bs_type = {};
  int bs_index = 0;
  std::string_view bs_keyword = {};
  int bs_startfrom = 0;
  // find_keys: type "range" (fk_lastkey, fk_keystep, fk_limit), "keynum" (fk_keynumidx,
  // fk_firstkey, fk_keystep), "unknown"
  std::string_view fk_type = {};
  int fk_lastkey = 0;
  int fk_keystep = 0;
  int fk_limit = 0;
  int fk_keynumidx = 0;
  int fk_firstkey = 0;
};

enum ArgFlag : uint8_t { kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4 };

struct ArgMeta {
  std::string_view name = {};
  std::string_view type = {};  // "key", "string", "integer", "double", "pattern", "unix-time",
                               // "pure-token", "oneof", "block"
  int key_spec_index = -1;
  std::string_view token = {};
  std::string_view summary = {};
  std::string_view since = {};
  uint8_t flags = 0;
  std::string_view deprecated_since = {};
  std::string_view display_text = {};
  std::span<const ArgMeta> arguments = {};  // for oneof / block
};

struct CommandMeta {
  std::string_view name = {};  // lower case; "config|get" for subcommands
  int arity = 0;
  std::span<const std::string_view> flags = {};  // "write", "denyoom", ...
  int first_key = 0;
  int last_key = 0;
  int key_step = 0;
  std::span<const std::string_view> acl_categories = {};  // "@write", "@string", ...
  std::span<const std::string_view> tips = {};
  std::span<const KeySpecMeta> key_specs = {};
  // Docs.
  std::string_view summary = {};
  std::string_view since = {};
  std::string_view group = {};
  std::string_view complexity = {};
  std::span<const std::string_view> doc_flags = {};  // "deprecated", "syscmd"
  std::string_view deprecated_since = {};
  std::string_view replaced_by = {};
  std::span<const std::pair<std::string_view, std::string_view>> history = {};  // (version, change)
  std::span<const ArgMeta> arguments = {};
  std::span<const CommandMeta> subcommands = {};
};

// Metadata of every Redis 7.0 command, implemented by Rill or not. nullptr if unknown.
// `name` is lower case; subcommands as "config|get".
const CommandMeta* FindCommandMeta(std::string_view name);
// All top-level commands, sorted by name (subcommands hang off their parent).
std::span<const CommandMeta> AllCommandMeta();

// Dispatch flag bits (CommandFlag in server/command.h) from the metadata's flag names.
uint32_t CommandFlagsFromMeta(const CommandMeta& meta);

}  // namespace rill
