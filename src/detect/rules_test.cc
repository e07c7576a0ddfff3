#include "detect/rules.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

RuleContext Context() {
  RuleContext c;
  c.site = &SiteConfig::Default();
  c.internal.AddPrefix(*IpPrefix::Parse("10.0.0.0/8"));
  c.internal.AddPrefix(*IpPrefix::Parse("2001:db8::/32"));
  c.internal.Finish();
  return c;
}

TEST(Rules, DefaultSetParses) {
  auto rules = DefaultRules(Context());
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_GE(rules->rules.size(), 8u);
  EXPECT_EQ(rules->rules[0].name, "syn_flood");
  EXPECT_EQ(rules->rules[0].metric, Metric::kSynPackets);
  EXPECT_EQ(rules->rules[0].hosts_text, "internal");
  EXPECT_TRUE(rules->rules[0].hosts.Contains(*IpAddress::Parse("10.1.2.3")));
  EXPECT_FALSE(rules->rules[0].hosts.Contains(*IpAddress::Parse("192.0.2.1")));
  for (const Rule& r : rules->rules) EXPECT_FALSE(DescribeRule(r).empty());
}

TEST(Rules, EverySetting) {
  auto rules = ParseRules(R"(update_interval = "5s"
[[rule]]
name = "dns_amp"
scope = "prefix"
prefix_length = 22
prefix_length_v6 = 56
direction = "incoming"
metric = "bits"
filter = "proto udp and sport 53"
threshold = "1.5G"
window = "500ms"
windows = 3
hysteresis = 0.7
clear = "1m"
min_duration = "5m"
cooldown = 120
min_sources = 20
whitelist = ["10.9.0.0/16"]
ignore_sources = ["192.0.2.53"]
ignore_ports = [443, 80]
max_keys = 1000
baseline = { k = 4, floor = "100M", cold = "2G", half_life = "2h", warmup = "1d", time_of_day = false }
)",
                          "r.toml", Context());
  ASSERT_TRUE(rules.ok()) << rules.status().message();
  EXPECT_EQ(rules->update_ms, 5000);
  const Rule& r = rules->rules.at(0);
  EXPECT_EQ(r.where, "r.toml:2");
  EXPECT_EQ(r.scope, RuleScope::kPrefix);
  EXPECT_EQ(r.prefix_v4, 22);
  EXPECT_EQ(r.prefix_v6, 56);
  EXPECT_EQ(r.metric, Metric::kBits);
  EXPECT_DOUBLE_EQ(r.threshold, 1.5e9);
  EXPECT_EQ(r.window_ms, 500);
  EXPECT_EQ(r.windows, 3);
  EXPECT_DOUBLE_EQ(r.hysteresis, 0.7);
  EXPECT_EQ(r.clear_ms, 60000);
  EXPECT_EQ(r.min_duration_ms, 300000);
  EXPECT_EQ(r.cooldown_ms, 120000);
  EXPECT_EQ(r.min_sources, 20);
  EXPECT_TRUE(r.whitelist.Contains(*IpAddress::Parse("10.9.1.1")));
  EXPECT_TRUE(r.ignore_sources.Contains(*IpAddress::Parse("192.0.2.53")));
  EXPECT_EQ(r.ignore_ports, (std::vector<uint16_t>{80, 443}));
  EXPECT_EQ(r.max_keys, 1000u);
  EXPECT_EQ(r.baseline.k, 4);
  EXPECT_EQ(r.baseline.floor, 1e8);
  EXPECT_EQ(r.baseline.cold, 2e9);
  EXPECT_EQ(r.baseline.cold, 2e9);
  EXPECT_EQ(r.baseline.half_life_ms, 7200000);
  EXPECT_EQ(r.baseline.warmup_ms, 86400000);
  EXPECT_FALSE(r.baseline.time_of_day);
  ASSERT_TRUE(r.filter.has_value());
  FlowRecord f;
  f.protocol = 17;
  f.sport = 53;
  EXPECT_TRUE(r.filter->Matches(f));
  f.sport = 54;
  EXPECT_FALSE(r.filter->Matches(f));
}

TEST(Rules, ErrorsNameFileAndLine) {
  struct Case {
    std::string text, error;
  } cases[] = {
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = \"1Q\"\n",
       "r.toml:4: threshold: not a number"},
      {"[[rule]]\nname = \"a\"\nmetric = \"pakets\"\nthreshold = 1\n", "r.toml:3: metric: one of"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nwindow = \"5x\"\n",
       "r.toml:5: window: not a duration"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\n", "r.toml:1: rule 'a': give a threshold"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nfilter = \"proto\"\n",
       "r.toml:5: filter: expression"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\n[[rule]]\nname = \"a\"\n"
       "metric = \"bytes\"\nthreshold = 2\n",
       "r.toml:5: rule 'a' is already defined at r.toml:1"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nhosts = [\"10.0.0.0/33\"]\n",
       "r.toml:5: hosts: not a CIDR"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nbogus = 3\n",
       "r.toml:5: unknown rule setting 'bogus'"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nhosts = "
       "[\"set:/nonexistent\"]\n",
       "r.toml:5: hosts:"},
      {"[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\nbaseline = { k = 0 }\n",
       "r.toml:5: baseline.k"},
      {"[[rule]]\nname = \"a\"\n  metric = = \"packets\"\n", "r.toml:3: "},
      {"x = 1\n", "r.toml:1: unknown setting 'x'"},
      {"", "r.toml: no [[rule]] tables"},
  };
  for (const Case& c : cases) {
    auto rules = ParseRules(c.text, "r.toml", Context());
    ASSERT_FALSE(rules.ok()) << c.text;
    EXPECT_EQ(rules.status().message().rfind(c.error, 0), 0u)
        << rules.status().message() << "\nexpected: " << c.error;
  }
}

TEST(Rules, HostRulesNeedHosts) {
  RuleContext none;
  none.site = &SiteConfig::Default();
  auto rules =
      ParseRules("[[rule]]\nname = \"a\"\nmetric = \"packets\"\nthreshold = 1\n", "r.toml", none);
  ASSERT_FALSE(rules.ok());
  EXPECT_NE(rules.status().message().find("no hosts to watch"), std::string::npos);
  // a sensor rule does not need them
  auto sensor = ParseRules(
      "[[rule]]\nname = \"a\"\nscope = \"sensor\"\nmetric = \"packets\"\nthreshold = 1\n", "r.toml",
      none);
  EXPECT_TRUE(sensor.ok()) << sensor.status().message();
}

TEST(Rules, InternalNetworksOfTheDefaultSensorConf) {
  auto sensors = SensorConfig::Default(SiteConfig::Default());
  ASSERT_TRUE(sensors.ok());
  IpSet internal = sensors->InternalNetworks();
  EXPECT_TRUE(internal.Contains(*IpAddress::Parse("192.168.1.1")));
  EXPECT_TRUE(internal.Contains(*IpAddress::Parse("fd00::1")));
  EXPECT_FALSE(internal.Contains(*IpAddress::Parse("8.8.8.8")));
}

}  // namespace
}  // namespace weir
