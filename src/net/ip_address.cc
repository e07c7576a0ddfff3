#include "net/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace weir {

IpAddress IpAddress::FromHalves(uint64_t high, uint64_t low) {
  IpAddress a;
  for (int i = 0; i < 8; ++i) {
    a.bytes_[7 - i] = static_cast<uint8_t>(high >> (8 * i));
    a.bytes_[15 - i] = static_cast<uint8_t>(low >> (8 * i));
  }
  return a;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') != std::string_view::npos) {
    std::array<uint8_t, 16> bytes;
    if (inet_pton(AF_INET6, buf, bytes.data()) != 1) return std::nullopt;
    return V6(bytes);
  }
  if (text.find('.') == std::string_view::npos) {
    uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return V4(v);
  }
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) != 1) return std::nullopt;
  return V4(ntohl(a4.s_addr));
}

namespace {

// The decimal text of each byte value, four bytes per entry (padded with NULs),
// and its length: a dotted quad is then four copies, not divisions.
struct OctetTable {
  char text[256][4];
  uint8_t length[256];
};
constexpr OctetTable MakeOctetTable() {
  OctetTable t{};
  for (unsigned v = 0; v < 256; ++v) {
    uint8_t n = 0;
    if (v >= 100) t.text[v][n++] = static_cast<char>('0' + v / 100);
    if (v >= 10) t.text[v][n++] = static_cast<char>('0' + v / 10 % 10);
    t.text[v][n++] = static_cast<char>('0' + v % 10);
    t.length[v] = n;
  }
  return t;
}
constexpr OctetTable kOctets = MakeOctetTable();

// Dotted quad of 4 bytes at b; writes up to 16 bytes (the last entry's padding).
char* PutDotted(char* p, const uint8_t* b) {
  for (int i = 0; i < 4; ++i) {
    std::memcpy(p, kOctets.text[b[i]], 4);
    p += kOctets.length[b[i]];
    if (i != 3) *p++ = '.';
  }
  return p;
}

}  // namespace

void IpAddress::AppendTo(std::string& out) const {
  char buf[kMaxTextLength];
  out.append(buf, static_cast<size_t>(Write(buf) - buf));
}

char* IpAddress::Write(char* p) const {
  if (is_v4()) return PutDotted(p, bytes_.data() + 12);
  // RFC 5952, character for character what inet_ntop prints (without its printf):
  // the first longest run of two or more zero groups becomes "::", and an address
  // in ::/96 or ::ffff:0:0/96 past its zeros ends in a dotted quad.
  uint16_t words[8];
  for (int i = 0; i < 8; ++i)
    words[i] = static_cast<uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j;
  }
  if (best_len < 2) best = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      p = PutDotted(p, bytes_.data() + 12);
      break;
    }
    const unsigned w = words[i];
    if (w >= 0x1000) *p++ = kHex[w >> 12];
    if (w >= 0x100) *p++ = kHex[w >> 8 & 15];
    if (w >= 0x10) *p++ = kHex[w >> 4 & 15];
    *p++ = kHex[w & 15];
  }
  if (best >= 0 && best + best_len == 8) *p++ = ':';
  return p;
}

IpAddress IpAddress::MaskedTo(int bits) const {
  IpAddress out = *this;
  for (int i = 0; i < 16; ++i) {
    int keep = bits - i * 8;
    if (keep >= 8) continue;
    out.bytes_[i] = keep <= 0 ? 0 : static_cast<uint8_t>(bytes_[i] & (0xff << (8 - keep)));
  }
  return out;
}

std::string IpAddress::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  size_t slash = text.find('/');
  auto addr = IpAddress::Parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  // An IPv4-mapped address written in IPv6 syntax (::ffff:0:0/96) counts 128 bits.
  bool v6_syntax = text.substr(0, slash).find(':') != std::string_view::npos;
  bool v4_bits = addr->is_v4() && !v6_syntax;
  int max = v4_bits ? 32 : 128;
  int length = max;
  if (slash != std::string_view::npos) {
    std::string_view len_text = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
    if (ec != std::errc() || ptr != len_text.data() + len_text.size() || length < 0 || length > max)
      return std::nullopt;
  }
  // Clear host bits so the prefix is canonical.
  IpAddress canonical = addr->MaskedTo(v4_bits ? 96 + length : length);
  if (canonical.is_v4() && !v4_bits) length -= 96;  // /96 or longer inside ::ffff:0:0/96
  return IpPrefix{canonical, length};
}

bool IpPrefix::Contains(const IpAddress& a) const {
  if (address.is_v4() != a.is_v4()) return false;
  int bits = address.is_v4() ? 96 + length : length;
  const auto& x = address.bytes();
  const auto& y = a.bytes();
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

std::string IpPrefix::ToString() const { return address.ToString() + "/" + std::to_string(length); }

}  // namespace weir
