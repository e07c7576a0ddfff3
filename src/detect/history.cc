#include "detect/history.h"

#include <algorithm>
#include <limits>

#include "base/time.h"
#include "query/scan.h"

namespace weir {

Result<HistoryStats> DetectHistory(const QueryPlan& plan, Detector& detector,
                                   const std::function<void(const Status&)>& on_error) {
  constexpr int64_t kHour = 3600'000;
  std::vector<FlowRecord> held;
  int64_t hour = std::numeric_limits<int64_t>::min();  // the latest start hour read
  auto by_end = [](const FlowRecord& a, const FlowRecord& b) {
    return a.etime_ms() < b.etime_ms();
  };
  // Hands over the held records that end before `before`, oldest end first.
  auto release = [&](int64_t before) {
    auto cut = std::partition(held.begin(), held.end(),
                              [&](const FlowRecord& r) { return r.etime_ms() < before; });
    std::stable_sort(held.begin(), cut, by_end);
    constexpr size_t kBatch = 8192;
    for (auto it = held.begin(); it < cut; it += std::min<ptrdiff_t>(kBatch, cut - it))
      detector.Add(std::span(&*it, static_cast<size_t>(std::min<ptrdiff_t>(kBatch, cut - it))));
    held.erase(held.begin(), cut);
  };

  ScanOptions options;
  options.columns = ColumnSet::All();
  options.predicate = plan.predicate.is_all() ? nullptr : &plan.predicate;
  options.ordered = true;
  options.threads = plan.threads;
  FlowRecord r;
  ScanStats stats = Scan(
      plan.inputs, options,
      [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        for (uint32_t row : rows) {
          batch.GetRow(row, r);
          const int64_t h = FloorTo(r.stime_ms, kHour);
          if (h > hour) {
            // Records of earlier start hours are all read: what ends before this
            // hour can go.
            if (hour != std::numeric_limits<int64_t>::min()) release(h);
            hour = h;
          }
          held.push_back(r);
        }
        return true;
      },
      on_error);
  release(std::numeric_limits<int64_t>::max());
  detector.Finish();
  return HistoryStats{stats.records_passed, stats.files, stats.errors};
}

}  // namespace weir
