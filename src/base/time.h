// Time in weir: signed 64-bit milliseconds since 1970-01-01T00:00:00Z, always UTC.
//
// Formats follow SiLK ("2026/11/27T13:05:01.123"), RFC 3339 ("2026-11-27T13:05:01.123Z")
// and epoch seconds ("1795763101.123"). ParseTime accepts all three, with SiLK's
// partial dates ("2026/11/27", "2026/11/27:13") and reports how precise the text was,
// which rwfilter-style date selection needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir {

inline constexpr int64_t kMillisPerSecond = 1000;
inline constexpr int64_t kMillisPerHour = 3600 * kMillisPerSecond;
inline constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
};

// Days since the epoch for a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int year, int month, int day);
CivilTime CivilFromMillis(int64_t ms);
int64_t MillisFromCivil(const CivilTime& t);

enum class TimePrecision { kDay, kHour, kMinute, kSecond, kMillisecond };

struct ParsedTime {
  int64_t ms = 0;
  TimePrecision precision = TimePrecision::kMillisecond;
};

// Accepts "YYYY/MM/DD[:HH[:MM[:SS[.fff]]]]" (also with 'T' or ' ' before the hour),
// "YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z]" and epoch seconds "SSSSSSSSSS[.fff]".
Result<ParsedTime> ParseTime(std::string_view text);

enum class TimeFormat { kSilk, kIso, kEpoch, kEpochMillis };

// Appends the formatted time to out (no allocation when out has capacity).
void AppendTime(std::string& out, int64_t ms, TimeFormat format);
std::string FormatTime(int64_t ms, TimeFormat format);

// Floors ms to the start of its hour / day.
inline int64_t FloorTo(int64_t ms, int64_t unit) {
  int64_t q = ms / unit;
  if (ms % unit < 0) --q;
  return q * unit;
}

// Current wall-clock time.
int64_t NowMillis();

}  // namespace weir
