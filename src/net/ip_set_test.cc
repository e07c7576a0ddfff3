#include "net/ip_set.h"

#include <gtest/gtest.h>

#include "net/ip_wildcard.h"

namespace weir {
namespace {

IpAddress A(const char* s) { return *IpAddress::Parse(s); }

IpSet SetOf(const char* text) {
  IpSet s;
  Status st = AddIpText(text, s);
  EXPECT_TRUE(st.ok()) << st.message();
  return s;
}

std::string Prefixes(const IpSet& s) {
  std::string out;
  for (const auto& p : s.ToPrefixes()) out += (out.empty() ? "" : " ") + p.ToString();
  return out;
}

TEST(IpSet, MergesAndLooksUp) {
  IpSet s = SetOf("10.0.0.0/24 10.0.1.0/24,10.0.2.5 2001:db8::/32");
  EXPECT_EQ(s.ranges().size(), 3u);
  EXPECT_TRUE(s.Contains(A("10.0.1.255")));
  EXPECT_FALSE(s.Contains(A("10.0.2.4")));
  EXPECT_TRUE(s.Contains(A("10.0.2.5")));
  EXPECT_TRUE(s.Contains(A("2001:db8:ffff::1")));
  EXPECT_FALSE(s.Contains(A("2001:db9::1")));
  EXPECT_EQ(Prefixes(s), "10.0.0.0/23 10.0.2.5/32 2001:db8::/32");
  EXPECT_TRUE(s.Intersects(A("10.0.2.0"), A("10.0.2.255")));
  EXPECT_FALSE(s.Intersects(A("10.0.3.0"), A("10.0.255.255")));
}

TEST(IpSet, ManyRangesUseBinarySearch) {
  IpSet s;
  for (uint32_t i = 0; i < 100; ++i) s.Add(IpAddress::V4(i * 4));
  s.Finish();
  EXPECT_TRUE(s.Contains(IpAddress::V4(396)));
  EXPECT_FALSE(s.Contains(IpAddress::V4(397)));
  EXPECT_EQ(s.AddressCount(), 100u);
}

TEST(IpSet, SetAlgebra) {
  IpSet a = SetOf("10.0.0.0/8"), b = SetOf("10.1.0.0/16 192.168.0.0/16");
  EXPECT_EQ(Prefixes(IpSet::Intersection(a, b)), "10.1.0.0/16");
  EXPECT_EQ(Prefixes(IpSet::Union(b, b)), "10.1.0.0/16 192.168.0.0/16");
  EXPECT_EQ(Prefixes(IpSet::Difference(SetOf("10.0.0.0/30"), SetOf("10.0.0.1"))),
            "10.0.0.0/32 10.0.0.2/31");
  EXPECT_TRUE(IpSet::Difference(b, IpSet::Union(a, b)).empty());
}

TEST(IpSet, WholeSpaces) {
  IpSet all = SetOf("::/0");
  EXPECT_EQ(Prefixes(all), "::/0");
  EXPECT_EQ(all.AddressCount(), ~Uint128{0});
  EXPECT_EQ(Prefixes(SetOf("0.0.0.0/0")), "0.0.0.0/0");
}

TEST(IpWildcard, Ipv4Patterns) {
  auto w = IpWildcard::Parse("10.1-3,7.x.0-127");
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_TRUE(w->Matches(A("10.2.200.5")));
  EXPECT_TRUE(w->Matches(A("10.7.0.127")));
  EXPECT_FALSE(w->Matches(A("10.4.0.1")));
  EXPECT_FALSE(w->Matches(A("10.1.0.128")));
  EXPECT_FALSE(w->Matches(A("::a01:1")));
  EXPECT_EQ(w->low().ToString(), "10.1.0.0");
  EXPECT_EQ(w->high().ToString(), "10.7.255.127");
  IpSet s;
  ASSERT_TRUE(w->AddTo(s, 1 << 20).ok());
  s.Finish();
  EXPECT_EQ(s.AddressCount(), 4u * 256 * 128);
  EXPECT_TRUE(s.Contains(A("10.3.9.100")));
}

TEST(IpWildcard, CidrAndIpv6) {
  auto w = IpWildcard::Parse("192.168.0.0/16");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->Matches(A("192.168.44.1")));
  EXPECT_FALSE(w->Matches(A("192.169.0.1")));
  auto v6 = IpWildcard::Parse("2001:db8::x");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_TRUE(v6->Matches(A("2001:db8::1234")));
  EXPECT_FALSE(v6->Matches(A("2001:db8::1:1234")));
  auto mapped = IpWildcard::Parse("::ffff:0:0/96");
  ASSERT_TRUE(mapped.ok());
  EXPECT_TRUE(mapped->Matches(A("1.2.3.4")));
}

TEST(IpWildcard, Errors) {
  for (const char* bad : {"", "10.1.2", "10.1.2.256", "10.x.1-", "1::2::3", "10.0.0.0/33",
                          "2001:db8::g", "a.b.c.d"}) {
    EXPECT_FALSE(IpWildcard::Parse(bad).ok()) << bad;
  }
  IpSet s;
  EXPECT_FALSE(AddIpText("x.x.x.1", s, 1000).ok());
}

}  // namespace
}  // namespace weir
