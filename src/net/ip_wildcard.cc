#include "net/ip_wildcard.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"
#include "net/ip_set.h"

namespace weir {

namespace {

Status Bad(std::string_view text, std::string_view why) {
  return Status::Invalid("invalid IP address or wildcard '" + std::string(text) +
                         "': " + std::string(why));
}

// Parses one part: "x", or a comma list of values and ranges in `base`.
bool ParsePart(std::string_view text, int base, uint16_t max, std::vector<uint16_t>& lows,
               std::vector<uint16_t>& highs) {
  if (text == "x" || text == "X") {
    lows.push_back(0);
    highs.push_back(max);
    return true;
  }
  for (auto item : Split(text, ',')) {
    if (item.empty()) return false;
    size_t dash = item.find('-');
    auto number = [&](std::string_view s, uint16_t& out) {
      unsigned v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
      if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v > max) return false;
      out = static_cast<uint16_t>(v);
      return true;
    };
    uint16_t lo, hi;
    if (dash == std::string_view::npos) {
      if (!number(item, lo)) return false;
      hi = lo;
    } else if (!number(item.substr(0, dash), lo) || !number(item.substr(dash + 1), hi) || lo > hi) {
      return false;
    }
    lows.push_back(lo);
    highs.push_back(hi);
  }
  return true;
}

}  // namespace

Result<IpWildcard> IpWildcard::Parse(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return Bad(text, "empty");
  IpWildcard w;
  std::vector<std::string_view> pieces;
  auto exact_parts = [&](const IpAddress& low, const IpAddress& high) {
    int n = w.v4_ ? 4 : 8;
    w.parts_.assign(n, {});
    for (int i = 0; i < n; ++i) {
      auto part_of = [&](const IpAddress& a) -> uint16_t {
        const auto& b = a.bytes();
        return w.v4_ ? b[12 + i] : static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
      };
      w.parts_[i].push_back({part_of(low), part_of(high)});
    }
  };
  if (text.find('/') != std::string_view::npos || IpAddress::Parse(text)) {
    auto prefix = IpPrefix::Parse(text);
    if (!prefix) return Bad(text, "not an address or CIDR block");
    w.v4_ = prefix->address.is_v4();
    IpSet one;
    one.AddPrefix(*prefix);
    one.Finish();
    exact_parts(FromUint128(one.ranges()[0].low), FromUint128(one.ranges()[0].high));
  } else if (text.find(':') != std::string_view::npos) {
    w.v4_ = false;
    std::vector<std::string_view> groups;
    size_t gap = text.find("::");
    if (gap != std::string_view::npos) {
      auto left = text.substr(0, gap), right = text.substr(gap + 2);
      if (right.find("::") != std::string_view::npos) return Bad(text, "more than one '::'");
      std::vector<std::string_view> l, r;
      if (!left.empty()) l = Split(left, ':');
      if (!right.empty()) r = Split(right, ':');
      if (l.size() + r.size() > 7) return Bad(text, "too many groups");
      groups = l;
      groups.insert(groups.end(), 8 - l.size() - r.size(), "0");
      groups.insert(groups.end(), r.begin(), r.end());
    } else {
      groups = Split(text, ':');
      if (groups.size() != 8) return Bad(text, "an IPv6 wildcard needs 8 groups or '::'");
    }
    for (auto g : groups) {
      std::vector<uint16_t> lows, highs;
      if (!ParsePart(g, 16, 0xffff, lows, highs))
        return Bad(text, "bad group '" + std::string(g) + "'");
      auto& part = w.parts_.emplace_back();
      for (size_t i = 0; i < lows.size(); ++i) part.push_back({lows[i], highs[i]});
    }
  } else {
    auto octets = Split(text, '.');
    if (octets.size() != 4) return Bad(text, "an IPv4 wildcard needs 4 parts");
    for (auto o : octets) {
      std::vector<uint16_t> lows, highs;
      if (!ParsePart(o, 10, 255, lows, highs))
        return Bad(text, "bad part '" + std::string(o) + "'");
      auto& part = w.parts_.emplace_back();
      for (size_t i = 0; i < lows.size(); ++i) part.push_back({lows[i], highs[i]});
    }
  }
  // Sort each part's ranges; low/high come from the extremes.
  std::array<uint8_t, 16> low{}, high{};
  for (size_t i = 0; i < w.parts_.size(); ++i) {
    auto& part = w.parts_[i];
    std::sort(part.begin(), part.end(), [](Part a, Part b) { return a.low < b.low; });
    uint16_t lo = part.front().low, hi = 0;
    for (auto p : part) hi = std::max(hi, p.high);
    if (w.v4_) {
      low[12 + i] = static_cast<uint8_t>(lo);
      high[12 + i] = static_cast<uint8_t>(hi);
    } else {
      low[2 * i] = static_cast<uint8_t>(lo >> 8);
      low[2 * i + 1] = static_cast<uint8_t>(lo);
      high[2 * i] = static_cast<uint8_t>(hi >> 8);
      high[2 * i + 1] = static_cast<uint8_t>(hi);
    }
  }
  if (w.v4_) low[10] = low[11] = high[10] = high[11] = 0xff;
  w.low_ = IpAddress::V6(low);
  w.high_ = IpAddress::V6(high);
  return w;
}

bool IpWildcard::Matches(const IpAddress& a) const {
  if (v4_ && !a.is_v4()) return false;
  const auto& b = a.bytes();
  for (size_t i = 0; i < parts_.size(); ++i) {
    uint16_t v = v4_ ? b[12 + i] : static_cast<uint16_t>(b[2 * i] << 8 | b[2 * i + 1]);
    bool hit = false;
    for (auto p : parts_[i]) {
      if (v < p.low) break;
      if (v <= p.high) {
        hit = true;
        break;
      }
    }
    if (!hit) return false;
  }
  return true;
}

Status IpWildcard::AddTo(IpSet& set, size_t max_ranges) const {
  // Trailing parts that match everything fold into each range; the last other part
  // contributes whole ranges; the parts before it are enumerated value by value.
  size_t n = parts_.size();
  uint16_t part_max = v4_ ? 255 : 0xffff;
  size_t fixed = n;
  while (fixed > 0 && parts_[fixed - 1].size() == 1 && parts_[fixed - 1][0].low == 0 &&
         parts_[fixed - 1][0].high == part_max)
    --fixed;
  double count = 1;
  for (size_t i = 0; i < fixed; ++i) {
    double values = 0;
    for (auto p : parts_[i]) values += (i + 1 == fixed) ? 1 : p.high - p.low + 1;
    count *= values;
  }
  if (count > static_cast<double>(max_ranges))
    return Status::Invalid("IP wildcard expands to too many ranges for a set");
  int bits = v4_ ? 8 : 16;
  int tail_bits = static_cast<int>(n - fixed) * bits;
  Uint128 base = v4_ ? Uint128{0xffff} << 32 : 0;
  auto add = [&](Uint128 lo, Uint128 hi) {
    set.AddRange(FromUint128(base | lo), FromUint128(base | hi));
  };
  if (fixed == 0) {
    add(0, v4_ ? Uint128{0xffffffffu} : ~Uint128{0});
    return Status::Ok();
  }
  auto expand = [&](auto& self, size_t i, Uint128 prefix) -> void {
    for (auto p : parts_[i]) {
      if (i + 1 == fixed) {
        Uint128 lo = ((prefix << bits) | p.low) << tail_bits;
        Uint128 hi = (((prefix << bits) | p.high) << tail_bits) | ((Uint128{1} << tail_bits) - 1);
        add(lo, hi);
        continue;
      }
      for (uint32_t v = p.low; v <= p.high; ++v) self(self, i + 1, (prefix << bits) | v);
    }
  };
  expand(expand, 0, 0);
  return Status::Ok();
}

}  // namespace weir
