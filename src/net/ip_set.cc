#include "net/ip_set.h"

#include <algorithm>

#include "base/strings.h"
#include "net/ip_wildcard.h"

namespace weir {

namespace {

constexpr Uint128 kV4MappedLow = Uint128{0xffff} << 32;
constexpr Uint128 kV4MappedHigh = kV4MappedLow | 0xffffffffu;
constexpr Uint128 kAll = ~Uint128{0};

}  // namespace

void IpSet::AddPrefix(const IpPrefix& p) {
  int bits = p.address.is_v4() ? 96 + p.length : p.length;
  Uint128 low = ToUint128(p.address);
  Uint128 host = bits >= 128 ? 0 : (bits == 0 ? kAll : (Uint128{1} << (128 - bits)) - 1);
  ranges_.push_back({low & ~host, low | host});
  finished_ = false;
}

void IpSet::AddRange(const IpAddress& low, const IpAddress& high) {
  Uint128 lo = ToUint128(low), hi = ToUint128(high);
  if (lo > hi) std::swap(lo, hi);
  ranges_.push_back({lo, hi});
  finished_ = false;
}

void IpSet::AddSet(const IpSet& other) {
  ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  finished_ = false;
}

void IpSet::Finish() {
  if (finished_) return;
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.low < b.low; });
  size_t out = 0;
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (out > 0 && (ranges_[out - 1].high == kAll || ranges_[i].low <= ranges_[out - 1].high + 1)) {
      ranges_[out - 1].high = std::max(ranges_[out - 1].high, ranges_[i].high);
    } else {
      ranges_[out++] = ranges_[i];
    }
  }
  ranges_.resize(out);
  BuildV4();
  finished_ = true;
}

void IpSet::BuildV4() {
  v4_.clear();
  for (const auto& r : ranges_) {
    if (r.high < kV4MappedLow || r.low > kV4MappedHigh) continue;
    Uint128 lo = std::max(r.low, kV4MappedLow), hi = std::min(r.high, kV4MappedHigh);
    v4_.emplace_back(static_cast<uint32_t>(lo), static_cast<uint32_t>(hi));
  }
}

bool IpSet::ContainsV4Sorted(uint32_t v) const {
  auto it = std::upper_bound(
      v4_.begin(), v4_.end(), v,
      [](uint32_t x, const std::pair<uint32_t, uint32_t>& r) { return x < r.first; });
  return it != v4_.begin() && v <= std::prev(it)->second;
}

bool IpSet::ContainsWide(Uint128 v) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), v,
                             [](Uint128 x, const Range& r) { return x < r.low; });
  return it != ranges_.begin() && v <= std::prev(it)->high;
}

bool IpSet::Intersects(const IpAddress& low, const IpAddress& high) const {
  Uint128 lo = ToUint128(low), hi = ToUint128(high);
  // The first range that ends at or after lo must start at or before hi.
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), lo,
                             [](const Range& r, Uint128 x) { return r.high < x; });
  return it != ranges_.end() && it->low <= hi;
}

Uint128 IpSet::AddressCount() const {
  Uint128 total = 0;
  for (const auto& r : ranges_) {
    Uint128 n = r.high - r.low;  // one less than the size, so /0 does not overflow
    if (total + n < total || total + n == kAll) return kAll;
    total += n + 1;
  }
  return total;
}

std::vector<IpPrefix> IpSet::ToPrefixes() const {
  auto trailing_zeros = [](Uint128 v) {
    uint64_t low = static_cast<uint64_t>(v);
    return low != 0 ? __builtin_ctzll(low) : 64 + __builtin_ctzll(static_cast<uint64_t>(v >> 64));
  };
  std::vector<IpPrefix> out;
  for (const auto& r : ranges_) {
    Uint128 lo = r.low;
    while (true) {
      // The largest aligned block that starts at lo and ends within the range.
      int k = lo == 0 ? 128 : trailing_zeros(lo);
      auto span_of = [](int bits) { return bits == 128 ? kAll : (Uint128{1} << bits) - 1; };
      while (k > 0 && span_of(k) > r.high - lo) --k;
      IpAddress a = FromUint128(lo);
      int length = 128 - k;
      // An IPv4-mapped block (always /96 or longer) is written as an IPv4 prefix.
      out.push_back(IpPrefix{a, a.is_v4() ? length - 96 : length});
      if (r.high - lo == span_of(k)) break;
      lo += span_of(k) + 1;
    }
  }
  return out;
}

IpSet IpSet::Union(const IpSet& a, const IpSet& b) {
  IpSet out = a;
  out.AddSet(b);
  out.Finish();
  return out;
}

IpSet IpSet::Intersection(const IpSet& a, const IpSet& b) {
  IpSet out;
  size_t i = 0, j = 0;
  while (i < a.ranges_.size() && j < b.ranges_.size()) {
    Uint128 lo = std::max(a.ranges_[i].low, b.ranges_[j].low);
    Uint128 hi = std::min(a.ranges_[i].high, b.ranges_[j].high);
    if (lo <= hi) out.ranges_.push_back({lo, hi});
    if (a.ranges_[i].high < b.ranges_[j].high)
      ++i;
    else
      ++j;
  }
  out.finished_ = false;
  out.Finish();
  return out;
}

IpSet IpSet::Difference(const IpSet& a, const IpSet& b) {
  IpSet out;
  size_t j = 0;
  for (const auto& r : a.ranges_) {
    Uint128 lo = r.low;
    bool done = false;
    while (j < b.ranges_.size() && b.ranges_[j].high < lo) ++j;
    for (size_t k = j; k < b.ranges_.size() && b.ranges_[k].low <= r.high; ++k) {
      if (b.ranges_[k].low > lo) out.ranges_.push_back({lo, b.ranges_[k].low - 1});
      if (b.ranges_[k].high >= r.high) {
        done = true;
        break;
      }
      lo = b.ranges_[k].high + 1;
    }
    if (!done) out.ranges_.push_back({lo, r.high});
  }
  out.finished_ = false;
  out.Finish();
  return out;
}

bool IpSet::operator==(const IpSet& o) const {
  if (ranges_.size() != o.ranges_.size()) return false;
  for (size_t i = 0; i < ranges_.size(); ++i)
    if (ranges_[i].low != o.ranges_[i].low || ranges_[i].high != o.ranges_[i].high) return false;
  return true;
}

Status AddIpText(std::string_view text, IpSet& set, size_t max_ranges) {
  std::string normal(text);
  for (char& c : normal)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  for (auto word : Split(normal, ' ')) {
    word = Trim(word);
    if (word.empty() || word[0] == '#') continue;
    // A wildcard may itself contain commas ("10.1,2.x.x"); a list of plain items
    // cannot be told apart from one, so try the whole word as a wildcard first.
    auto wildcard = IpWildcard::Parse(word);
    if (wildcard.ok()) {
      WEIR_RETURN_IF_ERROR(wildcard->AddTo(set, max_ranges));
      continue;
    }
    for (auto item : Split(word, ',')) {
      item = Trim(item);
      if (item.empty()) continue;
      auto one = IpWildcard::Parse(item);
      if (!one.ok()) return one.status();
      WEIR_RETURN_IF_ERROR(one->AddTo(set, max_ranges));
    }
  }
  set.Finish();
  return Status::Ok();
}

Result<IpSet> ParseCidrList(std::string_view list) {
  IpSet set;
  for (std::string_view word : Split(list, ',')) {
    auto prefix = IpPrefix::Parse(Trim(word));
    if (!prefix) return Status::Invalid("not a CIDR block: " + std::string(word));
    set.AddPrefix(*prefix);
  }
  set.Finish();
  return set;
}

}  // namespace weir
