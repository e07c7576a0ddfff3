#include "gen/generator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "base/time.h"
#include "gen/parallel_output.h"
#include "store/flow_reader.h"
#include "store/repository_writer.h"

namespace weir {
namespace {

const int64_t kDay = 1795737600000;  // 2026-11-27T00:00:00Z

SiteConfig TwowaySite() {
  return std::move(
             SiteConfig::LoadFile(std::string(WEIR_SOURCE_DIR) + "/tests/data/silk-twoway.conf"))
      .value();
}

std::vector<FlowRecord> Generate(GeneratorOptions o, const SiteConfig& site) {
  auto g = FlowGenerator::Create(o, site);
  EXPECT_TRUE(g.ok());
  std::vector<FlowRecord> out;
  FlowRecord r;
  while (g->Next(r)) out.push_back(r);
  return out;
}

TEST(Generator, DeterministicForASeed) {
  SiteConfig site = TwowaySite();
  GeneratorOptions o;
  o.flows = 5000;
  o.start_ms = kDay;
  auto a = Generate(o, site), b = Generate(o, site);
  EXPECT_EQ(a, b);
  o.seed = 2;
  EXPECT_NE(Generate(o, site), a);
}

TEST(Generator, RealisticShape) {
  SiteConfig site = TwowaySite();
  GeneratorOptions o;
  o.flows = 200000;
  o.start_ms = kDay;
  auto flows = Generate(o, site);
  ASSERT_EQ(flows.size(), 200000u);
  std::map<uint8_t, size_t> protocols;
  std::set<uint16_t> sensors;
  size_t v6 = 0, night = 0, afternoon = 0;
  int64_t previous = 0;
  for (const auto& r : flows) {
    ASSERT_GE(r.stime_ms, previous);  // time order
    previous = r.stime_ms;
    ASSERT_GE(r.stime_ms, kDay);
    ASSERT_LT(r.stime_ms, kDay + kMillisPerDay);
    ASSERT_GE(r.packets, 1u);
    ASSERT_GE(r.bytes, r.packets * 28);
    ++protocols[r.protocol];
    sensors.insert(r.sensor);
    v6 += !r.sip.is_v4();
    int hour = static_cast<int>((r.stime_ms - kDay) / kMillisPerHour);
    night += hour == 3;
    afternoon += hour == 15;
    // Web flowtypes only for TCP with a web port.
    std::string_view type = site.TypeName(r.flowtype);
    if (type == "inweb" || type == "outweb") {
      ASSERT_EQ(r.protocol, kProtoTcp);
      ASSERT_TRUE(r.sport == 80 || r.sport == 443 || r.sport == 8080 || r.dport == 80 ||
                  r.dport == 443 || r.dport == 8080);
    }
  }
  double tcp = static_cast<double>(protocols[kProtoTcp]) / flows.size();
  EXPECT_GT(tcp, 0.5);
  EXPECT_LT(tcp, 0.8);
  EXPECT_GT(protocols[kProtoUdp], flows.size() / 5);
  EXPECT_GT(protocols[kProtoIcmp], 0u);
  EXPECT_NEAR(static_cast<double>(v6) / flows.size(), 0.05, 0.01);
  EXPECT_GT(sensors.size(), 10u);
  EXPECT_GT(afternoon, 3 * night);  // diurnal curve
}

TEST(Generator, DdosAndScanScenarios) {
  SiteConfig site = TwowaySite();
  GeneratorOptions o;
  o.flows = 100000;
  o.start_ms = kDay;
  o.ddos = o.scan = true;
  auto flows = Generate(o, site);
  std::set<IpAddress> attackers;
  size_t to_target = 0, from_scanner = 0;
  for (const auto& r : flows) {
    if (r.dip == o.ddos_target && r.flags == kTcpSyn) ++to_target, attackers.insert(r.sip);
    if (r.sip == *IpAddress::Parse("203.0.113.66")) ++from_scanner;
  }
  EXPECT_GT(to_target, 1000u);
  EXPECT_GT(attackers.size(), 1000u);
  EXPECT_GT(from_scanner, 100u);
}

TEST(Generator, RejectsAClassThatIsNotThere) {
  GeneratorOptions o;
  o.class_name = "nosuch";
  EXPECT_FALSE(FlowGenerator::Create(o, SiteConfig::Default()).ok());
}

TEST(Generator, RepositoryOnWorkersHoldsWhatOneThreadMakes) {
  SiteConfig site = TwowaySite();
  GeneratorOptions o;
  o.flows = FlowGenerator::kChunkFlows + 5000;  // two chunks
  o.start_ms = kDay;
  o.duration_ms = 3 * kMillisPerHour;
  auto g = FlowGenerator::Create(o, site);
  ASSERT_TRUE(g.ok());
  const std::string base = ::testing::TempDir() + "/gen_repo_" + std::to_string(getpid());
  std::filesystem::remove_all(base);
  auto path = [&site](uint8_t ft, uint16_t sensor, int64_t hour) {
    return site.FilePath(ft, sensor, hour);
  };
  // One thread, record by record: the reference.
  std::map<std::string, std::vector<FlowRecord>> expected;
  {
    RepositoryWriter one(base + "/one", path, {});
    FlowRecord r;
    while (g->Next(r)) {
      ASSERT_TRUE(one.Append(r).ok());
      expected[path(r.flowtype, r.sensor, FloorTo(r.stime_ms, kMillisPerHour))].push_back(r);
    }
    ASSERT_TRUE(one.Close().ok());
  }
  std::map<uint8_t, uint64_t> per_flowtype;
  uint64_t last_written = 0;
  RepositoryWriter repo(base + "/many", path, {});
  ASSERT_TRUE(GenerateToRepository(*g, repo, Compression::kZstd, 1, 3,
                                   [&](uint8_t ft, uint64_t records, uint64_t written) {
                                     per_flowtype[ft] += records;
                                     EXPECT_EQ(written, last_written + records);
                                     last_written = written;
                                   })
                  .ok());
  ASSERT_TRUE(repo.Close().ok());
  EXPECT_EQ(last_written, o.flows);
  EXPECT_EQ(repo.records(), o.flows);
  for (const auto& [file, records] : expected) {
    auto reader = FlowFileReader::Open(base + "/many/" + file);
    ASSERT_TRUE(reader.ok()) << file;
    std::vector<FlowRecord> got;
    FlowBatch batch;
    while ((*reader)->Next(batch))
      for (size_t i = 0; i < batch.size(); ++i) got.push_back(batch.Row(i));
    ASSERT_EQ(got, records) << file;
    per_flowtype[records[0].flowtype] -= records.size();
  }
  for (const auto& [ft, left] : per_flowtype) EXPECT_EQ(left, 0u) << int{ft};
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace weir
