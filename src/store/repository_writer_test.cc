#include "store/repository_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "base/time.h"
#include "store/flow_reader.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

// Every file under root, with its records in order.
std::map<std::string, std::vector<FlowRecord>> ReadAll(const std::string& root) {
  std::map<std::string, std::vector<FlowRecord>> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    auto reader = FlowFileReader::Open(e.path().string());
    EXPECT_TRUE(reader.ok());
    if (!reader.ok()) continue;
    auto& records = out[fs::relative(e.path(), root).string()];
    FlowBatch batch;
    while ((*reader)->Next(batch))
      for (size_t i = 0; i < batch.size(); ++i) records.push_back(batch.Row(i));
  }
  return out;
}

TEST(RepositoryWriter, AppendRecordsEqualsAppendOneByOne) {
  const std::string base = ::testing::TempDir() + "/repo_writer_" + std::to_string(getpid());
  fs::remove_all(base);
  auto path = [](uint8_t flowtype, uint16_t sensor, int64_t hour) {
    return "s" + std::to_string(sensor) + "/f" + std::to_string(flowtype) + "/" +
           std::to_string(hour / kMillisPerHour);
  };
  std::mt19937_64 rng(7);
  std::vector<FlowRecord> records(20000);
  for (auto& r : records) {
    r.sip = IpAddress::V4(static_cast<uint32_t>(rng()));
    r.stime_ms = 1'700'000'000'000 + static_cast<int64_t>(rng() % (5 * kMillisPerHour));
    r.flowtype = static_cast<uint8_t>(rng() % 3);
    r.sensor = static_cast<uint16_t>(rng() % 2);
    r.packets = rng() % 100;
  }
  // Many hours in one batch: more than the grouping keeps, so the fallback runs too.
  for (int i = 0; i < 200; ++i) records[i].stime_ms += (i % 90) * kMillisPerHour;
  WriterOptions o;
  o.block_records = 1024;
  {
    RepositoryWriter one(base + "/one", path, o, 100);
    for (const auto& r : records) ASSERT_TRUE(one.Append(r).ok());
    ASSERT_TRUE(one.Close().ok());
    RepositoryWriter many(base + "/many", path, o, 100);
    for (size_t at = 0; at < records.size(); at += 3000) {
      size_t n = std::min<size_t>(3000, records.size() - at);
      ASSERT_TRUE(many.AppendRecords(std::span(records).subspan(at, n)).ok());
    }
    ASSERT_TRUE(many.Close().ok());
    EXPECT_EQ(many.records(), records.size());
  }
  auto a = ReadAll(base + "/one"), b = ReadAll(base + "/many");
  EXPECT_GT(a.size(), 30u);
  EXPECT_EQ(a, b);
  fs::remove_all(base);
}

}  // namespace
}  // namespace weir
