// Helpers shared by the geo command files (geo.cc, geo_search.cc): units, coordinate arguments
// and the reply forms of distances and coordinates, as Redis 7.0's geo.c writes them.
#pragma once

#include <string_view>

#include "server/engine/command.h"

namespace rill::geo_internal {

// Metres per unit for "m", "km", "ft", "mi" (any case); replies Redis's error and returns -1
// otherwise.
double UnitOrReply(CommandContext& ctx, std::string_view unit);
// A longitude/latitude pair as GEOADD and FROMLONLAT take it: "ERR value is not a valid float"
// or "ERR invalid longitude,latitude pair ..." replied on failure.
bool LonLatOrReply(CommandContext& ctx, std::string_view lon_arg, std::string_view lat_arg,
                   double* lon, double* lat);
// A distance: a bulk string with 4 decimals (RESP3 too, as Redis 7.0).
void ReplyDistance(CommandContext& ctx, double d);
// A coordinate: Redis's addReplyHumanLongDouble ("%.17Lf" without trailing zeros; RESP3 double).
void ReplyCoordinate(CommandContext& ctx, double v);

}  // namespace rill::geo_internal

namespace rill {
void RegisterGeoCommands(CommandTable& table);        // geo.cc
void RegisterGeoSearchCommands(CommandTable& table);  // geo_search.cc
}  // namespace rill
