// Helpers shared by the list command files (lists.cc, lists_range.cc, lists_move.cc): a new
// list with the configured node size, argument parsing, and the moves and pops that plain and
// blocking commands share. Keys are reached through the key kit (server/engine/command_context.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/list.h"
#include "server/engine/command.h"

namespace rill::lists_internal {

// An empty list with list-max-listpack-size nodes, for FindOrCreate.
std::unique_ptr<ds::List> NewList(CommandContext& ctx);

// Redis's LEFT/RIGHT words for LMOVE/LMPOP; false if neither.
bool ParseEnd(std::string_view arg, bool* left);

// Converts a Redis index (negative from the end) into [0, size); false when out of range.
bool NormalizeIndex(int64_t index, size_t size, size_t* out);

// The timeout of a blocking list command, in seconds as a double: replies Redis's error and
// returns false when invalid. *deadline_ms is 0 for "forever", else an absolute unix ms.
bool ParseTimeoutOrReply(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// Pops one element from the left or right end (the list must be non-empty).
std::string PopEnd(ds::List& list, bool left);

// Moves one element from `source` to `dest` as LMOVE does and replies the element (bulk).
// Both keys must already be checked: `src` non-empty, `dest` missing or a list.
void MoveAndReply(CommandContext& ctx, std::string_view source, ds::List& src,
                  std::string_view dest, bool from_left, bool to_left);

}  // namespace rill::lists_internal

namespace rill {
void RegisterListBasicCommands(CommandTable& table);
void RegisterListRangeCommands(CommandTable& table);
void RegisterListMoveCommands(CommandTable& table);
}  // namespace rill
