// Helpers shared by the sorted set command files (zsets.cc, zsets_range.cc, zsets_pop.cc,
// zsets_setops.cc, zsets_random.cc) and the geo commands: the configured form limits, a new
// set for FindOrCreate, and the reply shapes of members with scores. Keys are reached through
// the key kit (server/engine/command_context.h).
#pragma once

#include <memory>
#include <string_view>

#include "datastructs/zset.h"
#include "server/commands/zset_ranges.h"
#include "server/engine/command.h"

namespace rill::zsets_internal {

// zset-max-listpack-entries / zset-max-listpack-value, read per command.
ds::ZSetLimits Limits(CommandContext& ctx);
// A new set for `size_hint` members of which the longest has `max_member_len` bytes (Redis's
// zsetTypeCreate: packed when both fit the limits).
std::unique_ptr<ds::ZSet> NewZSet(CommandContext& ctx, size_t size_hint, size_t max_member_len);

// Parses a score argument as ZADD/ZINCRBY do; replies "ERR value is not a valid float".
bool ParseScoreOrReply(CommandContext& ctx, std::string_view arg, double* score);

// The ranks [*first, *first + *count) of the entries in [low, high). For a lex range on a
// packed set this is Redis's listpack scan rather than a count (the two differ only when the
// scores are not all equal, where Redis's answer is the scan's): nothing when the last entry is
// below min or the first above max; else forwards, from the first entry not below min while
// entries are not above max; reversed, from the last entry not above max while entries are not
// below min.
void RangeRanks(const ds::ZSet& z, const ds::ZBound& low, const ds::ZBound& high, bool lex,
                bool reverse, size_t* first, size_t* count);

// ZADD itself (GEOADD runs it on the arguments it builds).
void ZAddCommand(CommandContext& ctx);

// Replies `count` entries from rank `start` (ascending, or descending from `start` counted
// from the top when `reverse`) as Redis's range replies: members, or with `with_scores` RESP2
// member/score pairs flattened, RESP3 an array of [member, score] pairs.
void ReplyRange(CommandContext& ctx, const ds::ZSet& z, size_t start, size_t count, bool reverse,
                bool with_scores);

}  // namespace rill::zsets_internal

namespace rill {
void RegisterZSetBasicCommands(CommandTable& table);   // zsets.cc
void RegisterZSetRangeCommands(CommandTable& table);   // zsets_range.cc
void RegisterZSetPopCommands(CommandTable& table);     // zsets_pop.cc
void RegisterZSetSetOpCommands(CommandTable& table);   // zsets_setops.cc
void RegisterZSetRandomCommands(CommandTable& table);  // zsets_random.cc
}  // namespace rill
