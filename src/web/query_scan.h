// The bounded scans behind the web's views and downloads (internal to the web
// module): a RunContext carries the plan, the control that may stop the scan,
// its statistics and its errors; BuildGroups and BuildSeries fill an
// Aggregator or a TimeSeries from every scan worker at once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/time.h"
#include "query/aggregate.h"
#include "query/control.h"
#include "query/scan.h"
#include "query/time_series.h"
#include "web/query_request.h"

namespace weir::web {

// Scan errors (damaged blocks, unreadable files): the first, and the first ten
// messages for an answer's warnings. Thread-safe.
struct ScanErrors {
  std::mutex mutex;
  Status first;
  std::vector<std::string> messages;
  void Add(const Status& s);
};

struct RunContext {
  const QueryPlan& plan;
  QueryControl& control;
  ScanErrors errors;
  ScanStats stats;
  int64_t started_ms = control.started_ms();
};

// Scans the plan's inputs, stopping at the next block once the control says so.
ScanStats BoundedScan(RunContext& run, ColumnSet columns, bool ordered,
                      const ScanConsumer& consumer);
// The request's groups (keys and values), stopped past the memory limit. Sets run.stats.
Result<std::unique_ptr<Aggregator>> BuildGroups(RunContext& run, const QueryRequest& q);
// The request's series (bin size, load scheme, origin at its start). Sets run.stats.
Result<TimeSeries> BuildSeries(RunContext& run, const QueryRequest& q);

}  // namespace weir::web
