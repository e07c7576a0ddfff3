#include "query/protocol_stats.h"

#include <algorithm>

namespace weir {
namespace {

// rwstats' interval bounds. TCP's serve for all protocols together too, since
// TCP dominates most traffic; every protocol but TCP gets UDP's.
constexpr uint64_t kLast = 0xFFFFFFFF;
constexpr MeasureDistribution::Bounds kTcpBytes = {40,   60,    100,    150,     256,
                                                   1000, 10000, 100000, 1000000, kLast};
constexpr MeasureDistribution::Bounds kUdpBytes = {20,   40,    80,     130,     256,
                                                   1000, 10000, 100000, 1000000, kLast};
constexpr MeasureDistribution::Bounds kPackets = {3, 4, 10, 20, 50, 100, 500, 1000, 10000, kLast};
constexpr MeasureDistribution::Bounds kTcpBytesPerPacket = {40,  44,  60,  100,  200,
                                                            400, 600, 800, 1500, kLast};
constexpr MeasureDistribution::Bounds kUdpBytesPerPacket = {20,  24,  40,  100,  200,
                                                            400, 600, 800, 1500, kLast};

ProtocolDistribution MakeDistribution(int protocol) {
  ProtocolDistribution d;
  d.protocol = protocol;
  bool tcp_bounds = protocol < 0 || protocol == 6;
  d.measures[static_cast<int>(FlowMeasure::kBytes)].bounds = tcp_bounds ? &kTcpBytes : &kUdpBytes;
  d.measures[static_cast<int>(FlowMeasure::kPackets)].bounds = &kPackets;
  d.measures[static_cast<int>(FlowMeasure::kBytesPerPacket)].bounds =
      tcp_bounds ? &kTcpBytesPerPacket : &kUdpBytesPerPacket;
  return d;
}

}  // namespace

void MeasureDistribution::Add(uint64_t value) {
  min = std::min(min, value);
  max = std::max(max, value);
  int i = 0;
  while (i < kIntervals - 1 && value > (*bounds)[static_cast<size_t>(i)]) ++i;
  ++counts[static_cast<size_t>(i)];
}

void MeasureDistribution::Merge(const MeasureDistribution& other) {
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
}

Quartiles MeasureDistribution::EstimateQuartiles() const {
  std::array<uint64_t, kIntervals> cumulative{};
  uint64_t sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) cumulative[i] = sum += counts[i];
  // rwstats' quartile ranks: a quarter and a half of the flows, rounded down,
  // and three times the quarter.
  auto estimate = [&](uint64_t rank) {
    size_t i = 0;
    while (i + 1 < cumulative.size() && rank > cumulative[i]) ++i;
    uint64_t low_bound = i ? (*bounds)[i - 1] : 0, low_count = i ? cumulative[i - 1] : 0;
    // An empty interval (only possible for rank 0 in the first one): its lower bound.
    if (cumulative[i] == low_count) return static_cast<double>(low_bound);
    double fraction =
        static_cast<double>(rank - low_count) / static_cast<double>(cumulative[i] - low_count);
    return static_cast<double>(low_bound) +
           fraction * static_cast<double>((*bounds)[i] - low_bound);
  };
  if (sum == 0) return {};
  uint64_t quarter = sum / 4;
  return {estimate(quarter), estimate(sum / 2), estimate(3 * quarter)};
}

ProtocolStats::ProtocolStats(std::span<const uint8_t> detailed) {
  distributions_.push_back(MakeDistribution(-1));
  std::vector<uint8_t> protocols(detailed.begin(), detailed.end());
  std::sort(protocols.begin(), protocols.end());
  protocols.erase(std::unique(protocols.begin(), protocols.end()), protocols.end());
  for (uint8_t p : protocols) {
    slot_[p] = static_cast<int16_t>(distributions_.size());
    distributions_.push_back(MakeDistribution(p));
  }
}

ColumnSet ProtocolStats::Columns() {
  return ColumnSet::Of({FieldId::kProtocol, FieldId::kPackets, FieldId::kBytes});
}

void ProtocolStats::AddFlow(ProtocolDistribution& d, uint64_t bytes, uint64_t packets) {
  ++d.records;
  d.measures[static_cast<int>(FlowMeasure::kBytes)].Add(bytes);
  d.measures[static_cast<int>(FlowMeasure::kPackets)].Add(packets);
  d.measures[static_cast<int>(FlowMeasure::kBytesPerPacket)].Add(packets ? bytes / packets : 0);
}

void ProtocolStats::Add(const FlowBatch& b, std::span<const uint32_t> rows) {
  for (uint32_t r : rows) {
    uint64_t bytes = b.bytes[r], packets = b.packets[r];
    AddFlow(distributions_[0], bytes, packets);
    if (int16_t k = slot_[b.protocol[r]])
      AddFlow(distributions_[static_cast<size_t>(k)], bytes, packets);
  }
}

void ProtocolStats::Merge(const ProtocolStats& other) {
  for (size_t k = 0; k < distributions_.size() && k < other.distributions_.size(); ++k) {
    distributions_[k].records += other.distributions_[k].records;
    for (size_t m = 0; m < distributions_[k].measures.size(); ++m)
      distributions_[k].measures[m].Merge(other.distributions_[k].measures[m]);
  }
}

}  // namespace weir
