// A web UI or API query: what the query builder sends to POST /api/query, as
// JSON, parsed into a QueryRequest and planned into the files to read and the
// Predicate to apply. The filter is built from the same pieces as weir filter's:
// rwfilter's partitioning switches (as a map, or as a raw switches string), an
// --expr expression, pivots ("dip = 10.0.0.1", kept or excluded) and an
// exclusion expression, all ANDed. doc/web.md documents the fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/aggregate.h"
#include "query/control.h"
#include "query/partition.h"
#include "query/plan.h"
#include "query/predicate.h"
#include "query/time_series.h"
#include "record/fields.h"
#include "site/site_config.h"

namespace weir::web {

enum class View { kRecords, kTop, kSeries, kGroup, kSummary };
Result<View> ParseView(std::string_view name);
std::string_view ViewName(View view);

// A pivot: one field equal to one value, required or excluded.
struct Pivot {
  std::string field, value;
  bool exclude = false;
};

struct QueryRequest {
  View view = View::kRecords;
  std::string id;  // the client's name for the query, for cancelling it

  // Time: [start_ms, end_ms) of flow start times.
  int64_t start_ms = 0, end_ms = 0;
  // Repository selection as rwfilter's switches take it (empty: the defaults).
  std::string classes, types, flowtypes, sensors;

  SwitchValues switches;  // partitioning switch name (no "--") -> value
  std::string raw;        // "--dport=53 --not-saddress 10.0.0.0/8 ..."
  std::string expr;       // the expression language (doc/query.md, "The expression language")
  std::string exclude;    // an expression whose records are left out
  std::vector<Pivot> pivots;

  // records
  std::vector<FieldId> fields;
  bool sorted = false;
  FieldId sort = FieldId::kStime;
  bool descending = false;
  uint64_t offset = 0, limit = 100;
  // top and group: the key and the values (the first ranks)
  std::vector<FieldId> keys;
  std::vector<ValueSpec> values;
  uint64_t count = 10;
  bool bottom = false;
  // series
  int64_t bin_ms = 300'000;
  LoadScheme scheme = LoadScheme::kTimeProportional;
};

// Parses the JSON body. now_ms resolves "last": "15m". Errors name the field.
Result<QueryRequest> ParseQueryRequest(std::string_view json, int64_t now_ms);

// The files to read and the predicate to apply (query/plan.h), and where.
struct QueryPlan : weir::QueryPlan {
  std::string root;  // the repository, left out of messages users see
};
// Planning is bounded like the scan: the final selection (whatever switch set its
// dates) may cover at most control.limits().max_days, the candidate files are
// visited without building their list, and the control's deadline, memory limit
// and cancel flag stop it (Status::Unsupported with control.Explain()).
Result<QueryPlan> PlanQuery(const QueryRequest& request, const SiteConfig& site,
                            const std::string& root, int64_t now_ms, QueryControl& control);

// message with the server's paths taken out (the repository root and the
// temporary directory, so that files show relative to the repository): what a
// user is shown; the server's log keeps the full text.
std::string WithoutServerPaths(std::string_view message, std::string_view root);

// Splits a raw switches string into (name, value) pairs: "--name=value",
// "--name value", quotes ('...' "...") group words. Names are checked by the caller.
Result<SwitchValues> SplitSwitches(std::string_view text);

}  // namespace weir::web
