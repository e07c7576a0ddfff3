// IpSet: a set of IPv4 and IPv6 addresses held as sorted, disjoint ranges.
//
// Built by adding addresses, prefixes and ranges, then Finish() sorts and merges
// them; after that Contains() is a binary search (IPv4 lookups use a 32-bit copy
// of the IPv4 part). IPv4 addresses live in their IPv4-mapped form, as IpAddress
// holds them. Plain value type; const methods are safe to call from many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/ip_address.h"

namespace weir {

using Uint128 = unsigned __int128;

inline Uint128 ToUint128(const IpAddress& a) { return (Uint128{a.high64()} << 64) | a.low64(); }
inline IpAddress FromUint128(Uint128 v) {
  return IpAddress::FromHalves(static_cast<uint64_t>(v >> 64), static_cast<uint64_t>(v));
}

class IpSet {
 public:
  struct Range {
    Uint128 low, high;  // inclusive
  };

  void Add(const IpAddress& a) { AddRange(a, a); }
  void AddPrefix(const IpPrefix& p);
  void AddRange(const IpAddress& low, const IpAddress& high);
  void AddSet(const IpSet& other);
  // Sorts and merges the ranges added so far. Contains() needs it.
  void Finish();

  bool Contains(const IpAddress& a) const {
    if (a.is_v4()) return ContainsV4(a.v4());
    return ContainsWide(ToUint128(a));
  }
  bool ContainsV4(uint32_t v4) const {
    if (v4_.size() > 8) return ContainsV4Sorted(v4);
    for (const auto& [lo, hi] : v4_)  // a few ranges (sensor.conf's blocks): no search
      if (v4 >= lo && v4 <= hi) return true;
    return false;
  }
  // True when some address in [low, high] is in the set (zone-map checks).
  bool Intersects(const IpAddress& low, const IpAddress& high) const;

  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  // Number of addresses, saturating at 2^128 - 1.
  Uint128 AddressCount() const;
  // The fewest CIDR blocks that cover exactly the set, in order.
  std::vector<IpPrefix> ToPrefixes() const;

  static IpSet Union(const IpSet& a, const IpSet& b);
  static IpSet Intersection(const IpSet& a, const IpSet& b);
  static IpSet Difference(const IpSet& a, const IpSet& b);

  bool operator==(const IpSet& o) const;

 private:
  bool ContainsWide(Uint128 v) const;
  bool ContainsV4Sorted(uint32_t v4) const;
  void BuildV4();

  std::vector<Range> ranges_;
  std::vector<std::pair<uint32_t, uint32_t>> v4_;  // the IPv4-mapped part, host order
  bool finished_ = true;
};

// Parses one IP, CIDR block or SiLK IP wildcard per item of a comma- or
// whitespace-separated text into set. Wildcards expand to their addresses; one
// with more than `max_ranges` ranges is refused.
Status AddIpText(std::string_view text, IpSet& set, size_t max_ranges = 1u << 24);

// A comma-separated list of CIDR blocks ("10.0.0.0/8, 2001:db8::/32") as a set.
Result<IpSet> ParseCidrList(std::string_view list);

}  // namespace weir
