// GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO: Redis
// 7.0's georadiusGeneric — the shape's 3x3 covering cells searched in order, each a score range
// of the set, members kept when inside the shape, then sorted, counted and replied or stored.
#include <algorithm>
#include <string>
#include <vector>

#include "common/number_parse.h"
#include "common/partial_quick_sort.h"
#include "common/string_util.h"
#include "datastructs/geohash.h"
#include "protocol/errors.h"
#include "server/commands/geo_internal.h"
#include "server/commands/zsets_internal.h"
#include "server/engine/command_context.h"
#include "server/engine/engine.h"

namespace rill {
namespace {

constexpr unsigned kByCoords = 1;      // GEORADIUS: lon lat radius unit
constexpr unsigned kByMember = 2;      // GEORADIUSBYMEMBER: member radius unit
constexpr unsigned kNoStore = 4;       // the _RO forms
constexpr unsigned kSearch = 8;        // GEOSEARCH's FROM... / BY... arguments
constexpr unsigned kSearchStore = 16;  // GEOSEARCHSTORE

struct Point {
  double lon, lat;
  double dist;  // metres, then in the unit
  double score;
  std::string member;
};

bool ParseNonNegative(CommandContext& ctx, std::string_view arg, std::string_view not_number,
                      std::string_view negative, double* out) {
  if (!ParseDouble(arg, out)) {
    ctx.reply.Error(not_number);
    return false;
  }
  if (*out < 0) {
    ctx.reply.Error(negative);
    return false;
  }
  return true;
}

bool RadiusOrReply(CommandContext& ctx, size_t at, ds::geo::Shape* shape, double* to_meters) {
  double radius;
  if (!ParseNonNegative(ctx, ctx.args[at], "ERR need numeric radius",
                        "ERR radius cannot be negative", &radius)) {
    return false;
  }
  *to_meters = geo_internal::UnitOrReply(ctx, ctx.args[at + 1]);
  if (*to_meters < 0) return false;
  shape->box = false;
  shape->radius = radius * *to_meters;
  return true;
}

bool BoxOrReply(CommandContext& ctx, size_t at, ds::geo::Shape* shape, double* to_meters) {
  double w, h;
  if (!ParseDouble(ctx.args[at], &w)) {
    ctx.reply.Error("ERR need numeric width");
    return false;
  }
  if (!ParseDouble(ctx.args[at + 1], &h)) {
    ctx.reply.Error("ERR need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  *to_meters = geo_internal::UnitOrReply(ctx, ctx.args[at + 2]);
  if (*to_meters < 0) return false;
  shape->box = true;
  shape->width = w * *to_meters;
  shape->height = h * *to_meters;
  return true;
}

bool MemberPositionOrReply(CommandContext& ctx, const ds::ZSet& z, std::string_view member,
                           ds::geo::Shape* shape) {
  double score;
  if (!z.Score(member, &score) || !ds::geo::DecodeScore(score, &shape->lon, &shape->lat)) {
    ctx.reply.Error("ERR could not decode requested zset member");
    return false;
  }
  return true;
}

// The members of `z` inside `shape`, cell by cell in Redis's order; stops at `limit` (ANY).
std::vector<Point> Search(const ds::ZSet& z, const ds::geo::Shape& shape, size_t limit) {
  std::vector<Point> found;
  const auto cells = ds::geo::CoveringCells(shape);
  int last = -1;
  for (int i = 0; i < static_cast<int>(cells.size()); ++i) {
    const ds::geo::Cell& cell = cells[static_cast<size_t>(i)];
    if (cell.empty()) continue;
    // Huge radii can make neighbours repeat the cell just searched.
    if (last >= 0 && cell.bits == cells[static_cast<size_t>(last)].bits &&
        cell.step == cells[static_cast<size_t>(last)].step) {
      continue;
    }
    if (limit != 0 && found.size() >= limit) break;
    uint64_t lo, hi;
    ds::geo::CellScoreRange(cell, &lo, &hi);
    const size_t first = z.CountBefore(ds::ZBound::ScoreBelow(static_cast<double>(lo)));
    const size_t end = z.CountBefore(ds::ZBound::ScoreBelow(static_cast<double>(hi)));
    if (end > first) {
      z.ForRange(first, end - 1, false, [&](double score, std::string_view member) {
        Point p;
        if (!ds::geo::DecodeScore(score, &p.lon, &p.lat)) return true;
        if (!ds::geo::Within(shape, p.lon, p.lat, &p.dist)) return true;
        p.score = score;
        p.member.assign(member);
        found.push_back(std::move(p));
        return limit == 0 || found.size() < limit;
      });
    }
    last = i;
  }
  return found;
}

void SearchGeneric(CommandContext& ctx, size_t src_at, unsigned flags) {
  TypedKey<ds::ZSet> found = ctx.FindTyped<ds::ZSet>(ctx.args[src_at], kRead);
  if (found.wrong_type) return;
  const ds::ZSet* z = found.value;
  ds::geo::Shape shape;
  double to_meters = 1;
  std::string_view store_key;
  bool store_dist = false;
  size_t base;
  if (flags & kByCoords) {
    base = 6;
    if (!geo_internal::LonLatOrReply(ctx, ctx.args[2], ctx.args[3], &shape.lon, &shape.lat)) {
      return;
    }
    if (!RadiusOrReply(ctx, 4, &shape, &to_meters)) return;
  } else if (flags & kByMember) {
    base = 5;
    if (z != nullptr) {
      if (!MemberPositionOrReply(ctx, *z, ctx.args[2], &shape)) return;
      if (!RadiusOrReply(ctx, 3, &shape, &to_meters)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      store_key = ctx.args[1];
    }
  }
  bool with_dist = false, with_hash = false, with_coords = false;
  bool from_member = false, from_loc = false, by_radius = false, by_box = false, any = false;
  int sort = 0;  // 0 none, 1 asc, -1 desc
  int64_t count = 0;
  const size_t remaining = ctx.argc() - base;
  for (size_t i = 0; i < remaining; ++i) {
    const std::string_view arg = ctx.args[base + i];
    if (EqualsIgnoreCase(arg, "withdist")) {
      with_dist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      with_hash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      with_coords = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = 1;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = -1;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      if (!ParseInt64(ctx.args[base + i + 1], &count)) {
        ctx.reply.Error(errors::kNotInteger);
        return;
      }
      if (count <= 0) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      ++i;
    } else if ((EqualsIgnoreCase(arg, "store") || EqualsIgnoreCase(arg, "storedist")) &&
               i + 1 < remaining && !(flags & kNoStore) && !(flags & kSearch)) {
      store_key = ctx.args[base + i + 1];
      store_dist = EqualsIgnoreCase(arg, "storedist");
      ++i;
    } else if (EqualsIgnoreCase(arg, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
      store_dist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && (flags & kSearch) &&
               !from_loc) {
      if (z != nullptr && !MemberPositionOrReply(ctx, *z, ctx.args[base + i + 1], &shape)) {
        return;
      }
      from_member = true;
      ++i;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && (flags & kSearch) &&
               !from_member) {
      if (!geo_internal::LonLatOrReply(ctx, ctx.args[base + i + 1], ctx.args[base + i + 2],
                                       &shape.lon, &shape.lat)) {
        return;
      }
      from_loc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && (flags & kSearch) &&
               !by_box) {
      if (!RadiusOrReply(ctx, base + i + 1, &shape, &to_meters)) return;
      by_radius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && (flags & kSearch) &&
               !by_radius) {
      if (!BoxOrReply(ctx, base + i + 1, &shape, &to_meters)) return;
      by_box = true;
      i += 3;
    } else {
      ctx.reply.Error(errors::kSyntax);
      return;
    }
  }
  if (!store_key.empty() && (with_dist || with_hash || with_coords)) {
    ctx.reply.Error(std::string("ERR ") +
                    ((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                    " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if ((flags & kSearch) && !(from_member || from_loc)) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                    std::string(ctx.args[0]));
    return;
  }
  if ((flags & kSearch) && !(by_radius || by_box)) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                    std::string(ctx.args[0]));
    return;
  }
  if (any && count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return;
  }
  const std::string store(store_key);
  if (z == nullptr) {
    if (!store.empty()) {
      if (ctx.db().Delete(store)) ctx.Modified(store, 'g', "del");
      ctx.reply.Integer(0);
    } else {
      ctx.reply.EmptyArray();
    }
    return;
  }
  if (count != 0 && sort == 0 && !any) sort = 1;
  std::vector<Point> points = Search(*z, shape, any ? static_cast<size_t>(count) : 0);
  if (points.empty() && store.empty()) {
    ctx.reply.EmptyArray();
    return;
  }
  const size_t returned = count == 0 || points.size() < static_cast<uint64_t>(count)
                              ? points.size()
                              : static_cast<size_t>(count);
  if (sort != 0) {
    // As Redis: glibc's qsort (stable) when every point is returned, its partial quicksort
    // when COUNT leaves some out, which puts points at equal distances in an order of its own.
    if (returned == points.size()) {
      std::stable_sort(points.begin(), points.end(), [sort](const Point& a, const Point& b) {
        return sort > 0 ? a.dist < b.dist : a.dist > b.dist;
      });
    } else {
      PartialQuickSort(std::span<Point>(points), 0, static_cast<ptrdiff_t>(returned) - 1,
                       [sort](const Point& a, const Point& b) {
                         const int cmp = a.dist > b.dist ? 1 : (a.dist == b.dist ? 0 : -1);
                         return sort > 0 ? cmp : -cmp;
                       });
    }
  }
  for (size_t i = 0; i < returned; ++i) points[i].dist /= to_meters;
  if (store.empty()) {
    const size_t options = with_dist + with_coords + with_hash;
    ctx.reply.ArrayHeader(returned);
    for (size_t i = 0; i < returned; ++i) {
      const Point& p = points[i];
      if (options != 0) ctx.reply.ArrayHeader(options + 1);
      ctx.reply.Bulk(p.member);
      if (with_dist) geo_internal::ReplyDistance(ctx, p.dist);
      if (with_hash) ctx.reply.Integer(static_cast<int64_t>(p.score));
      if (with_coords) {
        ctx.reply.ArrayHeader(2);
        geo_internal::ReplyCoordinate(ctx, p.lon);
        geo_internal::ReplyCoordinate(ctx, p.lat);
      }
    }
    return;
  }
  if (returned == 0) {
    if (ctx.db().Delete(store)) ctx.Modified(store, 'g', "del");
    ctx.reply.Integer(0);
    return;
  }
  size_t longest = 0;
  for (size_t i = 0; i < returned; ++i) longest = std::max(longest, points[i].member.size());
  std::unique_ptr<ds::ZSet> out = zsets_internal::NewZSet(ctx, returned, longest);
  const ds::ZSetLimits limits = zsets_internal::Limits(ctx);
  for (size_t i = 0; i < returned; ++i) {
    // Set, not Insert: a member found through two covering cells would come twice.
    out->Set(points[i].member, store_dist ? points[i].dist : points[i].score, limits);
  }
  ctx.db().SetObject(store, std::move(out));
  ctx.Modified(store, 'z', (flags & kSearch) ? "geosearchstore" : "georadiusstore", returned);
  ctx.reply.Integer(static_cast<int64_t>(returned));
}

void CmdGeoRadius(CommandContext& ctx) { SearchGeneric(ctx, 1, kByCoords); }
void CmdGeoRadiusRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kByCoords | kNoStore); }
void CmdGeoRadiusByMember(CommandContext& ctx) { SearchGeneric(ctx, 1, kByMember); }
void CmdGeoRadiusByMemberRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kByMember | kNoStore); }
void CmdGeoSearch(CommandContext& ctx) { SearchGeneric(ctx, 1, kSearch); }
void CmdGeoSearchStore(CommandContext& ctx) { SearchGeneric(ctx, 2, kSearch | kSearchStore); }

}  // namespace

void RegisterGeoSearchCommands(CommandTable& table) {
  table.Add("georadius", CmdGeoRadius);
  table.Add("georadius_ro", CmdGeoRadiusRo);
  table.Add("georadiusbymember", CmdGeoRadiusByMember);
  table.Add("georadiusbymember_ro", CmdGeoRadiusByMemberRo);
  table.Add("geosearch", CmdGeoSearch);
  table.Add("geosearchstore", CmdGeoSearchStore);
}

}  // namespace rill
