#include <cstdint>
#include <string>

#include "common/number_parse.h"
#include "gtest/gtest.h"

namespace rill {
namespace {

TEST(ParseInt64Test, AcceptsExactlyTheCanonicalForms) {
  const struct {
    const char* text;
    int64_t value;
  } kAccepted[] = {
      {"0", 0},
      {"1", 1},
      {"-1", -1},
      {"12", 12},
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"1000000", 1000000},
  };
  for (const auto& c : kAccepted) {
    int64_t v = 42;
    EXPECT_TRUE(ParseInt64(c.text, &v)) << c.text;
    EXPECT_EQ(v, c.value) << c.text;
  }
}

TEST(ParseInt64Test, RejectsEverythingThatWouldNotRoundTrip) {
  const char* kRejected[] = {
      "",
      "-",
      "-0",
      "00",
      "007",
      "+1",
      " 1",
      "1 ",
      "1a",
      "0x10",
      "1.0",
      "1e3",
      "--1",
      "9223372036854775808",
      "-9223372036854775809",
      "18446744073709551616",
      "99999999999999999999",
      "-00",
      "012345678901234567890",
  };
  for (const char* text : kRejected) {
    int64_t v = 42;
    EXPECT_FALSE(ParseInt64(text, &v)) << text;
  }
  int64_t v;
  EXPECT_FALSE(ParseInt64(std::string("1\0", 2), &v));
}

TEST(ParseInt64Test, EveryPrintedInt64RoundTrips) {
  for (int64_t n : {INT64_MIN, INT64_MIN + 1, int64_t{-10}, int64_t{-9}, int64_t{9}, int64_t{10},
                    INT64_MAX - 1, INT64_MAX}) {
    int64_t v = 0;
    EXPECT_TRUE(ParseInt64(std::to_string(n), &v)) << n;
    EXPECT_EQ(v, n);
  }
}

}  // namespace
}  // namespace rill
