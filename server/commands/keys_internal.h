// Helpers shared by the generic key command files (keys.cc, keys_expire.cc, keys_object.cc).
// Not a public interface: other command families use the Database API directly.
#pragma once

#include <cstdint>
#include <string_view>

#include "datastructs/keyspace.h"
#include "server/engine/command.h"

namespace rill::keys_internal {

// Redis's keyIsExpired: a key is expired once "now" is strictly past its deadline.
inline bool IsExpired(const ds::Entry& entry, int64_t now_ms) {
  return entry.has_expire() && now_ms > entry.expire_ms();
}

// OBJECT ENCODING's name for a key's value, and OBJECT REFCOUNT's count (DEBUG OBJECT shows
// both too).
std::string_view EncodingName(const ds::Entry& entry);
int64_t Refcount(CommandContext& ctx, const ds::Entry& entry);

// Redis's getIntFromObjectOrReply: an int64 Redis accepts that also fits an int. On failure
// replies `error` (or the generic "not an integer" error when empty) and returns false.
bool ParseIntOrReply(CommandContext& ctx, std::string_view arg, int* out,
                     std::string_view error = {});

void RegisterExpireCommands(CommandTable& table);
void RegisterObjectCommands(CommandTable& table);

// Redis's parseScanCursorOrReply (without the reply): SCAN, and ZSCAN and the other
// per-type scans.
bool ParseScanCursor(std::string_view arg, uint64_t* cursor);

}  // namespace rill::keys_internal
