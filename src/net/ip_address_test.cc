#include "net/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>

namespace weir {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::Parse("192.0.2.1");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->v4(), 0xC0000201u);
  EXPECT_EQ(v4->ToString(), "192.0.2.1");
  auto v6 = IpAddress::Parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->ToString(), "2001:db8::1");
  EXPECT_EQ(IpAddress::Parse("3221225985")->ToString(), "192.0.2.1");
  EXPECT_FALSE(IpAddress::Parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::Parse("1.2.3"));
  EXPECT_FALSE(IpAddress::Parse("2001:::1"));
  EXPECT_FALSE(IpAddress::Parse(""));
}

TEST(IpAddress, PrintsIpv6ExactlyAsInetNtop) {
  std::mt19937_64 rng(7);
  auto check = [](const std::array<uint8_t, 16>& b) {
    char expected[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, b.data(), expected, sizeof expected), nullptr);
    IpAddress a = IpAddress::V6(b);
    if (a.is_v4()) return;  // printed as IPv4 by design
    ASSERT_EQ(a.ToString(), expected);
  };
  for (int k = 0; k < 200000; ++k) {
    std::array<uint8_t, 16> b{};
    // Zero groups are what the rules are about: make them common.
    for (int g = 0; g < 8; ++g) {
      const uint64_t r = rng();
      if (r % 3 == 0) continue;
      const uint16_t w = static_cast<uint16_t>(r % 5 == 0 ? (r >> 8) & 0xf : r >> 16);
      b[2 * g] = static_cast<uint8_t>(w >> 8);
      b[2 * g + 1] = static_cast<uint8_t>(w);
    }
    check(b);
  }
  for (const char* text :
       {"::", "::1", "::2:3", "::ffff:0:1", "1::", "1:0:0:2::3", "0:0:1::", "2001:db8::1:0:0:1",
        "fe80::", "::0.0.0.2", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "64:ff9b::1.2.3.4"}) {
    std::array<uint8_t, 16> b;
    ASSERT_EQ(inet_pton(AF_INET6, text, b.data()), 1) << text;
    check(b);
  }
}

TEST(IpAddress, OrdersIpv4BeforeIpv6) {
  EXPECT_LT(*IpAddress::Parse("10.0.0.1"), *IpAddress::Parse("10.0.0.2"));
  EXPECT_LT(*IpAddress::Parse("::1"), *IpAddress::Parse("10.0.0.1"));  // ::1 < ::ffff:...
  auto a = *IpAddress::Parse("2001:db8::ff");
  EXPECT_EQ(IpAddress::FromHalves(a.high64(), a.low64()), a);
}

TEST(IpPrefix, ContainsAndCanonicalises) {
  auto p = IpPrefix::Parse("10.1.2.3/8");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ToString(), "10.0.0.0/8");
  EXPECT_TRUE(p->Contains(*IpAddress::Parse("10.255.0.1")));
  EXPECT_FALSE(p->Contains(*IpAddress::Parse("11.0.0.1")));
  EXPECT_FALSE(p->Contains(*IpAddress::Parse("::a00:1")));
  auto p6 = IpPrefix::Parse("2001:db8::/32");
  EXPECT_TRUE(p6->Contains(*IpAddress::Parse("2001:db8:ffff::1")));
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/33"));
  EXPECT_FALSE(IpPrefix::Parse("10.0.0.0/x"));
}

}  // namespace
}  // namespace weir
