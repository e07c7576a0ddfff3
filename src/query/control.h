// QueryControl: the limits one query runs under and the flag that stops it. A
// query checks ShouldStop() between blocks (and, while it is planned, between
// candidate files); another thread may Cancel() it at any time. The limits are
// the server's (weir serve) or the caller's; the first reason to stop is kept.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace weir {

struct QueryLimits {
  int64_t timeout_ms = 60'000;               // wall time of one query, planning included
  size_t memory_bytes = size_t{1} << 30;     // group tables, sorted positions, planned files
  uint64_t max_rows = 100'000;               // rows one answer (page, groups) may hold
  uint64_t max_download_sorted = 5'000'000;  // records a sorted download may order
  int64_t max_days = 400;                    // the time range a selection may cover
  int threads = 0;                           // scan workers per query; 0: one per core
};

// Why a query stopped early.
enum class StopReason { kNone, kCancelled, kTimeout, kMemory, kRows };

// Shared by a running query and whoever may cancel it; thread-safe.
class QueryControl {
 public:
  QueryControl(const QueryLimits& limits, int64_t now_ms)
      : limits_(limits), started_ms_(now_ms), deadline_ms_(now_ms + limits.timeout_ms) {}
  void Cancel() { Stop(StopReason::kCancelled); }
  // Records the first reason; later ones are ignored.
  void Stop(StopReason reason) {
    int expected = 0;
    reason_.compare_exchange_strong(expected, static_cast<int>(reason));
  }
  // True when the query must stop (checks the clock).
  bool ShouldStop();
  StopReason reason() const { return static_cast<StopReason>(reason_.load()); }
  // A sentence for the user: "the query ran longer than 60 s, the server's limit; ...".
  std::string Explain() const;
  const QueryLimits& limits() const { return limits_; }
  // When the query was registered: its elapsed time counts from here.
  int64_t started_ms() const { return started_ms_; }

 private:
  QueryLimits limits_;
  int64_t started_ms_, deadline_ms_;
  std::atomic<int> reason_{0};
};

}  // namespace weir
