// Detection over stored flows (weir detect with files or a repository selection):
// the plan's records go to a Detector in the order they would have arrived.
//
// A repository's hourly files hold the records of an hour by start time, one file
// per flowtype and sensor, each in arrival order; files come hour by hour. The
// records are kept until a later hour begins, then handed over sorted by end time
// (about the order an exporter sends them), so at most about one hour of records
// is held at a time.
#pragma once

#include <functional>

#include "base/status.h"
#include "detect/detector.h"
#include "query/plan.h"

namespace weir {

struct HistoryStats {
  uint64_t records = 0;
  uint64_t files = 0;
  uint64_t errors = 0;
};

// Runs the plan's flows through the detector and finishes it. Damaged files and
// blocks go to on_error and are skipped.
Result<HistoryStats> DetectHistory(const QueryPlan& plan, Detector& detector,
                                   const std::function<void(const Status&)>& on_error);

}  // namespace weir
