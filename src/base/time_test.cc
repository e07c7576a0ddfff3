#include "base/time.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(Time, FormatsSilkIsoAndEpoch) {
  int64_t ms = 1795763101123;  // 2026-11-27T07:05:01.123Z
  EXPECT_EQ(FormatTime(ms, TimeFormat::kSilk), "2026/11/27T07:05:01.123");
  EXPECT_EQ(FormatTime(ms, TimeFormat::kIso), "2026-11-27T07:05:01.123Z");
  EXPECT_EQ(FormatTime(ms, TimeFormat::kEpoch), "1795763101.123");
  EXPECT_EQ(FormatTime(0, TimeFormat::kSilk), "1970/01/01T00:00:00.000");
}

TEST(Time, ParsesEveryForm) {
  auto silk = ParseTime("2026/11/27T07:05:01.123");
  ASSERT_TRUE(silk.ok());
  EXPECT_EQ(silk->ms, 1795763101123);
  EXPECT_EQ(ParseTime("2026-11-27T07:05:01.123Z")->ms, 1795763101123);
  EXPECT_EQ(ParseTime("1795763101.123")->ms, 1795763101123);
  auto day = ParseTime("2026/11/27");
  EXPECT_EQ(day->precision, TimePrecision::kDay);
  EXPECT_EQ(day->ms % kMillisPerDay, 0);
  auto hour = ParseTime("2026/11/27:13");
  EXPECT_EQ(hour->precision, TimePrecision::kHour);
  EXPECT_EQ(hour->ms - day->ms, 13 * kMillisPerHour);
}

TEST(Time, RejectsBadDates) {
  EXPECT_FALSE(ParseTime("2026/13/01").ok());
  EXPECT_FALSE(ParseTime("2026/02/30").ok());
  EXPECT_FALSE(ParseTime("2026/11/27:25").ok());
  EXPECT_FALSE(ParseTime("yesterday").ok());
  EXPECT_FALSE(ParseTime("").ok());
}

TEST(Time, RoundTripsAroundHourBoundaries) {
  int64_t hour = 1795759200000;  // an hour boundary
  for (int64_t d : {-1001, -1, 0, 1, 999, 3599999}) {
    int64_t ms = hour + d;
    auto back = ParseTime(FormatTime(ms, TimeFormat::kSilk));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->ms, ms);
    EXPECT_EQ(FloorTo(ms, kMillisPerHour), d < 0 ? hour - kMillisPerHour : hour);
  }
}

TEST(Time, CivilRoundTripAcrossCenturies) {
  for (int64_t days = -800000; days < 800000; days += 997) {
    CivilTime t = CivilFromMillis(days * kMillisPerDay);
    EXPECT_EQ(DaysFromCivil(t.year, t.month, t.day), days);
  }
}

}  // namespace
}  // namespace weir
