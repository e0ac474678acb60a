// Geohash cells and distances as Redis 7.0's geo commands compute them, so that a geo set's
// scores (52-bit interleaved hashes) mean the same in Rill and Redis and searches find the
// same members in the same order.
//
// A cell at `step` splits longitude [-180, 180] and latitude [-85.05112878, 85.05112878] (the
// Web Mercator limits) into 2^step parts each; its bits interleave the latitude index (even
// bit positions) with the longitude index (odd positions). A member's score is its step-26 cell
// (52 bits) as a double; decoding gives the cell's centre.
//
// Distances are haversine great-circle distances on a sphere of radius 6372797.560856 m.
// Searches cover a shape (circle or box around a point) with the cell containing the point at a
// step estimated from the shape's size, plus its 8 neighbours, minus neighbours outside the
// shape's bounding box; each cell is a contiguous score range of the sorted set.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace rill::ds::geo {

inline constexpr int kStepMax = 26;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct Cell {
  uint64_t bits = 0;
  int step = 0;
  bool empty() const { return bits == 0 && step == 0; }
};

// Whether (lon, lat) may be stored (GEOADD's range check).
bool ValidCoordinates(double lon, double lat);

// The step-26 cell of (lon, lat) as a sorted set score. REQUIRES: ValidCoordinates.
uint64_t EncodeScore(double lon, double lat);
// The centre of a score's cell, clamped to the limits (any score decodes, as in Redis; false
// only for NaN).
bool DecodeScore(double score, double* lon, double* lat);

// GEOHASH's 11-character string for a stored score: the decoded point re-encoded against the
// standard latitude range [-90, 90], 5 bits per character, the last character always '0'.
std::string GeohashString(double score);

// Haversine distance in metres.
double Distance(double lon1, double lat1, double lon2, double lat2);

// A search shape: a circle of `radius` metres or a box `width` x `height` metres centred on
// (lon, lat).
struct Shape {
  bool box = false;
  double lon = 0, lat = 0;
  double radius = 0;
  double width = 0, height = 0;
};

// Whether (lon, lat) is inside the shape; sets *distance (metres from the centre) when it is.
bool Within(const Shape& shape, double lon, double lat, double* distance);

// The cells to search, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW); empty cells
// are skipped by the caller, and so is a cell equal to the previous one searched.
std::array<Cell, 9> CoveringCells(const Shape& shape);

// The score range [*min, *max) of a cell's members.
void CellScoreRange(const Cell& cell, uint64_t* min, uint64_t* max);

}  // namespace rill::ds::geo
