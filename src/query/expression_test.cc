#include "query/expression.h"

#include <gtest/gtest.h>

#include "base/time.h"
#include "query/partition.h"
#include "site/site_config.h"

namespace weir {
namespace {

FlowRecord Web() {
  FlowRecord r;
  r.sip = *IpAddress::Parse("192.168.1.10");
  r.dip = *IpAddress::Parse("93.184.216.34");
  r.sport = 50123;
  r.dport = 443;
  r.protocol = 6;
  r.packets = 1200;
  r.bytes = 1'500'000;
  r.flags = kTcpSyn | kTcpAck | kTcpFin;
  r.initial_flags = kTcpSyn;
  r.stime_ms = ParseTime("2026/11/27:13:05:00")->ms;
  r.duration_ms = 45'000;
  r.input = 3;
  r.output = 7;
  r.sensor = 0;
  return r;
}

bool Eval(const char* text, const FlowRecord& r) {
  auto p = ParseExpression(text, &SiteConfig::Default());
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().message();
  return p.ok() && p->Matches(r);
}

TEST(Expression, MatchesLikeNfdump) {
  FlowRecord r = Web();
  const char* pass[] = {
      "proto tcp and dst port 443 and bytes > 1M and not src net 10.0.0.0/8",
      "tcp && dport == 443",
      "port 443",
      "src port > 1023 and dst port < 1024",
      "src ip 192.168.1.10",
      "ip 93.184.216.34",
      "dst ip in [10.0.0.0/8, 93.184.216.0/24]",
      "src net 192.168.0.0/16",
      "src ip 192.168.1.x",
      "dport in [80 443 8000-8999]",
      "proto in [tcp udp]",
      "flags S and flags A and not flags R",
      "flags SAF/SAFR",
      "initial_flags S",
      "bytes >= 1500000 and bytes <= 1.5M and packets = 1.2k",
      "bpp > 1000",
      "duration > 30 and duration < 1m",
      "duration >= 45000ms",
      "stime >= 2026/11/27:13 and stime < 2026/11/27:14",
      "stime = 2026/11/27:13",
      "etime > 2026-11-27T13:05:30Z",
      "in if 3 and out if 7",
      "if 7",
      "ipv4",
      "sensor local",
      "any",
      "not (udp or icmp)",
      "(tcp or udp) and (port 443 or port 80)",
      "! dport != 443",
      "sport ne 80 and dport eq 443",
      "PROTO TCP AND DPORT 443",
  };
  for (const char* text : pass) EXPECT_TRUE(Eval(text, r)) << text;
  const char* fail[] = {
      "udp",
      "src port 443",
      "dst net 10.0.0.0/8",
      "bytes > 2M",
      "flags R",
      "ipv6",
      "stime < 2026/11/27:13",
      "dport in [80 8080]",
      "not any",
      "tcp and not port 443",
      "icmp-type 8",
  };
  for (const char* text : fail) EXPECT_FALSE(Eval(text, r)) << text;
}

TEST(Expression, AgreesWithSwitches) {
  auto switches = BuildPartition({{"protocol", "6"}, {"dport", "0-1023"}}, {});
  ASSERT_TRUE(switches.ok());
  for (const char* text : {"proto 6 and dport in [0-1023]", "proto tcp and dport 0-1023"}) {
    auto expr = ParseExpression(text, nullptr);
    ASSERT_TRUE(expr.ok()) << text;
    EXPECT_EQ(expr->ToString(), switches->ToString()) << text;
  }
}

TEST(Expression, ErrorsSayWhere) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "expression: empty"},
      {"bytes >", "at the end"},
      {"bytes > lots", "at the end (offset 12): expected a whole number"},
      {"proto tcp and", "at the end (offset 13): expected a condition"},
      {"(tcp", "expected ')'"},
      {"tcp)", "at ')' (offset 3): expected 'and', 'or' or the end"},
      {"frobnicate 3", "at 'frobnicate' (offset 0): unknown condition"},
      {"dport 70000", "expected a whole number from 0 to 65535"},
      {"src ip 10.1.2", "invalid IP address or wildcard '10.1.2'"},
      {"flags Q", "unknown flag letter 'Q'"},
      {"sensor nowhere", "unknown sensor 'nowhere'"},
      {"proto banana", "unknown protocol 'banana'"},
      {"dport in []", "empty list"},
      {"src tcp", "expected ip, net, port, as or mask after src/dst"},
      {"tcp & udp", "use && or ||"},
      {"stime > tomorrow", "expected a time"},
  };
  for (const auto& c : cases) {
    auto p = ParseExpression(c.text, &SiteConfig::Default());
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << p.status().message();
  }
  std::string deep(1000, '(');
  EXPECT_FALSE(ParseExpression(deep + "tcp", nullptr).ok());
}

}  // namespace
}  // namespace weir
