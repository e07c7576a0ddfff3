// IpWildcard: SiLK's IP address pattern, as rwfilter's --saddress takes it.
//
// IPv4: four dotted parts, each a number, a range "1-5", a list "1,3,7-9" or "x"
// (any); or an address with a CIDR suffix ("10.0.0.0/8"). IPv6: eight groups in
// the same style with hex numbers, "::" allowed, or address/prefix. Matching checks
// each part; it never expands the pattern. Plain value type.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "net/ip_address.h"

namespace weir {

class IpWildcard {
 public:
  static Result<IpWildcard> Parse(std::string_view text);

  bool Matches(const IpAddress& a) const;
  bool is_v4() const { return v4_; }
  // The smallest and largest addresses the pattern matches (zone-map checks).
  IpAddress low() const { return low_; }
  IpAddress high() const { return high_; }
  // Adds every matching address to set, as ranges; refuses a pattern that needs
  // more than max_ranges ranges ("x.x.x.1" needs 2^24).
  Status AddTo(class IpSet& set, size_t max_ranges) const;

 private:
  struct Part {
    uint16_t low, high;
  };
  bool v4_ = true;
  // v4: four parts of 0-255; v6: eight parts of 0-65535. Each part a list of ranges.
  std::vector<std::vector<Part>> parts_;
  IpAddress low_, high_;
};

}  // namespace weir
