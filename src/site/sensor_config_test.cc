#include "site/sensor_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "base/test_data.h"

namespace weir {
namespace {

const std::string kSilkDir = SharedDir() + "/silk/";

FlowRecord Flow(const char* sip, const char* dip, uint8_t protocol = 17, uint16_t sport = 1234,
                uint16_t dport = 53) {
  FlowRecord r;
  r.sip = *IpAddress::Parse(sip);
  r.dip = *IpAddress::Parse(dip);
  r.protocol = protocol;
  r.sport = sport;
  r.dport = dport;
  return r;
}

std::string TypeOf(const SensorConfig& config, const SiteConfig& site, const FlowRecord& r,
                   ClassifyOptions options = {}) {
  std::vector<std::pair<uint16_t, uint8_t>> out;
  config.Classify(0, r, options, out);
  if (out.empty()) return "discarded";
  return std::string(site.TypeName(out[0].second));
}

// Files with the write-up's quirks: an empty group of internal addresses makes
// every address external, so every flow is ext2ext (SiLK itself refuses the
// empty group).
void ExpectEmptyGroupMakesExt2Ext(const std::string& dir, const std::string& sensor_file,
                                  const std::string& group) {
  auto site = SiteConfig::LoadFile(dir + "silk.conf");
  ASSERT_TRUE(site.ok()) << site.status().message();
  auto config = SensorConfig::LoadFile(dir + sensor_file, *site);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->probes().size(), 1u);
  EXPECT_EQ(config->probes()[0].port, 2055);
  EXPECT_EQ(config->probes()[0].type, ProbeType::kNetflowV9);
  EXPECT_EQ(config->probes()[0].log_flags, kLogBad);
  ASSERT_EQ(config->warnings().size(), 1u);
  EXPECT_NE(config->warnings()[0].find(group + "' is empty"), std::string::npos);
  EXPECT_EQ(TypeOf(*config, *site, Flow("10.0.0.1", "8.8.8.8")), "ext2ext");
  EXPECT_EQ(TypeOf(*config, *site, Flow("8.8.8.8", "10.0.0.1", 6, 443, 50000)), "ext2ext");
}

TEST(SensorConfig, FilesWithTheWriteupsQuirksWork) {
  ExpectEmptyGroupMakesExt2Ext(SourceDir() + "/tests/data/site/", "sensor.conf", "home-nets");
}

TEST(SensorConfig, WriteupFilesWorkVerbatim) {
  if (!std::filesystem::exists(kSilkDir)) GTEST_SKIP() << kSilkDir << " absent";
  ExpectEmptyGroupMakesExt2Ext(kSilkDir, "sensors.conf", "my-network");
}

// sensor.conf(5): "You may have multiple sensor blocks that have the same
// sensor-name". Each block is a rule of its own: its probes, its deciders.
TEST(SensorConfig, RepeatedSensorBlocksEachClassifyTheirOwnProbes) {
  const std::string dir = SourceDir() + "/tests/data/site/";
  auto site = SiteConfig::LoadFile(dir + "silk.conf");
  ASSERT_TRUE(site.ok()) << site.status().message();
  auto config = SensorConfig::LoadFile(dir + "sensor-repeated.conf", *site);
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->probes().size(), 2u);
  ASSERT_EQ(config->sensors().size(), 2u);
  EXPECT_EQ(config->sensors()[0].sensor, config->sensors()[1].sensor);
  EXPECT_EQ(config->probes()[1].name, "edge-v5");
  EXPECT_EQ(config->probes()[1].sensors, std::vector<uint16_t>{0});
  auto type = [&](size_t probe, const FlowRecord& r) {
    std::vector<std::pair<uint16_t, uint8_t>> out;
    config->Classify(probe, r, {}, out);
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? std::string("discarded") : std::string(site->TypeName(out[0].second));
  };
  EXPECT_EQ(type(0, Flow("10.0.0.1", "8.8.8.8")), "ext2ext");  // the first block's empty group
  EXPECT_EQ(type(1, Flow("10.0.0.1", "8.8.8.8")), "out");      // the second block's 10/8
  EXPECT_EQ(type(1, Flow("8.8.8.8", "10.0.0.1")), "in");
}

// A probe named in two blocks of one sensor is classified by each (rwflowpack
// packs such a flow once per block).
TEST(SensorConfig, ProbeInTwoBlocksOfOneSensor) {
  auto site = SiteConfig::Default();
  auto config = SensorConfig::Parse(R"(
probe p netflow-v9
  listen-on-port 9995
end probe
sensor local
  netflow-v9-probes p
  internal-ipblocks 10.0.0.0/8
  external-ipblocks remainder
end sensor
sensor local
  netflow-v9-probes p
  internal-ipblocks 192.168.0.0/16
  external-ipblocks remainder
end sensor
)",
                                    "twice.conf", site);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->probes()[0].sensors, std::vector<uint16_t>{0});
  std::vector<std::pair<uint16_t, uint8_t>> out;
  config->Classify(0, Flow("10.0.0.1", "8.8.8.8"), {}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(site.TypeName(out[0].second), "out");
  EXPECT_EQ(site.TypeName(out[1].second), "ext2ext");
}

class Twoway : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = SiteConfig::Default();
    auto c = SensorConfig::Parse(R"(
probe p netflow-v9
  listen-on-port 9995
end probe
group inside
  ipblocks 10.0.0.0/8, 2001:db8::/32
end group
sensor local
  netflow-v9-probes p
  internal-ipblocks @inside
  null-ipblocks 192.0.2.0/24
  external-ipblocks remainder
end sensor
)",
                                 "test", site_);
    ASSERT_TRUE(c.ok()) << c.status().message();
    config_ = std::move(*c);
  }
  std::string Type(const FlowRecord& r, ClassifyOptions o = {}) {
    return TypeOf(config_, site_, r, o);
  }
  SiteConfig site_;
  SensorConfig config_;
};

TEST_F(Twoway, EveryFlowtype) {
  EXPECT_EQ(Type(Flow("8.8.8.8", "10.1.1.1")), "in");
  EXPECT_EQ(Type(Flow("10.1.1.1", "8.8.8.8")), "out");
  EXPECT_EQ(Type(Flow("8.8.8.8", "10.1.1.1", 6, 80, 50000)), "inweb");
  EXPECT_EQ(Type(Flow("10.1.1.1", "8.8.8.8", 6, 50000, 443)), "outweb");
  EXPECT_EQ(Type(Flow("10.1.1.1", "8.8.8.8", 6, 50000, 8080)), "outweb");
  EXPECT_EQ(Type(Flow("10.1.1.1", "8.8.8.8", 17, 50000, 443)), "out");  // web is TCP only
  EXPECT_EQ(Type(Flow("8.8.8.8", "192.0.2.1")), "innull");
  EXPECT_EQ(Type(Flow("10.1.1.1", "192.0.2.1")), "outnull");
  EXPECT_EQ(Type(Flow("10.1.1.1", "10.2.2.2")), "int2int");
  EXPECT_EQ(Type(Flow("8.8.8.8", "9.9.9.9")), "ext2ext");
  EXPECT_EQ(Type(Flow("2001:db8::1", "2606:4700::1")), "out");
  // From the null network: neither external nor internal source.
  EXPECT_EQ(Type(Flow("192.0.2.1", "10.1.1.1")), "other");
  // ICMP: in/out as SiLK builds twoway; inicmp/outicmp with the split on.
  EXPECT_EQ(Type(Flow("8.8.8.8", "10.1.1.1", 1, 0, 0x0800)), "in");
  ClassifyOptions split;
  split.icmp_split = true;
  EXPECT_EQ(Type(Flow("8.8.8.8", "10.1.1.1", 1, 0, 0x0800), split), "inicmp");
  EXPECT_EQ(Type(Flow("10.1.1.1", "8.8.8.8", 1, 0, 0x0800), split), "outicmp");
}

TEST(SensorConfig, InterfacesDiscardAndFixedNetworks) {
  const SiteConfig& site = SiteConfig::Default();
  auto c = SensorConfig::Parse(R"(
probe r1 ipfix
  listen-on-port 4739
  protocol tcp
  accept-from-host 127.0.0.1, ::1
end probe
sensor local
  ipfix-probes r1
  external-interfaces 1-3
  null-interfaces 0
  internal-interfaces remainder
  discard-when source-ipblocks 203.0.113.0/24
end sensor
)",
                               "test", site);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->probes()[0].tcp);
  EXPECT_EQ(c->probes()[0].accept_from.size(), 2u);
  FlowRecord r = Flow("8.8.8.8", "10.0.0.1");
  r.input = 2;
  r.output = 7;
  EXPECT_EQ(TypeOf(*c, site, r), "in");
  r.output = 0;
  EXPECT_EQ(TypeOf(*c, site, r), "innull");
  r.input = 9;
  r.output = 2;
  EXPECT_EQ(TypeOf(*c, site, r), "out");
  r.sip = *IpAddress::Parse("203.0.113.9");
  EXPECT_EQ(TypeOf(*c, site, r), "discarded");

  auto fixed = SensorConfig::Parse(R"(
probe s sflow
  listen-on-port 6343
end probe
sensor local
  sflow-probes s
  source-network external
  destination-network internal
  discard-unless any-interfaces 4
end sensor
)",
                                   "fixed", site);
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  FlowRecord f = Flow("10.0.0.1", "10.0.0.2");
  f.input = 4;
  EXPECT_EQ(TypeOf(*fixed, site, f), "in");
  f.input = 5;
  EXPECT_EQ(TypeOf(*fixed, site, f), "discarded");
}

// SiLK's twoway logic as sensor.conf(5) and packlogic-twoway state it, a network
// test at a time, to check the collector's table-driven classification against.
struct ReferenceSensor {
  // Per network (null, external, internal): "" unset, "remainder", or the members.
  std::array<std::string, 3> nets;
  bool interfaces = false;
  std::array<int, 2> fixed = {-1, -1};

  bool Member(const std::string& list, const FlowRecord& r, bool source) const {
    if (interfaces) {
      const uint32_t i = source ? r.input : r.output;
      for (std::string_view item : {"1", "2", "3", "4", "5"})
        if (list.find(item) != std::string::npos && std::to_string(i) == item) return true;
      return false;
    }
    IpSet set;
    EXPECT_TRUE(AddIpText(list, set).ok());
    set.Finish();
    return set.Contains(source ? r.sip : r.dip);
  }
  int Test(int net, const FlowRecord& r, bool source) const {
    if (fixed[source ? 0 : 1] >= 0) return fixed[source ? 0 : 1] == net;
    const std::string& n = nets[static_cast<size_t>(net)];
    if (n.empty()) return -1;
    if (n != "remainder") return Member(n, r, source);
    for (int other = 0; other < 3; ++other)
      if (other != net && !nets[other].empty() && nets[other] != "remainder" &&
          Member(nets[other], r, source))
        return 0;
    return 1;
  }
  std::string Type(const FlowRecord& r) const {
    const bool web = r.protocol == 6 && (r.sport == 80 || r.sport == 443 || r.sport == 8080 ||
                                         r.dport == 80 || r.dport == 443 || r.dport == 8080);
    if (Test(1, r, true) == 1) {
      if (Test(0, r, false) == 1) return "innull";
      if (Test(2, r, false) == 1) return web ? "inweb" : "in";
      if (Test(1, r, false) == 1) return "ext2ext";
      return "other";
    }
    if (Test(2, r, true) == 1) {
      if (Test(0, r, false) == 1) return "outnull";
      if (Test(1, r, false) == 1) return web ? "outweb" : "out";
      if (Test(2, r, false) == 1) return "int2int";
      return "other";
    }
    return "other";
  }
};

TEST(SensorConfig, ClassificationAgreesWithSilksTwowayLogic) {
  const SiteConfig& site = SiteConfig::Default();
  const char* kNames[] = {"null", "external", "internal"};
  std::vector<ReferenceSensor> sensors = {
      {{"", "remainder", "10.0.0.0/8"}},
      {{"", "8.0.0.0/8", "remainder"}},
      {{"192.0.2.0/24", "remainder", "10.0.0.0/8"}},
      {{"192.0.2.0/24", "8.0.0.0/8, 9.0.0.0/8", "10.0.0.0/8"}},
      {{"", "8.0.0.0/8", "10.0.0.0/8, 192.0.2.0/24"}},
      {{"192.0.2.0/24", "8.0.0.0/7", "10.0.0.0/8"}},
      {{"", "1,2", "remainder"}, true},
      {{"5", "1,2", "3,4"}, true},
      {{"5", "remainder", "3,4"}, true},
      {{"", "remainder", "10.0.0.0/8"}, false, {1, -1}},
      {{"", "1,2", "remainder"}, true, {-1, 2}},
  };
  const char* addresses[] = {"10.1.2.3", "8.8.8.8", "9.9.9.9", "192.0.2.7", "203.0.113.1"};
  std::mt19937 rng(5);
  for (const ReferenceSensor& ref : sensors) {
    std::string text =
        "probe p netflow-v9\n listen-on-port 2055\nend probe\nsensor local\n"
        " netflow-v9-probes p\n";
    for (int n = 0; n < 3; ++n)
      if (!ref.nets[n].empty() && ref.fixed[0] < 0 && ref.fixed[1] < 0)
        text += std::string(" ") + kNames[n] + (ref.interfaces ? "-interfaces " : "-ipblocks ") +
                ref.nets[n] + "\n";
    if (ref.fixed[0] >= 0 || ref.fixed[1] >= 0) {
      for (int n = 0; n < 3; ++n)
        if (!ref.nets[n].empty())
          text += std::string(" ") + kNames[n] + (ref.interfaces ? "-interfaces " : "-ipblocks ") +
                  ref.nets[n] + "\n";
      if (ref.fixed[0] >= 0) text += std::string(" source-network ") + kNames[ref.fixed[0]] + "\n";
      if (ref.fixed[1] >= 0)
        text += std::string(" destination-network ") + kNames[ref.fixed[1]] + "\n";
    }
    text += "end sensor\n";
    auto config = SensorConfig::Parse(text, "ref", site);
    ASSERT_TRUE(config.ok()) << config.status().message() << "\n" << text;
    for (int i = 0; i < 400; ++i) {
      FlowRecord r = Flow(addresses[rng() % 5], addresses[rng() % 5], rng() % 2 ? 6 : 17,
                          static_cast<uint16_t>(rng() % 3 ? 50000 : 443),
                          static_cast<uint16_t>(rng() % 3 ? 53 : 80));
      r.input = rng() % 6;
      r.output = rng() % 6;
      ASSERT_EQ(TypeOf(*config, site, r), ref.Type(r))
          << text << r.sip.ToString() << " -> " << r.dip.ToString() << " interfaces " << r.input
          << " -> " << r.output << " protocol " << int{r.protocol};
    }
  }
}

TEST(SensorConfig, ErrorsNameFileLineAndReason) {
  const SiteConfig& site = SiteConfig::Default();
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"probe p netflow-v7\n", "bad.conf:1: unknown probe type 'netflow-v7'"},
      {"probe p ipfix\n listen-on-port 99999\nend probe\n", "bad.conf:2: invalid port '99999'"},
      {"probe p ipfix\nend probe\n", "bad.conf:2: probe 'p' has no listen-on-port"},
      {"sensor nosuch\n", "bad.conf:1: sensor 'nosuch' is not defined"},
      {"probe p sflow\n listen-on-port 1\n protocol tcp\nend probe\n",
       "bad.conf:4: probe 'p': protocol tcp is for ipfix probes only"},
      {"probe p sflow\n listen-on-port 1\nend probe\nsensor local\n netflow-v9-probes p\n",
       "bad.conf:5: probe 'p' is of type sflow, not netflow-v9"},
      {"probe p sflow\n listen-on-port 1\nend probe\nsensor local\n sflow-probes p\nend sensor\n",
       "bad.conf:4: sensor 'local' cannot classify flows"},
      {"probe p sflow\n listen-on-port 1\nend probe\nsensor local\n sflow-probes p\n"
       " internal-ipblocks remainder\n external-interfaces remainder\nend sensor\n",
       "only one network may be 'remainder'"},
      {"group g\n interfaces 1\n ipblocks 10.0.0.0/8\nend group\n",
       "bad.conf:3: group 'g' already holds interfaces"},
      {"probe p ipfix\n listen-on-port 1\n", "missing 'end probe'"},
      {"sensor local\n internal-ipblocks 10.0.0.0/33\n", "bad.conf:2: invalid IP block"},
  };
  for (const Case& c : cases) {
    auto r = SensorConfig::Parse(c.text, "bad.conf", site);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << r.status().message() << "\nwanted: " << c.message;
  }
}

TEST(SensorConfig, EmbeddedDefault) {
  auto c = SensorConfig::Default(SiteConfig::Default());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->probes().size(), 4u);
  EXPECT_TRUE(c->warnings().empty());
  std::vector<std::pair<uint16_t, uint8_t>> out;
  c->Classify(3, Flow("192.168.1.5", "1.1.1.1", 6, 40000, 443), {}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(SiteConfig::Default().TypeName(out[0].second), "outweb");
}

}  // namespace
}  // namespace weir
