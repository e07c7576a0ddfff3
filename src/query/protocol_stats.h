// ProtocolStats: how bytes, packets and bytes per packet are distributed over
// flows, across all protocols and for chosen ones: the engine behind
// `weir stats --overall-stats` and `--detail-proto-stats` (rwstats' protocol
// mode).
//
// Each measure keeps its minimum, its maximum and a count of flows per interval.
// The interval bounds are rwstats' fixed ones: TCP's for all protocols together
// and for protocol 6, UDP's for every other protocol. Quartiles are estimated
// from the interval counts by linear interpolation inside the interval, as
// rwstats does, so its numbers can be compared directly.
//
// Each scan worker fills its own ProtocolStats; Merge() adds them. Not
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "store/flow_batch.h"

namespace weir {

enum class FlowMeasure { kBytes = 0, kPackets = 1, kBytesPerPacket = 2 };
inline constexpr int kFlowMeasures = 3;

struct Quartiles {
  double lower = 0, median = 0, upper = 0;
};

struct MeasureDistribution {
  static constexpr int kIntervals = 10;
  using Bounds = std::array<uint64_t, kIntervals>;

  // Inclusive upper bound of each interval; the last one is 2^32 - 1 (as in
  // rwstats) but also takes any larger value.
  const Bounds* bounds = nullptr;
  uint64_t min = UINT64_MAX, max = 0;
  std::array<uint64_t, kIntervals> counts{};

  void Add(uint64_t value);
  void Merge(const MeasureDistribution& other);
  // Estimated from the interval counts; zeros when there are no flows.
  Quartiles EstimateQuartiles() const;
};

struct ProtocolDistribution {
  int protocol = -1;  // -1: all protocols
  uint64_t records = 0;
  std::array<MeasureDistribution, kFlowMeasures> measures;
};

class ProtocolStats {
 public:
  // detailed: the protocols to break out (any order, duplicates ignored).
  explicit ProtocolStats(std::span<const uint8_t> detailed);

  static ColumnSet Columns();
  void Add(const FlowBatch& batch, std::span<const uint32_t> rows);
  void Merge(const ProtocolStats& other);

  // All protocols first, then each detailed protocol in ascending order.
  const std::vector<ProtocolDistribution>& distributions() const { return distributions_; }

 private:
  void AddFlow(ProtocolDistribution& d, uint64_t bytes, uint64_t packets);

  std::vector<ProtocolDistribution> distributions_;
  std::array<int16_t, 256> slot_{};  // protocol -> index in distributions_ (0: not detailed)
};

}  // namespace weir
