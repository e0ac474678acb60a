#include "datastructs/geohash.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace rill::ds::geo {
namespace {

std::string Fixed4(double d) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", d);
  return buf;
}

// Expected values are redis-server 7.0.15's replies to GEOADD Sicily 13.361389 38.115556
// Palermo 15.087269 37.502669 Catania -179.99999 85.05112878 edge 180 -85.05112878 edge2 and
// ZRANGE WITHSCORES / GEOPOS / GEOHASH / GEODIST on them.
TEST(GeohashTest, ScoresMatchRedis) {
  EXPECT_EQ(EncodeScore(13.361389, 38.115556), 3479099956230698u);
  EXPECT_EQ(EncodeScore(15.087269, 37.502669), 3479447370796909u);
  EXPECT_EQ(EncodeScore(-179.99999, 85.05112878), 4503599627370498u);
  // Longitude 180 overflows the 26 bits into the 53rd, as in Redis.
  EXPECT_EQ(EncodeScore(180, -85.05112878), 9007199254740992u);
}

TEST(GeohashTest, DecodedPositionsMatchRedis) {
  double lon, lat;
  ASSERT_TRUE(DecodeScore(3479099956230698.0, &lon, &lat));
  EXPECT_NEAR(lon, 13.36138933897018433, 1e-14);
  EXPECT_NEAR(lat, 38.11555639549629859, 1e-14);
  ASSERT_TRUE(DecodeScore(4503599627370498.0, &lon, &lat));
  EXPECT_NEAR(lon, -179.99999195337295532, 1e-12);
  EXPECT_NEAR(lat, 85.0511287799999991, 1e-12);
  ASSERT_TRUE(DecodeScore(9007199254740992.0, &lon, &lat));
  EXPECT_EQ(lon, 180);  // clamped
  EXPECT_NEAR(lat, -85.05112751263942528, 1e-12);
  EXPECT_FALSE(DecodeScore(NAN, &lon, &lat));
}

TEST(GeohashTest, GeohashStringsMatchRedis) {
  EXPECT_EQ(GeohashString(3479099956230698.0), "sqc8b49rny0");
  EXPECT_EQ(GeohashString(3479447370796909.0), "sqdtr74hyu0");
  EXPECT_EQ(GeohashString(4503599627370498.0), "bp05b5048p0");
  EXPECT_EQ(GeohashString(9007199254740992.0), "00bh0hbj200");
}

TEST(GeohashTest, DistancesMatchRedis) {
  double lon1, lat1, lon2, lat2;
  DecodeScore(3479099956230698.0, &lon1, &lat1);
  DecodeScore(3479447370796909.0, &lon2, &lat2);
  EXPECT_EQ(Fixed4(Distance(lon1, lat1, lon2, lat2)), "166274.1516");
  DecodeScore(4503599627370498.0, &lon1, &lat1);
  DecodeScore(9007199254740992.0, &lon2, &lat2);
  EXPECT_EQ(Fixed4(Distance(lon1, lat1, lon2, lat2) / 1000), "18919.8446");
  // GEORADIUS Sicily 15 37 200 km WITHDIST: Catania 56.4413, Palermo 190.4424.
  DecodeScore(3479447370796909.0, &lon1, &lat1);
  EXPECT_EQ(Fixed4(Distance(15, 37, lon1, lat1) / 1000), "56.4413");
}

TEST(GeohashTest, CoveringCellsContainEveryPointOfTheShape) {
  // Points on a ring just inside the radius are inside one of the searched cells.
  for (double radius : {100.0, 5000.0, 200000.0, 3000000.0}) {
    for (double clat : {0.0, 45.0, -60.0, 84.0}) {
      Shape s;
      s.lon = 10;
      s.lat = clat;
      s.radius = radius;
      const auto cells = CoveringCells(s);
      for (int k = 0; k < 36; ++k) {
        const double bearing = k * 10 * M_PI / 180;
        const double d = radius * 0.999 / kEarthRadiusMeters;
        const double lat1 = clat * M_PI / 180, lon1 = 10 * M_PI / 180;
        const double lat2 = std::asin(std::sin(lat1) * std::cos(d) +
                                      std::cos(lat1) * std::sin(d) * std::cos(bearing));
        const double lon2 = lon1 + std::atan2(std::sin(bearing) * std::sin(d) * std::cos(lat1),
                                              std::cos(d) - std::sin(lat1) * std::sin(lat2));
        const double plon = lon2 * 180 / M_PI, plat = lat2 * 180 / M_PI;
        if (!ValidCoordinates(plon, plat)) continue;
        const uint64_t score = EncodeScore(plon, plat);
        double dist;
        double dlon, dlat;
        DecodeScore(static_cast<double>(score), &dlon, &dlat);
        if (!Within(s, dlon, dlat, &dist)) continue;  // the cell centre fell outside
        bool covered = false;
        for (const Cell& c : cells) {
          if (c.empty()) continue;
          uint64_t lo, hi;
          CellScoreRange(c, &lo, &hi);
          covered |= score >= lo && score < hi;
        }
        EXPECT_TRUE(covered) << "radius " << radius << " lat " << clat << " bearing " << k * 10;
      }
    }
  }
}

TEST(GeohashTest, BoxIsCheckedAlongEachAxis) {
  Shape box;
  box.box = true;
  box.lon = 0;
  box.lat = 0;
  box.width = 200000;
  box.height = 100000;
  double d;
  EXPECT_TRUE(Within(box, 0.8, 0.4, &d));
  EXPECT_FALSE(Within(box, 0.95, 0, &d));  // 105.7 km east: outside the 100 km half-width
  EXPECT_FALSE(Within(box, 0, 0.46, &d));  // 51.2 km north
  ASSERT_TRUE(Within(box, 0.1, 0.1, &d));
  EXPECT_EQ(Fixed4(d), Fixed4(Distance(0, 0, 0.1, 0.1)));
}

}  // namespace
}  // namespace rill::ds::geo
