// TimeSeries: records, packets and bytes per time bin, the engine behind
// `weir count` (rwcount) and the web UI's traffic charts.
//
// A flow that spans several bins is spread over them by a load scheme, as rwcount
// does. Bins are indexed from an origin (a multiple of the bin size since the
// epoch, or a given start time). Each scan worker fills its own TimeSeries; Merge()
// adds them. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/flow_batch.h"

namespace weir {

enum class LoadScheme {
  kBinUniform = 0,        // equal shares to every bin the flow touches
  kStartSpike = 1,        // all to the bin of the start time
  kEndSpike = 2,          // all to the bin of the end time
  kMiddleSpike = 3,       // all to the bin of the midpoint
  kTimeProportional = 4,  // shares by the time spent in each bin (default)
  kMaximumVolume = 5,     // the whole flow to every bin it touches (an upper bound)
  kMinimumVolume = 6,     // only flows that lie within one bin count (a lower bound)
};

// Accepts the names above ("time-proportional") or their numbers.
Result<LoadScheme> ParseLoadScheme(std::string_view text);

struct TimeBin {
  double records = 0, packets = 0, bytes = 0;
};

class TimeSeries {
 public:
  // origin_ms: a bin starts there (bins extend both ways).
  TimeSeries(int64_t bin_ms, int64_t origin_ms, LoadScheme scheme);

  static ColumnSet Columns();
  void Add(const FlowBatch& batch, std::span<const uint32_t> rows);
  void Merge(const TimeSeries& other);

  bool empty() const { return bins_.empty(); }
  // Start of the first and last bins holding data.
  int64_t first_bin_ms() const { return origin_ms_ + first_index_ * bin_ms_; }
  int64_t last_bin_ms() const {
    return first_bin_ms() + (static_cast<int64_t>(bins_.size()) - 1) * bin_ms_;
  }
  // The bin starting at bin_start_ms (zero outside the data).
  TimeBin At(int64_t bin_start_ms) const;
  int64_t bin_ms() const { return bin_ms_; }
  // The start of the bin holding t.
  int64_t BinStart(int64_t t) const;
  // Refuses to hold more than this many bins (a bad --bin-size or absurd times).
  static constexpr int64_t kMaxBins = 50'000'000;
  bool overflowed() const { return overflowed_; }

 private:
  int64_t Index(int64_t t) const;
  TimeBin* Bin(int64_t index);  // null past kMaxBins
  void Spread(int64_t start, int64_t end, double records, double packets, double bytes);

  int64_t bin_ms_, origin_ms_;
  LoadScheme scheme_;
  int64_t first_index_ = 0;
  std::vector<TimeBin> bins_;
  bool overflowed_ = false;
};

}  // namespace weir
