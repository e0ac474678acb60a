// GEOADD GEOPOS GEODIST GEOHASH: geo sets are sorted sets whose scores are 52-bit geohash cells
// (datastructs/geohash.h), so a geo set written by Rill or Redis reads the same in the other.
#include <cstdio>
#include <string>
#include <vector>

#include "common/number_format.h"
#include "common/number_parse.h"
#include "common/string_util.h"
#include "datastructs/geohash.h"
#include "protocol/errors.h"
#include "server/commands/geo_internal.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace geo_internal {

double UnitOrReply(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

bool LonLatOrReply(CommandContext& ctx, std::string_view lon_arg, std::string_view lat_arg,
                   double* lon, double* lat) {
  if (!ParseDouble(lon_arg, lon) || !ParseDouble(lat_arg, lat)) {
    ctx.reply.Error(errors::kNotFloat);
    return false;
  }
  if (!ds::geo::ValidCoordinates(*lon, *lat)) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", *lon, *lat);
    ctx.reply.Error(buf);
    return false;
  }
  return true;
}

void ReplyDistance(CommandContext& ctx, double d) {
  char buf[128];
  const int n = std::snprintf(buf, sizeof(buf), "%.4f", d);
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

void ReplyCoordinate(CommandContext& ctx, double v) {
  // Redis's addReplyHumanLongDouble: "%.17Lf" without trailing zeros; a RESP3 double.
  const std::string text = FormatHumanLongDouble(v);
  if (ctx.reply.resp3()) {
    ctx.reply.Raw(",");
    ctx.reply.Raw(text);
    ctx.reply.Raw("\r\n");
  } else {
    ctx.reply.Bulk(text);
  }
}

}  // namespace geo_internal

namespace {

using geo_internal::LonLatOrReply;

// GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with the cells as scores, and propagated as
// that ZADD (as Redis replaces the command vector).
void CmdGeoAdd(CommandContext& ctx) {
  size_t at = 2;
  bool nx = false, xx = false;
  for (; at < ctx.argc(); ++at) {
    const std::string_view opt = ctx.args[at];
    if (EqualsIgnoreCase(opt, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      xx = true;
    } else if (!EqualsIgnoreCase(opt, "ch")) {
      break;
    }
  }
  if ((ctx.argc() - at) % 3 != 0 || (nx && xx)) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  std::vector<std::string> zadd = {"zadd"};  // lower case: Redis builds it so
  for (size_t i = 1; i < at; ++i) zadd.emplace_back(ctx.args[i]);
  for (size_t i = at; i < ctx.argc(); i += 3) {
    double lon, lat;
    if (!LonLatOrReply(ctx, ctx.args[i], ctx.args[i + 1], &lon, &lat)) return;
    zadd.push_back(std::to_string(ds::geo::EncodeScore(lon, lat)));
    zadd.emplace_back(ctx.args[i + 2]);
  }
  std::vector<std::string_view> views(zadd.begin(), zadd.end());
  CommandContext as_zadd(ctx.engine, ctx.client, views, ctx.reply, ctx.now_ms);
  zsets_internal::ZAddCommand(as_zadd);
  ctx.RewriteCommand(std::move(zadd));
}

void CmdGeoPos(CommandContext& ctx) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score, lon, lat;
    if (found.value == nullptr || !found.value->Score(ctx.args[i], &score) ||
        !ds::geo::DecodeScore(score, &lon, &lat)) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.ArrayHeader(2);
    geo_internal::ReplyCoordinate(ctx, lon);
    geo_internal::ReplyCoordinate(ctx, lat);
  }
}

void CmdGeoDist(CommandContext& ctx) {
  double to_meters = 1;
  if (ctx.argc() == 5) {
    to_meters = geo_internal::UnitOrReply(ctx, ctx.args[4]);
    if (to_meters < 0) return;
  } else if (ctx.argc() > 5) {
    ctx.reply.Error(errors::kSyntax);
    return;
  }
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  double s1, s2, lon1, lat1, lon2, lat2;
  if (found.value == nullptr || !found.value->Score(ctx.args[2], &s1) ||
      !found.value->Score(ctx.args[3], &s2) || !ds::geo::DecodeScore(s1, &lon1, &lat1) ||
      !ds::geo::DecodeScore(s2, &lon2, &lat2)) {
    ctx.reply.Null();
    return;
  }
  geo_internal::ReplyDistance(ctx, ds::geo::Distance(lon1, lat1, lon2, lat2) / to_meters);
}

void CmdGeoHash(CommandContext& ctx) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[1], kRead);
  if (found.wrong_type) return;
  ctx.reply.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    double score;
    if (found.value == nullptr || !found.value->Score(ctx.args[i], &score)) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Bulk(ds::geo::GeohashString(score));
  }
}

}  // namespace

void RegisterGeoCommands(CommandTable& table) {
  table.Add("geoadd", CmdGeoAdd);
  table.Add("geopos", CmdGeoPos);
  table.Add("geodist", CmdGeoDist);
  table.Add("geohash", CmdGeoHash);
}

}  // namespace rill
