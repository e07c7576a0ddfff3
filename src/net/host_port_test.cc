#include "net/host_port.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(HostPort, ParsesHostsPortsAndBracketedIpv6) {
  auto a = ParseHostPort("10.0.0.1:2055");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.0.0.1");
  EXPECT_EQ(a->port, 2055);
  auto b = ParseHostPort("[2001:db8::1]:8080");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "2001:db8::1");
  auto c = ParseHostPort(":8080");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "");
  EXPECT_EQ(ParseHostPort("8080")->port, 8080);
  EXPECT_FALSE(ParseHostPort("2001:db8::1:80").ok());
  EXPECT_FALSE(ParseHostPort("[::1]80").ok());
  EXPECT_FALSE(ParseHostPort("host:notaport").ok());
  EXPECT_FALSE(ParseHostPort("host:70000").ok());
}

}  // namespace
}  // namespace weir
