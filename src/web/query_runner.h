// Runs a planned web query: the records view (a page, in storage order or sorted
// by a field), top-N, time series, group-by and a summary, each answered as one
// JSON document; and the full result streamed as CSV or JSON Lines for download.
//
// Every run is bounded: a QueryControl carries the deadline, the memory and row
// limits and a cancel flag that another thread may set; the scan stops at the next
// block once any of them trips, and the caller learns why from the control.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "query/control.h"
#include "record/text.h"
#include "site/site_config.h"
#include "web/query_request.h"

namespace weir::web {

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
