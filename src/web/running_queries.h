// RunningQueries: the queries weir serve is planning or running, for listing,
// cancelling, the per-user limit and the metrics. A query is registered with
// Start() and leaves the list when the last copy of its ticket goes, whatever
// ended it (an answer, an error, an exception, a finished download); its
// duration then goes into the histogram of its view. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/prometheus.h"
#include "query/control.h"
#include "web/api_json.h"

namespace weir::web {

class RunningQueries {
 public:
  struct Ticket {
    uint64_t serial = 0;
    std::shared_ptr<QueryControl> control;  // null: the user runs too many already
    std::shared_ptr<void> registration;     // its deleter takes the query off the list
  };

  RunningQueries(const QueryLimits& limits, int max_per_user)
      : limits_(limits), max_per_user_(max_per_user) {}

  // client_id: the client's name for the query ("" gives "qN").
  Ticket Start(const std::string& client_id, const std::string& user, std::string_view view);
  // What GET /api/queries shows as the query's filter.
  void Describe(const Ticket& ticket, const std::string& filter);
  // The queries of `user`, or everyone's.
  std::vector<RunningQueryInfo> List(const std::string& user, bool everyone) const;
  // Cancels the queries named id of `user` (or anyone's); false when there is none.
  bool Cancel(const std::string& id, const std::string& user, bool anyone);
  void CancelAll();
  // Queries running and registered, and their durations by view, for Prometheus.
  void AppendMetrics(PrometheusText& out) const;

 private:
  struct Running {
    std::string id, user, view, filter;
    int64_t started_ms = 0;
    std::shared_ptr<QueryControl> control;
  };
  // Durations of one view: counts per bucket (not cumulative) and their sum.
  struct Durations {
    std::vector<uint64_t> counts;
    double sum = 0;
  };
  static const std::vector<double> kBounds;  // the histogram's buckets, in seconds

  const QueryLimits limits_;
  const int max_per_user_;
  mutable std::mutex mutex_;
  std::map<uint64_t, Running> running_;
  uint64_t registered_ = 0;
  std::map<std::string, Durations> durations_;
};

}  // namespace weir::web
