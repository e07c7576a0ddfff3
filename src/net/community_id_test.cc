#include "net/community_id.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <random>
#include <string>
#include <vector>

namespace weir {
namespace {

// The public spec's reference vectors (pycommunityid's test suite): seed 0 and
// seed 1, both directions of each flow.
struct Vector {
  const char* sip;
  const char* dip;
  uint8_t protocol;
  uint16_t sport, dport;
  const char* seed0;
  const char* seed1;
};

constexpr Vector kVectors[] = {
    {"128.232.110.120", "66.35.250.204", 6, 34855, 80,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {"66.35.250.204", "128.232.110.120", 6, 80, 34855,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {"10.0.0.1", "10.0.0.2", 6, 10, 11569,
     "1:SXBGMX1lBOwhhoDrZynfROxnhnM=", "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo="},
    {"192.168.1.52", "8.8.8.8", 17, 54585, 53,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {"8.8.8.8", "192.168.1.52", 17, 53, 54585,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    {"192.168.170.8", "192.168.170.56", 132, 7, 80,
     "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU="},
    {"192.168.170.56", "192.168.170.8", 132, 80, 7,
     "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=", "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU="},
    // ICMP: echo request and reply pair up; type 20 is one-way, its code counts.
    {"192.168.0.89", "192.168.0.1", 1, 8, 0,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {"192.168.0.1", "192.168.0.89", 1, 0, 8,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    {"192.168.0.89", "192.168.0.1", 1, 20, 0,
     "1:3o2RFccXzUgjl7zDpqmY7yJi8rI=", "1:lCXHHxavE1Vq3oX9NH5ladQg02o="},
    {"192.168.0.89", "192.168.0.1", 1, 20, 1,
     "1:tz/fHIDUHs19NkixVVoOZywde+I=", "1:Ie3wmFyxiEyikbsbcO03d2nh+PM="},
    {"192.168.0.1", "192.168.0.89", 1, 0, 20,
     "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
    // ICMPv6: neighbour solicitation and advertisement pair up; type 3 is one-way.
    {"fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {"fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0,
     "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
    {"3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
     "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=", "1:OlOWx9psIbBFi7lOCw/4MhlKR9M="},
    {"3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 58, 3, 0,
     "1:/OGBt9BN1ofenrmSPWYicpij2Vc=", "1:Ij4ZxnC87/MXzhOjvH2vHu7LRmE="},
    // A protocol without ports: addresses and protocol only.
    {"10.1.24.4", "10.1.12.1", 46, 0, 0,
     "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=", "1:BK3BVW3U2eemuwVQVN3zd/GULno="},
    {"10.1.12.1", "10.1.24.4", 46, 0, 0,
     "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=", "1:BK3BVW3U2eemuwVQVN3zd/GULno="},
};

TEST(CommunityId, MatchesTheSpecsVectors) {
  for (const Vector& v : kVectors) {
    auto sip = IpAddress::Parse(v.sip), dip = IpAddress::Parse(v.dip);
    ASSERT_TRUE(sip && dip);
    EXPECT_EQ(CommunityId(0, *sip, *dip, v.protocol, v.sport, v.dport), v.seed0)
        << v.sip << " -> " << v.dip << " proto " << int{v.protocol};
    EXPECT_EQ(CommunityId(1, *sip, *dip, v.protocol, v.sport, v.dport), v.seed1)
        << v.sip << " -> " << v.dip << " proto " << int{v.protocol} << " seed 1";
  }
}

TEST(CommunityId, PortsDecideBetweenEqualAddresses) {
  auto a = *IpAddress::Parse("10.0.0.1");
  EXPECT_EQ(CommunityId(0, a, a, 6, 1234, 80), CommunityId(0, a, a, 6, 80, 1234));
}

// An ID from its message through OpenSSL's whole SHA1() (not the one-block
// compression weir uses): the message's length is in its padding.
std::string ReferenceId(const CommunityIdMessage& m) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = bits << 8 | m.block[56 + static_cast<size_t>(i)];
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1(m.block.data(), bits / 8, d);
  static constexpr char kBase64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s = "1:";
  for (int i = 0; i < 21; i += 3) {
    uint32_t v = uint32_t{d[i]} << 16 | uint32_t{d[i + 1]} << 8 | (i + 2 < 20 ? d[i + 2] : 0);
    s += kBase64[v >> 18];
    s += kBase64[v >> 12 & 63];
    s += kBase64[v >> 6 & 63];
    s += i + 2 < 20 ? kBase64[v & 63] : '=';
  }
  return s;
}

// Many IDs at once (hashed two at a time where the CPU has SHA instructions) equal
// one at a time and the library's SHA-1, for batches of every size up to 40.
TEST(CommunityId, ManyAtOnceEqualOneAtATimeAndTheLibrarysSha1) {
  std::mt19937_64 rng(7);
  auto address = [&] {
    if (rng() % 2) return IpAddress::V4(static_cast<uint32_t>(rng()));
    std::array<uint8_t, 16> b{};
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    return IpAddress::V6(b);
  };
  static constexpr uint8_t kProtocols[] = {0, 1, 6, 17, 46, 58, 132, 255};
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<CommunityIdMessage> messages;
    std::vector<std::string> one;
    for (size_t i = 0; i < n; ++i) {
      IpAddress sip = address(), dip = i % 5 == 0 ? sip : address();
      uint8_t protocol = kProtocols[rng() % 8];
      auto sport = static_cast<uint16_t>(rng()), dport = static_cast<uint16_t>(rng());
      auto seed = static_cast<uint16_t>(rng() % 3 == 0 ? rng() : 0);
      messages.push_back(MakeCommunityIdMessage(seed, sip, dip, protocol, sport, dport));
      one.push_back(CommunityId(seed, sip, dip, protocol, sport, dport));
    }
    std::string all(n * kCommunityIdLength, '\0');
    WriteCommunityIds(messages, all.data());
    for (size_t i = 0; i < n; ++i) {
      std::string id = all.substr(i * kCommunityIdLength, kCommunityIdLength);
      EXPECT_EQ(id, one[i]) << "batch of " << n << ", flow " << i;
      EXPECT_EQ(id, ReferenceId(messages[i])) << "batch of " << n << ", flow " << i;
    }
  }
}

}  // namespace
}  // namespace weir
