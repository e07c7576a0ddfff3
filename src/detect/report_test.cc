#include "detect/report.h"

#include <gtest/gtest.h>

#include <random>

#include "store/flow_writer.h"

namespace weir {
namespace {

FlowRecord Flow(const std::string& sip, const std::string& dip, uint8_t protocol, uint16_t sport,
                uint16_t dport, uint8_t flags, uint64_t packets, uint64_t bytes, int64_t ms) {
  FlowRecord r;
  r.sip = *IpAddress::Parse(sip);
  r.dip = *IpAddress::Parse(dip);
  r.protocol = protocol;
  r.sport = sport;
  r.dport = dport;
  r.flags = flags;
  r.packets = packets;
  r.bytes = bytes;
  r.stime_ms = ms;
  return r;
}

std::string Random4(std::mt19937& rng) {
  return std::to_string(rng() % 223 + 1) + "." + std::to_string(rng() % 256) + "." +
         std::to_string(rng() % 256) + "." + std::to_string(rng() % 254 + 1);
}

class Reports : public ::testing::Test {
 protected:
  // Writes records to a flow file and reports on it.
  std::vector<AttackReport> Report(const std::vector<FlowRecord>& records,
                                   ReportOptions options = {}) {
    const std::string path = ::testing::TempDir() + "/report-" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                             ".weir";
    auto w = FlowFileWriter::Create(path, {});
    EXPECT_TRUE(w.ok());
    for (const FlowRecord& r : records) EXPECT_TRUE((*w)->Append(r).ok());
    EXPECT_TRUE((*w)->Close().ok());
    QueryPlan plan;
    plan.inputs = {path};
    auto reports = BuildReports(plan, SiteConfig::Default(), options);
    EXPECT_TRUE(reports.ok()) << reports.status().message();
    return reports.ok() ? *reports : std::vector<AttackReport>();
  }

  // Normal traffic: conversations to 20 servers.
  void Background(std::vector<FlowRecord>& out, int n) {
    for (int i = 0; i < n; ++i)
      out.push_back(Flow(Random4(rng_), "10.1.0." + std::to_string(i % 20 + 1), kProtoTcp,
                         static_cast<uint16_t>(40000 + i % 20000), 443,
                         kTcpSyn | kTcpAck | kTcpPsh | kTcpFin, 12, 6000, kT0 + i * 10));
  }

  static constexpr int64_t kT0 = 1'795'000'000'000;
  std::mt19937 rng_{7};
};

TEST(ClassifyFlow, ByProtocolFlagsAndSourcePort) {
  auto f = [](uint8_t protocol, uint16_t sport, uint8_t flags) {
    return AttackVectorName(
        ClassifyFlow(Flow("192.0.2.1", "10.0.0.1", protocol, sport, 80, flags, 1, 40, 0)));
  };
  EXPECT_EQ(f(kProtoTcp, 1234, kTcpSyn), "syn_flood");
  EXPECT_EQ(f(kProtoTcp, 80, kTcpSyn | kTcpAck), "synack_reflection");
  EXPECT_EQ(f(kProtoTcp, 1234, kTcpRst), "rst_flood");
  EXPECT_EQ(f(kProtoTcp, 1234, kTcpAck), "ack_flood");
  EXPECT_EQ(f(kProtoTcp, 1234, kTcpSyn | kTcpAck | kTcpPsh | kTcpFin), "tcp_flood");
  EXPECT_EQ(f(kProtoUdp, 123, 0), "udp_amplification");
  EXPECT_EQ(f(kProtoUdp, 4444, 0), "udp_flood");
  EXPECT_EQ(f(kProtoIcmp, 0, 0), "icmp_flood");
  EXPECT_EQ(f(kProtoIcmpV6, 0, 0), "icmp_flood");
  EXPECT_EQ(f(47, 0, 0), "other");
  EXPECT_EQ(AmplificationService(11211), "memcached");
  EXPECT_EQ(AmplificationService(3702), "ws-discovery");
  EXPECT_EQ(AmplificationService(443), "");
}

TEST_F(Reports, SynFloodVictimAmongBackground) {
  std::vector<FlowRecord> records;
  Background(records, 2000);
  for (int i = 0; i < 20000; ++i)
    records.push_back(Flow(Random4(rng_), "10.0.0.5", kProtoTcp,
                           static_cast<uint16_t>(1024 + i % 60000), 80, kTcpSyn, 1, 40,
                           kT0 + 5000 + i));
  auto reports = Report(records);
  ASSERT_FALSE(reports.empty());
  const AttackReport& a = reports[0];
  EXPECT_EQ(a.victim, "10.0.0.5");
  EXPECT_EQ(a.packets, 20000u);
  ASSERT_EQ(a.vectors.size(), 1u);
  EXPECT_EQ(a.vectors[0].vector, AttackVector::kSynFlood);
  EXPECT_DOUBLE_EQ(a.vectors[0].share, 1.0);
  EXPECT_EQ(a.destination_ports.at(0).key, "80");
  EXPECT_EQ(a.tcp_flags.at(0).key, "S");
  EXPECT_EQ(a.packet_sizes.at(0).key, "0-63");
  EXPECT_GT(a.distinct_sources, 19000u);
  EXPECT_NEAR(a.peak_pps, 1000, 1);  // 1 flow of 1 packet a millisecond
  EXPECT_EQ(a.filter.rfind("--daddress=10.0.0.5 --stime=", 0), 0u) << a.filter;
  const std::string json = ReportJson(a);
  EXPECT_NE(json.find("\"vectors\":[{\"vector\":\"syn_flood\",\"source_ports\":["),
            std::string::npos)
      << json;
}

TEST_F(Reports, AmplificationNamesItsServiceAndAGivenVictimIsReported) {
  std::vector<FlowRecord> records;
  Background(records, 500);
  for (int i = 0; i < 3000; ++i)
    records.push_back(
        Flow(Random4(rng_), "192.0.2.9", kProtoUdp, 123, 80, 0, 4, 1800, kT0 + i * 3));
  auto reports = Report(records);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].victim, "192.0.2.9");
  ASSERT_FALSE(reports[0].vectors.empty());
  EXPECT_EQ(reports[0].vectors[0].vector, AttackVector::kUdpAmplification);
  EXPECT_EQ(reports[0].vectors[0].service, "ntp");
  EXPECT_EQ(reports[0].vectors[0].source_ports, std::vector<uint16_t>{123});

  ReportOptions one;
  one.victim = *IpAddress::Parse("10.1.0.3");
  reports = Report(records, one);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].victim, "10.1.0.3");
  EXPECT_EQ(reports[0].flows, 25u);
  EXPECT_EQ(reports[0].vectors.at(0).vector, AttackVector::kTcpFlood);
}

TEST_F(Reports, CarpetBombingReportsThePrefix) {
  std::vector<FlowRecord> records;
  Background(records, 300);
  for (int i = 0; i < 6400; ++i)
    records.push_back(Flow(Random4(rng_), "198.51.100." + std::to_string(i % 64 + 1), kProtoUdp,
                           static_cast<uint16_t>(2000 + i), 9999, 0, 1, 500, kT0 + i));
  auto reports = Report(records);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].victim, "198.51.100.0/24");
  ASSERT_GE(reports[0].vectors.size(), 2u);
  EXPECT_EQ(reports[0].vectors[0].vector, AttackVector::kCarpetBombing);
  EXPECT_EQ(reports[0].vectors[1].vector, AttackVector::kUdpFlood);
  EXPECT_EQ(reports[0].packets, 6400u);
  EXPECT_EQ(reports[0].filter.rfind("--dcidr=198.51.100.0/24", 0), 0u);
}

TEST_F(Reports, NothingDominatesNothingIsReported) {
  std::vector<FlowRecord> records;
  for (int i = 0; i < 2000; ++i)
    records.push_back(Flow(Random4(rng_), Random4(rng_), kProtoTcp, 40000, 443,
                           kTcpSyn | kTcpAck | kTcpPsh | kTcpFin, 10, 5000, kT0 + i));
  EXPECT_TRUE(Report(records).empty());
}

// A loop: the same conversations cross the router in 1 out 2 and back in 2 out 1
// (and once in and out of interface 3) until their TTL runs out. A spoofed flood
// through one pair of interfaces, and flows without interfaces, give no hint.
TEST_F(Reports, LoopHintFromConversationsCrossingASensorAgain) {
  std::vector<FlowRecord> looping, flood;
  for (int i = 0; i < 50; ++i) {
    for (int pass = 0; pass < 6; ++pass) {
      FlowRecord r = Flow("192.0.2." + std::to_string(i + 1), "10.9.9.9", kProtoUdp, 5000, 53, 0,
                          100, 50000, kT0 + pass * 10);
      r.input = pass % 2 ? 2 : 1;
      r.output = pass % 2 ? 1 : 2;
      if (i == 0 && pass == 5) r.input = r.output = 3;
      looping.push_back(r);
    }
  }
  auto reports = Report(looping);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].loop.suspected);
  EXPECT_DOUBLE_EQ(reports[0].loop.share, 1.0);
  EXPECT_EQ(reports[0].loop.crossings, 3);
  EXPECT_NE(
      ReportJson(reports[0]).find("\"loop\":{\"suspected\":true,\"share\":1,\"crossings\":3}"),
      std::string::npos)
      << ReportJson(reports[0]);

  for (int i = 0; i < 2000; ++i) {
    FlowRecord r = Flow(Random4(rng_), "10.9.9.9", kProtoTcp, static_cast<uint16_t>(rng_()), 80,
                        kTcpSyn, 1, 60, kT0 + i);
    r.input = 1;
    r.output = 2;
    flood.push_back(r);
  }
  reports = Report(flood);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].loop.suspected);
  EXPECT_EQ(reports[0].loop.share, 0);
  for (FlowRecord& r : looping) r.input = r.output = 0;
  reports = Report(looping);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].loop.suspected);
}

}  // namespace
}  // namespace weir
