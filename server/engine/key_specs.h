// Key names of a command line, found through the command's key specs (command_meta.h) as Redis
// 7.0's getKeysFromCommandWithSpecs finds them. COMMAND GETKEYS / GETKEYSANDFLAGS show them and
// ACL key permissions check them: one extractor for both.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "server/meta/command_meta.h"

namespace rill {

struct FoundKey {
  size_t pos;  // index into the command line (0 is the command name)
  // The key spec's flags ("RW", "access", "update", ...), or for commands whose flags depend on
  // their arguments (SET with or without GET) the flags Redis reports for this call.
  std::span<const std::string_view> flags;
};

// True if any of the command's key specs names real keys (not "not_key" ones such as SPUBLISH's
// shard channel).
bool CommandHasKeys(const CommandMeta& meta);

// Appends the keys of `args` (args[0] is the command name, subcommand included for containers)
// to `out`. Returns false when the arguments do not fit the specs (a keynum that is not a number,
// a range past the end): Redis then treats the call as naming no keys.
bool FindCommandKeys(const CommandMeta& meta, std::span<const std::string_view> args,
                     std::vector<FoundKey>* out);

// True if a list of metadata flag names holds `flag` ("access", "not_key", "@read" ...).
bool ContainsFlag(std::span<const std::string_view> flags, std::string_view flag);

}  // namespace rill
