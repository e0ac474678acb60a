// Geo commands compared between rill and redis: GEOADD's options and range errors, GEOPOS,
// GEODIST units, GEOHASH, and searches by radius and box from a point or a member with every
// option, RESP2 and RESP3, plus the STORE forms.
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class GeoDiffTest : public DifferentialTest {
 protected:
  template <typename Body>
  void BothProtocols(Body body) {
    body();
    ExpectSame({"FLUSHALL"});
    SendBoth({"HELLO", "3"});
    body();
    SendBoth({"HELLO", "2"});
  }

  void FillSicily() {
    ExpectSame({"GEOADD",    "Sicily",    "13.361389", "38.115556", "Palermo",
                "15.087269", "37.502669", "Catania",   "12.758489", "38.788135",
                "edge1",     "17.241510", "38.788135", "edge2",     "14.5",
                "37.1",      "mid",       "13.5",      "36.9",      "south"});
    std::vector<std::string> many = {"GEOADD", "world"};
    for (int i = 0; i < 300; ++i) {
      many.push_back(std::to_string(-179.5 + (i * 37 % 359)));
      many.push_back(std::to_string(-84.0 + (i * 53 % 168)));
      many.push_back("p" + std::to_string(i));
    }
    ExpectSame(many);
  }
};

TEST_F(GeoDiffTest, AddPosDistHash) {
  BothProtocols([&] {
    FillSicily();
    ExpectSame({"GEOADD", "Sicily", "NX", "1", "1", "Palermo", "2", "2", "new"});
    ExpectSame(
        {"GEOADD", "Sicily", "XX", "CH", "13.361389", "38.115556", "Palermo", "3", "3", "n2"});
    ExpectSame({"GEOADD", "Sicily", "CH", "13.4", "38.1", "Palermo"});
    ExpectSame(
        {"GEOADD", "edges", "-180", "-85.05112878", "a", "180", "85.05112878", "b", "0", "0", "c"});
    ExpectSame({"ZRANGE", "edges", "0", "-1", "WITHSCORES"});
    ExpectSame({"ZRANGE", "Sicily", "0", "-1", "WITHSCORES"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"GEOADD", "g", "181", "0", "x"},
             {"GEOADD", "g", "0", "85.06", "x"},
             {"GEOADD", "g", "x", "0", "m"},
             {"GEOADD", "g", "0", "0"},
             {"GEOADD", "g", "NX", "XX", "0", "0", "m"},
             {"GEOADD", "g", "GT", "0", "0", "m"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"EXISTS", "g"});
    ExpectSame({"GEOPOS", "Sicily", "Palermo", "Catania", "nope", "edge1"});
    ExpectSame({"GEOPOS", "edges", "a", "b", "c"});
    ExpectSame({"GEOPOS", "missing", "a"});
    ExpectSame({"GEOHASH", "Sicily", "Palermo", "Catania", "nope"});
    ExpectSame({"GEOHASH", "edges", "a", "b", "c"});
    ExpectSame({"GEOHASH", "missing", "a", "b"});
    for (const char* unit : {"m", "km", "KM", "ft", "mi"}) {
      ExpectSame({"GEODIST", "Sicily", "Palermo", "Catania", unit});
      ExpectSame({"GEODIST", "edges", "a", "b", unit});
    }
    ExpectSame({"GEODIST", "Sicily", "Palermo", "Catania"});
    ExpectSame({"GEODIST", "Sicily", "Palermo", "nope"});
    ExpectSame({"GEODIST", "missing", "a", "b"});
    ExpectSame({"GEODIST", "Sicily", "Palermo", "Catania", "yards"});
    ExpectSame({"GEODIST", "Sicily", "Palermo", "Catania", "km", "x"});
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"GEOPOS", "str", "a"});
    ExpectSame({"GEOHASH", "str", "a"});
    ExpectSame({"GEODIST", "str", "a", "b"});
    ExpectSame({"GEOADD", "str", "1", "1", "a"});
    // A plain sorted set's scores decode too.
    ExpectSame({"ZADD", "plain", "0", "zero", "-1", "neg", "1e20", "huge"});
    ExpectSame({"GEOPOS", "plain", "zero", "neg", "huge"});
    ExpectSame({"GEOHASH", "plain", "zero", "neg"});
  });
}

// Points at equal distances (members at one spot) under COUNT: Redis sorts with its partial
// quicksort when COUNT leaves points out, and the tied points come out in that algorithm's
// order; with every point returned, in the order the search found them (a stable sort).
TEST_F(GeoDiffTest, TiedDistancesUnderCountComeOutInRedisOrder) {
  std::vector<std::string> add = {"GEOADD", "g"};
  for (int i = 0; i < 60; ++i) {
    add.insert(add.end(), {"13.361389", "38.115556", "same" + std::to_string(i)});
  }
  for (int i = 0; i < 20; ++i) {
    add.insert(add.end(), {std::to_string(13.3 + i * 0.01), "38.1", "near" + std::to_string(i)});
  }
  ExpectSame(add);
  for (const char* count : {"1", "5", "45", "59", "61", "79", "80", "100"}) {
    SCOPED_TRACE(std::string("COUNT ") + count);
    for (const char* order : {"ASC", "DESC"}) {
      ExpectSame({"GEOSEARCH", "g", "FROMLONLAT", "13.361389", "38.115556", "BYRADIUS", "50", "km",
                  "COUNT", count, order, "WITHDIST"});
      ExpectSame({"GEORADIUS", "g", "13.361389", "38.115556", "50", "km", "COUNT", count, order});
    }
    ExpectSame({"GEOSEARCHSTORE", "dst", "g", "FROMMEMBER", "same0", "BYRADIUS", "50", "km",
                "COUNT", count});
    ExpectSame({"ZRANGE", "dst", "0", "-1"});
  }
}

TEST_F(GeoDiffTest, SearchesAndOptions) {
  BothProtocols([&] {
    FillSicily();
    const std::vector<std::vector<std::string>> shapes = {
        {"FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"},
        {"FROMLONLAT", "15", "37", "BYRADIUS", "10", "km"},
        {"FROMMEMBER", "Palermo", "BYRADIUS", "100", "mi"},
        {"FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"},
        {"FROMMEMBER", "mid", "BYBOX", "200", "50", "km"},
        {"FROMLONLAT", "0", "0", "BYRADIUS", "5000", "km"},
        {"FROMLONLAT", "0", "80", "BYBOX", "20000", "2000", "km"},
        {"FROMLONLAT", "0", "0", "BYRADIUS", "0", "m"},
    };
    for (const char* key : {"Sicily", "world"}) {
      for (const auto& shape : shapes) {
        for (const std::vector<std::string>& opts : std::vector<std::vector<std::string>>{
                 {"ASC"},
                 {"DESC", "WITHDIST"},
                 {"WITHCOORD", "WITHHASH", "WITHDIST", "ASC"},
                 {"COUNT", "3"},
                 {"COUNT", "2", "DESC", "WITHDIST"},
                 {"COUNT", "1", "ANY"},
             }) {
          std::vector<std::string> argv = {"GEOSEARCH", key};
          argv.insert(argv.end(), shape.begin(), shape.end());
          argv.insert(argv.end(), opts.begin(), opts.end());
          ExpectSame(argv);
        }
        std::vector<std::string> store = {"GEOSEARCHSTORE", "dest", key};
        store.insert(store.end(), shape.begin(), shape.end());
        ExpectSame(store);
        ExpectSame({"ZRANGE", "dest", "0", "-1", "WITHSCORES"});
        store.push_back("STOREDIST");
        ExpectSame(store);
        ExpectSame({"ZRANGE", "dest", "0", "-1", "WITHSCORES"});
        ExpectSame({"OBJECT", "ENCODING", "dest"});
      }
    }
    ExpectSame({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"});
    ExpectSame({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD", "COUNT", "2"});
    ExpectSame({"GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "DESC"});
    ExpectSame({"GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST", "ASC"});
    ExpectSame({"GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "ASC"});
    ExpectSame({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "r1"});
    ExpectSame({"ZRANGE", "r1", "0", "-1", "WITHSCORES"});
    ExpectSame({"GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "STOREDIST", "r2"});
    ExpectSame({"ZRANGE", "r2", "0", "-1", "WITHSCORES"});
    ExpectSame({"GEORADIUS", "missing", "15", "37", "200", "km", "STORE", "r1"});
    ExpectSame({"EXISTS", "r1"});
    ExpectSame({"GEOSEARCHSTORE", "r2", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"});
    ExpectSame({"EXISTS", "r2"});
    ExpectSame({"GEOSEARCH", "missing", "FROMMEMBER", "x", "BYRADIUS", "1", "km"});
    ExpectSame({"GEORADIUSBYMEMBER", "missing", "x", "1", "km"});
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"GEOSEARCH", "Sicily", "BYRADIUS", "10", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37"},
             {"GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "10", "km"},
             {"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS",
              "1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "10", "km", "BYBOX", "1",
              "1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "yd"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "200", "37", "BYRADIUS", "1", "km"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "ANY"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "0"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "COUNT", "x"},
             {"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km", "STORE", "d"},
             {"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km",
              "WITHDIST"},
             {"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHCOORD"},
             {"GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"},
             {"GEORADIUS", "Sicily", "15", "37", "1", "km", "FROMLONLAT", "1", "1"},
             {"GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"},
             {"GEORADIUS", "Sicily", "15", "x", "1", "km"},
         }) {
      ExpectSame(bad);
    }
    ExpectSame({"SET", "str", "v"});
    ExpectSame({"GEOSEARCH", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"});
    ExpectSame({"GEORADIUS", "str", "15", "37", "1", "km"});
  });
}

}  // namespace
}  // namespace rill::testing
