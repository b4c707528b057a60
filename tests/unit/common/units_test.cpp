#include "common/units.hpp"

#include <gtest/gtest.h>

namespace pgw {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("2min"), milliseconds(120'000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(parse_duration(" 3 s "), milliseconds(3000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(ParseDuration, RejectsMissingOrUnknownUnitsAndNegatives) {
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("5sec"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("99999999999999999999h"));
}

TEST(ParseSize, AcceptsUnitsInPowersOf1024) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("64kB"), 65536u);
  EXPECT_EQ(parse_size("16MB"), 16u * 1024 * 1024);
  EXPECT_EQ(parse_size("1GB"), 1024u * 1024 * 1024);
  EXPECT_FALSE(parse_size("1TB"));
  EXPECT_FALSE(parse_size("1.5MB"));
  EXPECT_FALSE(parse_size("99999999999999999999GB"));
}

TEST(Format, RoundTrips) {
  EXPECT_EQ(format_duration(milliseconds(120'000)), "2min");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_size(64 * 1024), "64kB");
  EXPECT_EQ(format_size(1000), "1000B");
}

}  // namespace
}  // namespace pgw
