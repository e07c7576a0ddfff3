#include "base/time.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace weir {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain).
int64_t DaysFromCivil(int year, int month, int day) {
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromMillis(int64_t ms) {
  int64_t days = FloorTo(ms, kMillisPerDay) / kMillisPerDay;
  int64_t rem = ms - days * kMillisPerDay;
  CivilTime t;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  t.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  t.year = static_cast<int>(yoe + era * 400 + (t.month <= 2 ? 1 : 0));
  t.hour = static_cast<int>(rem / kMillisPerHour);
  rem %= kMillisPerHour;
  t.minute = static_cast<int>(rem / 60000);
  rem %= 60000;
  t.second = static_cast<int>(rem / 1000);
  t.millisecond = static_cast<int>(rem % 1000);
  return t;
}

int64_t MillisFromCivil(const CivilTime& t) {
  return DaysFromCivil(t.year, t.month, t.day) * kMillisPerDay + t.hour * kMillisPerHour +
         t.minute * 60000LL + t.second * 1000LL + t.millisecond;
}

namespace {

// Reads exactly `digits` decimal digits at text[pos]; false if not there.
bool ReadDigits(std::string_view text, size_t& pos, size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  pos += digits;
  return true;
}

// Reads a fraction after '.', returning milliseconds (extra digits truncated).
bool ReadFraction(std::string_view text, size_t& pos, int& ms) {
  size_t start = pos;
  int v = 0, n = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (n < 3) v = v * 10 + (text[pos] - '0'), ++n;
    ++pos;
  }
  if (pos == start) return false;
  while (n < 3) v *= 10, ++n;
  ms = v;
  return true;
}

Status BadTime(std::string_view text) {
  return Status::Invalid("invalid time '" + std::string(text) +
                         "' (expected YYYY/MM/DD[:HH[:MM[:SS[.sss]]]], RFC 3339 or epoch "
                         "seconds)");
}

bool ValidCivil(const CivilTime& t) {
  static constexpr int kDaysIn[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= kDaysIn[t.month - 1] &&
         t.hour < 24 && t.minute < 60 && t.second < 61;
}

}  // namespace

Result<ParsedTime> ParseTime(std::string_view text) {
  if (text.empty()) return BadTime(text);
  // Epoch seconds: only digits (and an optional fraction), no date separators.
  if (text.find_first_of("/-:T ") == std::string_view::npos) {
    size_t pos = 0;
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    // Beyond +-3 million years is not a time (and would overflow milliseconds).
    constexpr int64_t kMaxSeconds = 100'000'000'000'000;
    if (ec != std::errc() || ptr == text.data() || seconds > kMaxSeconds) return BadTime(text);
    pos = static_cast<size_t>(ptr - text.data());
    int ms = 0;
    if (pos < text.size()) {
      if (text[pos] != '.') return BadTime(text);
      ++pos;
      if (!ReadFraction(text, pos, ms) || pos != text.size()) return BadTime(text);
    }
    return ParsedTime{seconds * 1000 + ms, TimePrecision::kMillisecond};
  }
  CivilTime t;
  size_t pos = 0;
  if (!ReadDigits(text, pos, 4, t.year) || pos >= text.size()) return BadTime(text);
  char sep = text[pos];
  if (sep != '/' && sep != '-') return BadTime(text);
  ++pos;
  if (!ReadDigits(text, pos, 2, t.month) || pos >= text.size() || text[pos] != sep)
    return BadTime(text);
  ++pos;
  if (!ReadDigits(text, pos, 2, t.day)) return BadTime(text);
  ParsedTime out;
  out.precision = TimePrecision::kDay;
  auto finish = [&]() -> Result<ParsedTime> {
    if (!ValidCivil(t)) return BadTime(text);
    out.ms = MillisFromCivil(t);
    return out;
  };
  if (pos == text.size()) return finish();
  if (text[pos] != ':' && text[pos] != 'T' && text[pos] != ' ') return BadTime(text);
  ++pos;
  if (!ReadDigits(text, pos, 2, t.hour)) return BadTime(text);
  out.precision = TimePrecision::kHour;
  if (pos == text.size()) return finish();
  if (text[pos] == 'Z' && pos + 1 == text.size()) return finish();
  if (text[pos] != ':') return BadTime(text);
  ++pos;
  if (!ReadDigits(text, pos, 2, t.minute)) return BadTime(text);
  out.precision = TimePrecision::kMinute;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!ReadDigits(text, pos, 2, t.second)) return BadTime(text);
    out.precision = TimePrecision::kSecond;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      if (!ReadFraction(text, pos, t.millisecond)) return BadTime(text);
      out.precision = TimePrecision::kMillisecond;
    }
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return BadTime(text);
  return finish();
}

namespace {

inline void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void AppendTime(std::string& out, int64_t ms, TimeFormat format) {
  if (format == TimeFormat::kEpoch || format == TimeFormat::kEpochMillis) {
    char buf[32];
    int64_t s = FloorTo(ms, 1000) / 1000;
    int n = format == TimeFormat::kEpoch
                ? std::snprintf(buf, sizeof buf, "%lld.%03d", static_cast<long long>(s),
                                static_cast<int>(ms - s * 1000))
                : std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(ms));
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  CivilTime t = CivilFromMillis(ms);
  // "YYYY/MM/DDTHH:MM:SS.mmm" or "YYYY-MM-DDTHH:MM:SS.mmmZ"
  char buf[32];
  char ds = format == TimeFormat::kSilk ? '/' : '-';
  int y = t.year;
  if (y < 0 || y > 9999) y = 0;
  buf[0] = static_cast<char>('0' + y / 1000);
  buf[1] = static_cast<char>('0' + y / 100 % 10);
  Put2(buf + 2, y % 100);
  buf[4] = ds;
  Put2(buf + 5, t.month);
  buf[7] = ds;
  Put2(buf + 8, t.day);
  buf[10] = 'T';
  Put2(buf + 11, t.hour);
  buf[13] = ':';
  Put2(buf + 14, t.minute);
  buf[16] = ':';
  Put2(buf + 17, t.second);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + t.millisecond / 100);
  Put2(buf + 21, t.millisecond % 100);
  size_t n = 23;
  if (format == TimeFormat::kIso) buf[n++] = 'Z';
  out.append(buf, n);
}

std::string FormatTime(int64_t ms, TimeFormat format) {
  std::string s;
  AppendTime(s, ms, format);
  return s;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace weir
