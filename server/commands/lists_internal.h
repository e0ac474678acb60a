// Helpers shared by the list command files (lists.cc, lists_range.cc, lists_move.cc): lookup
// with Redis's type check, creation with the configured node size, and the bookkeeping every
// list write does (WATCH, notifications, dirty counter, waking blocked clients).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datastructs/list.h"
#include "server/engine/command.h"

namespace rill::lists_internal {

// Lookup for reading (hit/miss statistics) or writing. Returns the list, or nullptr when the
// key is missing (*wrong_type false) or holds another type (*wrong_type true, WRONGTYPE
// already replied).
ds::List* LookupRead(CommandContext& ctx, std::string_view key, bool* wrong_type);
ds::List* LookupWrite(CommandContext& ctx, std::string_view key, bool* wrong_type);
// Creates an empty list at `key` (which must be absent) with list-max-listpack-size nodes.
ds::List* CreateList(CommandContext& ctx, std::string_view key);

// After a write: KeyModified (which also wakes clients blocked on the key), the keyspace event
// (class 'l'), one dirty change.
void SignalWrite(CommandContext& ctx, std::string_view key, std::string_view event);
// After elements were removed: deletes the key (with its "del" event) when the list is empty.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, const ds::List& list);

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
