#include "query/protocol_stats.h"

#include <gtest/gtest.h>

#include <array>
#include <tuple>
#include <vector>

namespace weir {
namespace {

using Flow = std::tuple<uint8_t, uint64_t, uint64_t>;  // protocol, bytes, packets

FlowBatch Batch(const std::vector<Flow>& flows) {
  FlowBatch b;
  for (auto [protocol, bytes, packets] : flows) {
    FlowRecord r;
    r.protocol = protocol;
    r.bytes = bytes;
    r.packets = packets;
    b.Append(r);
  }
  return b;
}

std::vector<uint32_t> AllRows(const FlowBatch& b) {
  std::vector<uint32_t> rows(b.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  return rows;
}

const MeasureDistribution& Measure(const ProtocolDistribution& d, FlowMeasure m) {
  return d.measures[static_cast<size_t>(m)];
}

using Counts = std::array<uint64_t, MeasureDistribution::kIntervals>;

// Four TCP and two UDP flows; every number below was worked out by hand from
// rwstats' interval bounds.
const std::vector<Flow> kFlows = {{6, 40, 1},           {6, 1500, 3}, {6, 52, 1},
                                  {6, 5'000'000, 5000}, {17, 76, 1},  {17, 200, 2}};

TEST(ProtocolStats, CountsIntervalsAndEstimatesQuartilesAsRwstats) {
  const uint8_t detailed[] = {17, 17};
  ProtocolStats stats(detailed);
  FlowBatch b = Batch(kFlows);
  stats.Add(b, AllRows(b));
  const auto& d = stats.distributions();
  ASSERT_EQ(d.size(), 2u);  // the duplicate 17 counts once

  const ProtocolDistribution& all = d[0];
  EXPECT_EQ(all.protocol, -1);
  EXPECT_EQ(all.records, 6u);
  const MeasureDistribution& bytes = Measure(all, FlowMeasure::kBytes);
  EXPECT_EQ(bytes.min, 40u);
  EXPECT_EQ(bytes.max, 5'000'000u);
  // TCP bounds 40,60,100,150,256,1000,10000,100000,1000000,max.
  EXPECT_EQ(bytes.counts, (Counts{1, 1, 1, 0, 1, 0, 1, 0, 0, 1}));
  // Ranks 1, 3, 3: inside (0,40] with 1 of 1 flows, then (60,100] with 1 of 1.
  Quartiles q = bytes.EstimateQuartiles();
  EXPECT_DOUBLE_EQ(q.lower, 40);
  EXPECT_DOUBLE_EQ(q.median, 100);
  EXPECT_DOUBLE_EQ(q.upper, 100);
  EXPECT_EQ(Measure(all, FlowMeasure::kPackets).counts, (Counts{5, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
  // Bytes per packet 40, 500, 52, 1000, 76, 100 (TCP bounds 40,44,60,100,200,400,600,800,1500).
  EXPECT_EQ(Measure(all, FlowMeasure::kBytesPerPacket).counts,
            (Counts{1, 0, 1, 2, 0, 0, 1, 0, 1, 0}));

  const ProtocolDistribution& udp = d[1];
  EXPECT_EQ(udp.protocol, 17);
  EXPECT_EQ(udp.records, 2u);
  // UDP bounds 20,40,80,130,256,...: 76 and 200.
  const MeasureDistribution& udp_bytes = Measure(udp, FlowMeasure::kBytes);
  EXPECT_EQ(udp_bytes.counts, (Counts{0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
  q = udp_bytes.EstimateQuartiles();
  EXPECT_DOUBLE_EQ(q.lower, 0);  // rank 0 falls in the empty first interval
  EXPECT_DOUBLE_EQ(q.median, 80);
  EXPECT_DOUBLE_EQ(q.upper, 0);
  EXPECT_EQ(Measure(udp, FlowMeasure::kBytesPerPacket).min, 76u);
  EXPECT_EQ(Measure(udp, FlowMeasure::kBytesPerPacket).max, 100u);
}

TEST(ProtocolStats, InterpolatesInsideAnInterval) {
  // 8 flows of 1 packet: 2 in (0,3], 6 in (4,10] (packets bounds 3,4,10,...).
  std::vector<Flow> flows;
  for (uint64_t p : {1, 2, 5, 6, 7, 8, 9, 10}) flows.emplace_back(6, 100 * p, p);
  ProtocolStats stats({});
  FlowBatch b = Batch(flows);
  stats.Add(b, AllRows(b));
  Quartiles q = Measure(stats.distributions()[0], FlowMeasure::kPackets).EstimateQuartiles();
  EXPECT_DOUBLE_EQ(q.lower, 3);                 // rank 2 ends the first interval
  EXPECT_DOUBLE_EQ(q.median, 4 + 2.0 / 6 * 6);  // rank 4: 2 of the 6 flows in (4,10]
  EXPECT_DOUBLE_EQ(q.upper, 4 + 4.0 / 6 * 6);
}

TEST(ProtocolStats, MergingWorkersGivesTheSameAnswer) {
  const uint8_t detailed[] = {6, 17, 1};
  ProtocolStats whole(detailed), first(detailed), second(detailed);
  FlowBatch b = Batch(kFlows);
  std::vector<uint32_t> rows = AllRows(b), even, odd;
  for (uint32_t r : rows) (r % 2 ? odd : even).push_back(r);
  whole.Add(b, rows);
  first.Add(b, even);
  second.Add(b, odd);
  first.Merge(second);
  ASSERT_EQ(first.distributions().size(), 4u);
  for (size_t k = 0; k < whole.distributions().size(); ++k) {
    const auto& want = whole.distributions()[k];
    const auto& got = first.distributions()[k];
    EXPECT_EQ(got.protocol, want.protocol);
    EXPECT_EQ(got.records, want.records);
    for (size_t m = 0; m < want.measures.size(); ++m) {
      EXPECT_EQ(got.measures[m].counts, want.measures[m].counts);
      EXPECT_EQ(got.measures[m].min, want.measures[m].min);
      EXPECT_EQ(got.measures[m].max, want.measures[m].max);
    }
  }
  EXPECT_EQ(first.distributions()[1].protocol, 1);  // ascending: 1, 6, 17
  EXPECT_EQ(first.distributions()[1].records, 0u);
}

TEST(ProtocolStats, HugeFlowsLandInTheLastIntervalAndEmptyFlowsHaveNoRate) {
  ProtocolStats stats({});
  FlowBatch b = Batch({{6, uint64_t{1} << 40, 0}});
  stats.Add(b, AllRows(b));
  const auto& all = stats.distributions()[0];
  EXPECT_EQ(Measure(all, FlowMeasure::kBytes).counts[9], 1u);
  EXPECT_EQ(Measure(all, FlowMeasure::kBytes).max, uint64_t{1} << 40);
  EXPECT_EQ(Measure(all, FlowMeasure::kBytesPerPacket).counts[0], 1u);  // 0 packets: rate 0
}

}  // namespace
}  // namespace weir
