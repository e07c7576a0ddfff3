#include "base/strings.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace weir {

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

std::optional<uint64_t> ParseUint(std::string_view s, uint64_t max) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

Result<std::vector<UintRange>> ParseUintRanges(std::string_view text, uint64_t max) {
  std::vector<UintRange> out;
  for (std::string_view piece : Split(text, ',')) {
    piece = Trim(piece);
    auto bad = [&]() {
      return Status::Invalid("invalid value or range '" + std::string(piece) + "' in '" +
                             std::string(text) + "' (values 0-" + std::to_string(max) + ")");
    };
    if (piece.empty()) return bad();
    size_t dash = piece.find('-');
    UintRange r;
    if (dash == std::string_view::npos) {
      auto v = ParseUint(piece, max);
      if (!v) return bad();
      r.low = r.high = *v;
    } else {
      auto lo = ParseUint(piece.substr(0, dash), max);
      std::string_view hi_text = piece.substr(dash + 1);
      auto hi = hi_text.empty() ? std::optional<uint64_t>(max) : ParseUint(hi_text, max);
      if (!lo || !hi || *lo > *hi) return bad();
      r.low = *lo;
      r.high = *hi;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace weir
