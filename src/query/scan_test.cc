#include "query/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "query/partition.h"
#include "store/flow_writer.h"

namespace weir {
namespace {

// Writes `files` files of `blocks` blocks of 1000 records each; record i has
// sport = i % 65536 and stime rising by file, so zone maps separate the files.
std::vector<std::string> WriteFiles(int files, int blocks) {
  std::vector<std::string> paths;
  uint64_t i = 0;
  for (int f = 0; f < files; ++f) {
    // Named after the test: ctest runs the tests of this file in parallel processes.
    std::string path = ::testing::TempDir() + "/scan-" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
                       std::to_string(f) + ".weir";
    WriterOptions options;
    options.block_records = 1000;
    auto writer = FlowFileWriter::Create(path, options);
    EXPECT_TRUE(writer.ok());
    for (int k = 0; k < blocks * 1000; ++k, ++i) {
      FlowRecord r;
      r.sport = static_cast<uint16_t>(i);
      r.dport = static_cast<uint16_t>(i % 7);
      r.protocol = 6;
      r.bytes = i;
      r.stime_ms = 1'000'000'000 * int64_t{f + 1} + k;
      EXPECT_TRUE((*writer)->Append(r).ok());
    }
    EXPECT_TRUE((*writer)->Close().ok());
    paths.push_back(path);
  }
  return paths;
}

TEST(Scan, OrderedAndParallelAgree) {
  auto paths = WriteFiles(3, 4);
  auto predicate = BuildPartition({{"dport", "3"}}, {});
  ASSERT_TRUE(predicate.ok());
  for (int threads : {1, 2, 4}) {
    std::vector<uint64_t> seen;
    ScanOptions options;
    options.columns = ColumnSet::Of({FieldId::kBytes});
    options.predicate = &*predicate;
    options.threads = threads;
    options.ordered = true;
    ScanStats stats = Scan(
        paths, options,
        [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
          for (uint32_t r : rows) seen.push_back(batch.bytes[r]);
          return true;
        },
        [](const Status& s) { ADD_FAILURE() << s.message(); });
    ASSERT_EQ(seen.size(), (12000u - 3 + 6) / 7) << threads;  // i % 7 == 3 below 12000
    for (size_t k = 0; k < seen.size(); ++k) EXPECT_EQ(seen[k], 3 + 7 * k);
    EXPECT_EQ(stats.records_read, 12000u);
    EXPECT_EQ(stats.records_passed, seen.size());
    EXPECT_EQ(stats.files, 3u);
  }
}

TEST(Scan, LookaheadKeepsOrderAndEachSlotToOneBlockAtATime) {
  auto paths = WriteFiles(4, 5);
  for (int threads : {2, 3}) {
    for (int stop_after : {0, 7}) {
      ScanOptions options;
      options.columns = ColumnSet::Of({FieldId::kBytes});
      options.threads = threads;
      options.ordered = true;
      options.lookahead = 3;
      const int slots = ScanSlots(options);
      ASSERT_EQ(slots, threads * 3);
      // Per slot: the block prepare saw (its first value), and whether it is in use.
      std::vector<std::atomic<int64_t>> prepared(static_cast<size_t>(slots));
      for (auto& p : prepared) p = -1;
      std::atomic<int> prepares{0};
      std::vector<uint64_t> firsts;
      options.prepare = [&](int slot, const FlowBatch& batch, std::span<const uint32_t> rows,
                            const RawBlock&) {
        EXPECT_GE(slot, 0);
        EXPECT_LT(slot, slots);
        // A slot is free again only once its block was consumed.
        EXPECT_EQ(prepared[static_cast<size_t>(slot)].exchange(
                      static_cast<int64_t>(batch.bytes[rows[0]])),
                  -1);
        ++prepares;
        return true;
      };
      Scan(
          paths, options,
          [&](int slot, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
            const uint64_t first = batch.bytes[rows[0]];
            EXPECT_EQ(prepared[static_cast<size_t>(slot)].exchange(-1),
                      static_cast<int64_t>(first));
            firsts.push_back(first);
            return stop_after == 0 || firsts.size() < static_cast<size_t>(stop_after);
          },
          [](const Status& s) { ADD_FAILURE() << s.message(); });
      const size_t expected = stop_after ? static_cast<size_t>(stop_after) : 20;
      ASSERT_EQ(firsts.size(), expected) << threads;
      for (size_t k = 0; k < firsts.size(); ++k) EXPECT_EQ(firsts[k], 1000 * k);
      if (!stop_after) {
        EXPECT_EQ(prepares.load(), 20);
      }
    }
  }
}

TEST(Scan, ZoneMapsSkipBlocksAndStopEarly) {
  auto paths = WriteFiles(3, 2);
  auto predicate = BuildPartition({{"bytes", "2000-2999"}}, {});
  ASSERT_TRUE(predicate.ok());
  std::mutex mutex;
  uint64_t passed = 0;
  ScanOptions options;
  options.predicate = &*predicate;
  options.threads = 2;
  ScanStats stats = Scan(
      paths, options,
      [&](int worker, const FlowBatch&, std::span<const uint32_t> rows, const RawBlock&) {
        EXPECT_LT(worker, 2);
        std::lock_guard lock(mutex);
        passed += rows.size();
        return true;
      },
      [](const Status& s) { ADD_FAILURE() << s.message(); });
  EXPECT_EQ(passed, 1000u);
  EXPECT_EQ(stats.blocks_read, 1u);
  EXPECT_EQ(stats.blocks_skipped, 5u);
  EXPECT_EQ(stats.records_read, 6000u);

  int calls = 0;
  options.ordered = true;
  Scan(
      paths, options = ScanOptions{},
      [&](int, const FlowBatch&, std::span<const uint32_t>, const RawBlock&) {
        return ++calls < 2;
      },
      [](const Status&) {});
  EXPECT_EQ(calls, 2);
}

TEST(Scan, ManyFilesAreScannedSideBySide) {
  // 12 files: at least 4 per worker, so each worker reads whole files itself.
  auto paths = WriteFiles(12, 2);
  paths.insert(paths.begin() + 5, "/nonexistent/middle.weir");
  auto predicate = BuildPartition({{"dport", "3"}, {"bytes", "0-15999"}}, {});
  ASSERT_TRUE(predicate.ok());
  for (int threads : {2, 3}) {
    std::mutex mutex;
    std::vector<uint64_t> seen;
    std::vector<std::string> errors;
    ScanOptions options;
    options.columns = ColumnSet::Of({FieldId::kBytes, FieldId::kStime});
    options.predicate = &*predicate;
    options.threads = threads;
    ScanStats stats = Scan(
        paths, options,
        [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows,
            const RawBlock& raw) {
          EXPECT_LT(worker, threads);
          std::lock_guard lock(mutex);
          for (uint32_t r : rows) {
            seen.push_back(batch.bytes[r]);
            // raw.input names the block's own file (path k holds file k, k - 1 past the gap).
            int64_t file = batch.stime_ms[r] / 1'000'000'000 - 1;
            EXPECT_EQ(raw.input, static_cast<uint32_t>(file < 5 ? file : file + 1));
          }
          return true;
        },
        [&](const Status& s) {
          std::lock_guard lock(mutex);
          errors.push_back(s.message());
        });
    // Files 0..7 hold bytes 0..15999; the blocks of the other 4 are skipped by zone map.
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), (16000u - 3 + 6) / 7) << threads;
    for (size_t k = 0; k < seen.size(); ++k) ASSERT_EQ(seen[k], 3 + 7 * k) << threads;
    EXPECT_EQ(stats.files, 12u);
    EXPECT_EQ(stats.records_read, 24000u);
    EXPECT_EQ(stats.blocks_read, 16u);
    EXPECT_EQ(stats.blocks_skipped, 8u);
    EXPECT_EQ(stats.records_passed, seen.size());
    EXPECT_EQ(stats.errors, 1u);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("/nonexistent/middle.weir"), std::string::npos);
  }

  // A consumer that says stop ends every worker's scan.
  std::atomic<int> calls{0};
  ScanOptions options;
  options.threads = 2;
  Scan(
      paths, options,
      [&](int, const FlowBatch&, std::span<const uint32_t>, const RawBlock&) {
        return ++calls < 3;
      },
      [](const Status&) {});
  EXPECT_LE(calls.load(), 4);  // the stopping call, and at most one more in flight
}

TEST(Scan, ReportsMissingFilesAndGoesOn) {
  auto paths = WriteFiles(1, 1);
  paths.insert(paths.begin(), "/nonexistent/file.weir");
  std::vector<std::string> errors;
  uint64_t rows_seen = 0;
  ScanStats stats = Scan(
      paths, ScanOptions{},
      [&](int, const FlowBatch&, std::span<const uint32_t> rows, const RawBlock&) {
        rows_seen += rows.size();
        return true;
      },
      [&](const Status& s) { errors.push_back(s.message()); });
  EXPECT_EQ(rows_seen, 1000u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("/nonexistent/file.weir"), std::string::npos);
  EXPECT_EQ(stats.errors, 1u);
}

}  // namespace
}  // namespace weir
