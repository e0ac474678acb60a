#include "datastructs/geohash.h"

#include <cmath>

namespace rill::ds::geo {
namespace {

constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

double Radians(double degrees) { return degrees * kDegToRad; }
double Degrees(double radians) { return radians / kDegToRad; }

// Spreads the low 32 bits of v to the even bit positions of the result.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bit positions of v into the low 32 bits.
uint32_t Gather(uint64_t v) {
  uint64_t x = v & 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

struct Range {
  double min, max;
};
constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};

// The cell of (lon, lat) at `step` within the given ranges; false outside the storable limits
// (checked against the Mercator limits whatever the ranges) or the ranges.
bool Encode(double lon, double lat, int step, Range lon_range, Range lat_range, Cell* cell) {
  if (!ValidCoordinates(lon, lat)) return false;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return false;
  }
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(uint64_t{1} << step);
  lon_offset *= static_cast<double>(uint64_t{1} << step);
  cell->step = step;
  cell->bits =
      Spread(static_cast<uint32_t>(lat_offset)) | (Spread(static_cast<uint32_t>(lon_offset)) << 1);
  return true;
}

struct Area {
  double lon_min, lon_max, lat_min, lat_max;
};

Area Decode(const Cell& cell) {
  const uint32_t lat_index = Gather(cell.bits);
  const uint32_t lon_index = Gather(cell.bits >> 1);
  const double cells = static_cast<double>(uint64_t{1} << cell.step);
  const double lat_scale = kLatRange.max - kLatRange.min;
  const double lon_scale = kLonRange.max - kLonRange.min;
  Area a;
  a.lat_min = kLatRange.min + (lat_index * 1.0 / cells) * lat_scale;
  a.lat_max = kLatRange.min + ((lat_index + 1.0) / cells) * lat_scale;
  a.lon_min = kLonRange.min + (lon_index * 1.0 / cells) * lon_scale;
  a.lon_max = kLonRange.min + ((lon_index + 1.0) / cells) * lon_scale;
  return a;
}

// Moves a cell one step east (+1) or west (-1): the longitude bits (odd positions) count up or
// down with a carry that skips the latitude bits.
Cell MoveLon(Cell c, int d) {
  const int shift = 64 - c.step * 2;
  uint64_t lon = c.bits & 0xaaaaaaaaaaaaaaaaULL;
  const uint64_t lat = c.bits & 0x5555555555555555ULL;
  const uint64_t fill = 0x5555555555555555ULL >> shift;
  if (d > 0) {
    lon += fill + 1;
  } else {
    lon = (lon | fill) - (fill + 1);
  }
  lon &= 0xaaaaaaaaaaaaaaaaULL >> shift;
  c.bits = lon | lat;
  return c;
}

Cell MoveLat(Cell c, int d) {
  const int shift = 64 - c.step * 2;
  const uint64_t lon = c.bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t lat = c.bits & 0x5555555555555555ULL;
  const uint64_t fill = 0xaaaaaaaaaaaaaaaaULL >> shift;
  if (d > 0) {
    lat += fill + 1;
  } else {
    lat = (lat | fill) - (fill + 1);
  }
  lat &= 0x5555555555555555ULL >> shift;
  c.bits = lon | lat;
  return c;
}

// The step at which the centre cell and its neighbours cover `meters` around a point.
int EstimateStep(double meters, double lat) {
  if (meters == 0) return kStepMax;
  int step = 1;
  while (meters < kMercatorMax) {
    meters *= 2;
    ++step;
  }
  step -= 2;
  // Cells narrow towards the poles.
  if (lat > 66 || lat < -66) {
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

// min/max longitude and latitude of the shape. The box is wider on the side nearer the
// equator, so the hemisphere picks which latitude's width is used.
void BoundingBox(const Shape& s, double bounds[4]) {
  const double height = s.box ? s.height / 2 : s.radius;
  const double width = s.box ? s.width / 2 : s.radius;
  const double lat_delta = Degrees(height / kEarthRadiusMeters);
  const double lon_delta_top =
      Degrees(width / kEarthRadiusMeters / std::cos(Radians(s.lat + lat_delta)));
  const double lon_delta_bottom =
      Degrees(width / kEarthRadiusMeters / std::cos(Radians(s.lat - lat_delta)));
  const bool southern = s.lat < 0;
  bounds[0] = southern ? s.lon - lon_delta_bottom : s.lon - lon_delta_top;
  bounds[2] = southern ? s.lon + lon_delta_bottom : s.lon + lon_delta_top;
  bounds[1] = s.lat - lat_delta;
  bounds[3] = s.lat + lat_delta;
}

struct Neighbours {
  Cell center, north, south, east, west, north_east, north_west, south_east, south_west;
};

Neighbours NeighboursOf(const Cell& c) {
  Neighbours n;
  n.center = c;
  n.east = MoveLon(c, 1);
  n.west = MoveLon(c, -1);
  n.south = MoveLat(c, -1);
  n.north = MoveLat(c, 1);
  n.north_west = MoveLat(MoveLon(c, -1), 1);
  n.north_east = MoveLat(MoveLon(c, 1), 1);
  n.south_east = MoveLat(MoveLon(c, 1), -1);
  n.south_west = MoveLat(MoveLon(c, -1), -1);
  return n;
}

}  // namespace

bool ValidCoordinates(double lon, double lat) {
  return !(lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin);
}

uint64_t EncodeScore(double lon, double lat) {
  Cell c;
  Encode(lon, lat, kStepMax, kLonRange, kLatRange, &c);
  return c.bits;
}

bool DecodeScore(double score, double* lon, double* lat) {
  if (std::isnan(score)) return false;
  // Any score decodes, as in Redis (a plain sorted set's scores give clamped coordinates): the
  // double converts to 64 bits as GCC's double -> uint64_t does on x86 (cvttsd2si, whose
  // out-of-range result is 1 << 63): below 2^63 a signed conversion (negative values wrap),
  // above it the conversion of score - 2^63 with the top bit flipped (0 from 2^64 on).
  constexpr double kTwo63 = 9223372036854775808.0;
  auto cvt = [](double d) {
    return (d >= -kTwo63 && d < kTwo63) ? static_cast<uint64_t>(static_cast<int64_t>(d))
                                        : uint64_t{1} << 63;
  };
  const uint64_t bits = score < kTwo63 ? cvt(score) : cvt(score - kTwo63) ^ (uint64_t{1} << 63);
  const Cell c{bits, kStepMax};
  const Area a = Decode(c);
  *lon = (a.lon_min + a.lon_max) / 2;
  *lat = (a.lat_min + a.lat_max) / 2;
  if (*lon > kLonMax) *lon = kLonMax;
  if (*lon < kLonMin) *lon = kLonMin;
  if (*lat > kLatMax) *lat = kLatMax;
  if (*lat < kLatMin) *lat = kLatMin;
  return true;
}

std::string GeohashString(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  DecodeScore(score, &lon, &lat);
  Cell c;
  Encode(lon, lat, kStepMax, Range{-180, 180}, Range{-90, 90}, &c);
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(c.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;  // 52 bits fill ten characters; the eleventh is always '0', as Redis prints it
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lat1r = Radians(lat1), lon1r = Radians(lon1);
  const double lat2r = Radians(lat2), lon2r = Radians(lon2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double v = std::sin((lon2r - lon1r) / 2);
  return 2.0 * kEarthRadiusMeters *
         std::asin(std::sqrt(u * u + std::cos(lat1r) * std::cos(lat2r) * v * v));
}

bool Within(const Shape& s, double lon, double lat, double* distance) {
  if (!s.box) {
    *distance = Distance(s.lon, s.lat, lon, lat);
    return *distance <= s.radius;
  }
  // Box: the east-west distance along the point's own latitude and the north-south distance
  // along its longitude, each against half the box.
  const double lon_distance = Distance(lon, lat, s.lon, lat);
  const double lat_distance = Distance(lon, lat, lon, s.lat);
  if (lon_distance > s.width / 2 || lat_distance > s.height / 2) return false;
  *distance = Distance(s.lon, s.lat, lon, lat);
  return true;
}

std::array<Cell, 9> CoveringCells(const Shape& s) {
  double bounds[4];
  BoundingBox(s, bounds);
  const double min_lon = bounds[0], min_lat = bounds[1], max_lon = bounds[2], max_lat = bounds[3];
  const double meters =
      s.box ? std::sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2)) : s.radius;
  int step = EstimateStep(meters, s.lat);
  Cell center;
  Encode(s.lon, s.lat, step, kLonRange, kLatRange, &center);
  Neighbours n = NeighboursOf(center);
  // A neighbour that does not reach the bounding box's edge means the cells are too small.
  const Area north = Decode(n.north), south = Decode(n.south);
  const Area east = Decode(n.east), west = Decode(n.west);
  const bool too_small = north.lat_max < max_lat || south.lat_min > min_lat ||
                         east.lon_max < max_lon || west.lon_min > min_lon;
  if (step > 1 && too_small) {
    --step;
    Encode(s.lon, s.lat, step, kLonRange, kLatRange, &center);
    n = NeighboursOf(center);
  }
  const Area area = Decode(center);
  // Neighbours wholly outside the bounding box are not searched.
  if (step >= 2) {
    if (area.lat_min < min_lat) n.south = n.south_west = n.south_east = Cell{};
    if (area.lat_max > max_lat) n.north = n.north_east = n.north_west = Cell{};
    if (area.lon_min < min_lon) n.west = n.south_west = n.north_west = Cell{};
    if (area.lon_max > max_lon) n.east = n.south_east = n.north_east = Cell{};
  }
  return {n.center,     n.north,      n.south,      n.east,      n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

void CellScoreRange(const Cell& cell, uint64_t* min, uint64_t* max) {
  const int shift = 52 - cell.step * 2;
  *min = cell.bits << shift;
  *max = (cell.bits + 1) << shift;
}

}  // namespace rill::ds::geo
