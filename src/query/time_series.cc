#include "query/time_series.h"

#include <algorithm>

#include "base/strings.h"
#include "base/time.h"

namespace weir {

Result<LoadScheme> ParseLoadScheme(std::string_view text) {
  static constexpr std::pair<std::string_view, LoadScheme> kNames[] = {
      {"bin-uniform", LoadScheme::kBinUniform},
      {"start-spike", LoadScheme::kStartSpike},
      {"end-spike", LoadScheme::kEndSpike},
      {"middle-spike", LoadScheme::kMiddleSpike},
      {"time-proportional", LoadScheme::kTimeProportional},
      {"maximum-volume", LoadScheme::kMaximumVolume},
      {"minimum-volume", LoadScheme::kMinimumVolume},
  };
  for (auto [name, scheme] : kNames)
    if (EqualsIgnoreCase(text, name)) return scheme;
  if (auto n = ParseUint(text, 6)) return static_cast<LoadScheme>(*n);
  return Status::Invalid("unknown load scheme '" + std::string(text) +
                         "' (bin-uniform, start-spike, end-spike, middle-spike, "
                         "time-proportional, maximum-volume, minimum-volume, or 0-6)");
}

TimeSeries::TimeSeries(int64_t bin_ms, int64_t origin_ms, LoadScheme scheme)
    : bin_ms_(std::max<int64_t>(bin_ms, 1)), origin_ms_(origin_ms), scheme_(scheme) {}

ColumnSet TimeSeries::Columns() {
  return ColumnSet::Of({FieldId::kStime, FieldId::kDuration, FieldId::kPackets, FieldId::kBytes});
}

int64_t TimeSeries::Index(int64_t t) const { return FloorTo(t - origin_ms_, bin_ms_) / bin_ms_; }

int64_t TimeSeries::BinStart(int64_t t) const { return origin_ms_ + Index(t) * bin_ms_; }

TimeBin* TimeSeries::Bin(int64_t index) {
  if (bins_.empty()) {
    first_index_ = index;
    bins_.resize(1);
    return &bins_[0];
  }
  int64_t last = first_index_ + static_cast<int64_t>(bins_.size()) - 1;
  int64_t lo = std::min(first_index_, index), hi = std::max(last, index);
  if (hi - lo + 1 > kMaxBins) {
    overflowed_ = true;
    return nullptr;
  }
  if (index < first_index_) {
    bins_.insert(bins_.begin(), static_cast<size_t>(first_index_ - index), TimeBin{});
    first_index_ = index;
  } else if (index > last) {
    bins_.resize(static_cast<size_t>(index - first_index_ + 1));
  }
  return &bins_[static_cast<size_t>(index - first_index_)];
}

void TimeSeries::Spread(int64_t start, int64_t end, double records, double packets, double bytes) {
  auto add = [&](int64_t index, double share) {
    if (TimeBin* b = Bin(index)) {
      b->records += records * share;
      b->packets += packets * share;
      b->bytes += bytes * share;
    }
  };
  int64_t first = Index(start), last = Index(end);
  switch (scheme_) {
    case LoadScheme::kStartSpike:
      return add(first, 1);
    case LoadScheme::kEndSpike:
      return add(last, 1);
    case LoadScheme::kMiddleSpike:
      return add(Index(start + (end - start) / 2), 1);
    case LoadScheme::kMinimumVolume:
      if (first == last) add(first, 1);
      return;
    default:
      break;
  }
  if (first == last) return add(first, 1);
  if (last - first + 1 > kMaxBins) {
    overflowed_ = true;
    return;
  }
  double bins = static_cast<double>(last - first + 1);
  double span = static_cast<double>(end - start);
  for (int64_t i = first; i <= last; ++i) {
    double share = 1;
    if (scheme_ == LoadScheme::kBinUniform) {
      share = 1 / bins;
    } else if (scheme_ == LoadScheme::kTimeProportional) {
      int64_t lo = std::max(start, origin_ms_ + i * bin_ms_);
      int64_t hi = std::min(end, origin_ms_ + (i + 1) * bin_ms_);
      share = static_cast<double>(hi - lo) / span;
    }
    add(i, share);
  }
}

void TimeSeries::Add(const FlowBatch& b, std::span<const uint32_t> rows) {
  for (uint32_t r : rows) {
    int64_t start = b.stime_ms[r];
    int64_t end = start + b.duration_ms[r];
    // Most flows sit inside one bin: one index, no division.
    int64_t index = Index(start);
    if (end - (origin_ms_ + index * bin_ms_) < bin_ms_) {
      if (TimeBin* bin = Bin(index)) {
        bin->records += 1;
        bin->packets += static_cast<double>(b.packets[r]);
        bin->bytes += static_cast<double>(b.bytes[r]);
      }
      continue;
    }
    Spread(start, end, 1, static_cast<double>(b.packets[r]), static_cast<double>(b.bytes[r]));
  }
}

void TimeSeries::Merge(const TimeSeries& other) {
  for (size_t i = 0; i < other.bins_.size(); ++i) {
    const TimeBin& from = other.bins_[i];
    if (from.records == 0 && from.packets == 0 && from.bytes == 0) continue;
    if (TimeBin* to = Bin(other.first_index_ + static_cast<int64_t>(i))) {
      to->records += from.records;
      to->packets += from.packets;
      to->bytes += from.bytes;
    }
  }
  overflowed_ = overflowed_ || other.overflowed_;
}

TimeBin TimeSeries::At(int64_t bin_start_ms) const {
  int64_t index = Index(bin_start_ms) - first_index_;
  if (bins_.empty() || index < 0 || index >= static_cast<int64_t>(bins_.size())) return {};
  return bins_[static_cast<size_t>(index)];
}

}  // namespace weir
