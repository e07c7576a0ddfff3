#include "net/ip_address.h"

#include <gtest/gtest.h>

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
