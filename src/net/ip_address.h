// IpAddress: one type for IPv4 and IPv6.
//
// Stored as 16 bytes in network order; an IPv4 address is held in its IPv4-mapped
// form (::ffff:a.b.c.d), as SiLK does, so one comparison orders both families and
// is_v4() is a prefix test. Plain value type; trivially copyable.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "base/hash.h"

namespace weir {

class IpAddress {
 public:
  constexpr IpAddress() = default;

  static constexpr IpAddress V4(uint32_t host_order) {
    IpAddress a;
    a.bytes_[10] = 0xff;
    a.bytes_[11] = 0xff;
    a.bytes_[12] = static_cast<uint8_t>(host_order >> 24);
    a.bytes_[13] = static_cast<uint8_t>(host_order >> 16);
    a.bytes_[14] = static_cast<uint8_t>(host_order >> 8);
    a.bytes_[15] = static_cast<uint8_t>(host_order);
    return a;
  }
  // The same from the address's four bytes in memory order (v4_word()): two word
  // stores, for decoders that build addresses by the million.
  static IpAddress V4FromWord(uint32_t word) {
    IpAddress a;
    const uint64_t low = 0xffff0000u | uint64_t{word} << 32;  // bytes 8-15, little-endian
    std::memcpy(a.bytes_.data() + 8, &low, 8);
    return a;
  }
  static IpAddress V6(const std::array<uint8_t, 16>& bytes) {
    IpAddress a;
    a.bytes_ = bytes;
    return a;
  }
  // Parses dotted-quad IPv4, any RFC 4291 IPv6 text form, or a decimal integer
  // (an IPv4 address, as SiLK's --integer-ips prints it).
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const {
    uint64_t high, low;
    std::memcpy(&high, bytes_.data(), 8);
    std::memcpy(&low, bytes_.data() + 8, 8);
    // Bytes 0-9 zero and bytes 10-11 0xff, read as little-endian words.
    return high == 0 && (low & 0xffffffffu) == 0xffff0000u;
  }
  // The IPv4 address in host order; meaningful only when is_v4().
  uint32_t v4() const {
    uint32_t v;
    std::memcpy(&v, bytes_.data() + 12, 4);
    return __builtin_bswap32(v);
  }
  // The IPv4 address's four bytes (network order) read as a native word.
  uint32_t v4_word() const {
    uint32_t v;
    std::memcpy(&v, bytes_.data() + 12, 4);
    return v;
  }
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // High and low 64 bits, for ordering and arithmetic.
  uint64_t high64() const {
    uint64_t v;
    std::memcpy(&v, bytes_.data(), 8);
    return __builtin_bswap64(v);
  }
  uint64_t low64() const {
    uint64_t v;
    std::memcpy(&v, bytes_.data() + 8, 8);
    return __builtin_bswap64(v);
  }
  static IpAddress FromHalves(uint64_t high, uint64_t low);

  // The address with every bit past the first `bits` of its 128 cleared (an IPv4
  // address's own bits start at 96).
  IpAddress MaskedTo(int bits) const;

  // Canonical text: dotted quad for IPv4, RFC 5952 for IPv6.
  std::string ToString() const;
  void AppendTo(std::string& out) const;
  // Writes the canonical text at p, which must have kMaxTextLength bytes of room,
  // and returns its end.
  static constexpr size_t kMaxTextLength = 48;
  char* Write(char* p) const;

  std::strong_ordering operator<=>(const IpAddress& o) const {
    if (auto c = high64() <=> o.high64(); c != 0) return c;
    return low64() <=> o.low64();
  }
  bool operator==(const IpAddress& o) const {
    return std::memcmp(bytes_.data(), o.bytes_.data(), 16) == 0;
  }

 private:
  std::array<uint8_t, 16> bytes_{};
};

// An address with a prefix length: 10.0.0.0/8 or 2001:db8::/32. For IPv4 the length
// counts IPv4 bits (0-32).
// Hashes an address for hash tables (every bit of it reaches every bit of the hash).
struct IpAddressHash {
  size_t operator()(const IpAddress& a) const {
    return static_cast<size_t>(Mix64(a.high64() * 0x9E3779B97F4A7C15ull ^ a.low64()));
  }
};

struct IpPrefix {
  IpAddress address;
  int length = 0;

  static std::optional<IpPrefix> Parse(std::string_view text);
  bool Contains(const IpAddress& a) const;
  std::string ToString() const;
};

}  // namespace weir
