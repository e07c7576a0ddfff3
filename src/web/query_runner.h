// Runs a planned web query: the records view (a page, in storage order or sorted
// by a field), top-N, time series, group-by and a summary, each answered as one
// JSON document; and the full result streamed as CSV or JSON Lines for download.
//
// Every run is bounded: a QueryControl carries the deadline, the memory and row
// limits and a cancel flag that another thread may set; the scan stops at the next
// block once any of them trips, and the caller learns why from the control.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "record/text.h"
#include "site/site_config.h"
#include "web/query_request.h"

namespace weir::web {

struct QueryLimits {
  int64_t timeout_ms = 60'000;               // wall time of one query
  size_t memory_bytes = size_t{1} << 30;     // group tables and sorted positions
  uint64_t max_rows = 100'000;               // rows one answer (page, groups) may hold
  uint64_t max_download_sorted = 5'000'000;  // records a sorted download may order
  int threads = 0;                           // scan workers per query; 0: one per core
};

// Why a query stopped early.
enum class StopReason { kNone, kCancelled, kTimeout, kMemory, kRows };

// Shared by a running query and whoever may cancel it; thread-safe.
class QueryControl {
 public:
  QueryControl(const QueryLimits& limits, int64_t now_ms)
      : limits_(limits), deadline_ms_(now_ms + limits.timeout_ms) {}
  void Cancel() { Stop(StopReason::kCancelled); }
  // Records the first reason; later ones are ignored.
  void Stop(StopReason reason) {
    int expected = 0;
    reason_.compare_exchange_strong(expected, static_cast<int>(reason));
  }
  // True when the query must stop (checks the clock).
  bool ShouldStop();
  StopReason reason() const { return static_cast<StopReason>(reason_.load()); }
  // A sentence for the user: "the query took longer than 60 s (the server's limit)".
  std::string Explain() const;
  const QueryLimits& limits() const { return limits_; }

 private:
  QueryLimits limits_;
  int64_t deadline_ms_;
  std::atomic<int> reason_{0};
};

// Runs the request's view and returns its JSON answer. A stopped query returns
// Status::Unsupported with control.Explain(); bad requests return Invalid.
Result<std::string> RunQuery(const QueryRequest& request, const QueryPlan& plan,
                             const SiteConfig& site, QueryControl& control);

// The live overview of [start_ms, end_ms): flows/s, bits/s and packets/s per
// sensor, the top talkers (source addresses), destination ports and protocols by
// bytes, and a per-bin series; all from one scan.
Result<std::string> RunOverview(const QueryPlan& plan, const SiteConfig& site,
                                QueryControl& control, int64_t start_ms, int64_t end_ms);

// Streams the full result of the request's view (records: every matching record,
// sorted when asked; top/group: every ranked group; series: every bin) as CSV with
// a title line or as JSON Lines, in the same layout as `weir cut`/`stats`/`count`
// with --output-format. write() returning false (the client went away) stops it.
Status StreamQuery(const QueryRequest& request, const QueryPlan& plan, const SiteConfig& site,
                   OutputFormat format, QueryControl& control,
                   const std::function<bool(std::string_view)>& write);

}  // namespace weir::web
