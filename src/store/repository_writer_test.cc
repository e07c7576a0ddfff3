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

TEST(RepositoryWriter, EncodedBlocksGoToTheirFileInItsOwnVersion) {
  const std::string base = ::testing::TempDir() + "/repo_encoded_" + std::to_string(getpid());
  fs::remove_all(base);
  auto path = [](uint8_t flowtype, uint16_t, int64_t hour) {
    return "f" + std::to_string(flowtype) + "-" + std::to_string(hour / kMillisPerHour);
  };
  const int64_t hour = 1'700'002'800'000;  // on an hour
  FlowBatch batch;
  for (int i = 0; i < 500; ++i) {
    FlowRecord r;
    r.sip = IpAddress::V4(0x0a000000u + static_cast<uint32_t>(i % 7));
    r.protocol = static_cast<uint8_t>(i % 2 ? 6 : 17);
    r.stime_ms = hour + i;
    r.flowtype = 1;
    r.bytes = static_cast<uint64_t>(i) * 1000;
    batch.Append(r);
  }
  std::vector<std::byte> block;
  BlockEncoder(Compression::kZstd, 1).Encode(batch, block);
  // An hour file written by an older weir, at version 2: it must stay version 2.
  fs::create_directories(base);
  {
    WriterOptions old;
    old.version = 2;
    auto w = FlowFileWriter::Create(base + "/" + path(1, 0, hour + kMillisPerHour), old);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  {
    RepositoryWriter repo(base, path, {});
    ASSERT_TRUE(
        repo.AppendEncodedBlock(1, 0, hour + 5, block, batch.size(), kFlowFileVersion).ok());
    ASSERT_TRUE(
        repo.AppendEncodedBlock(1, 0, hour + kMillisPerHour, block, batch.size(), kFlowFileVersion)
            .ok());
    ASSERT_TRUE(repo.Close().ok());
    EXPECT_EQ(repo.records(), 1000u);
    EXPECT_EQ(repo.files_opened(), 2u);
  }
  std::vector<FlowRecord> expected;
  for (size_t i = 0; i < batch.size(); ++i) expected.push_back(batch.Row(i));
  auto files = ReadAll(base);
  ASSERT_EQ(files.size(), 2u);
  for (const auto& [name, records] : files) EXPECT_EQ(records, expected) << name;
  for (auto [name, version] : {std::pair{path(1, 0, hour), kFlowFileVersion},
                               std::pair{path(1, 0, hour + kMillisPerHour), uint16_t{2}}}) {
    auto r = FlowFileReader::Open(base + "/" + name);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->header().version, version) << name;
  }
  fs::remove_all(base);
}

}  // namespace
}  // namespace weir
