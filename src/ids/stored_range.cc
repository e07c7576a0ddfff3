#include "ids/stored_range.h"

#include "base/time.h"

namespace weir {

Result<QueryPlan> PlanStoredRange(const std::string& root, const SiteConfig& site,
                                  const FileSelection& selection, const std::string& expr,
                                  int threads, int64_t from_ms, int64_t to_ms) {
  QuerySpec spec;
  spec.selecting = true;
  spec.selection = selection;
  spec.selection.start_date = HourText(from_ms);
  spec.selection.end_date = HourText(to_ms);
  spec.stime = std::make_pair(from_ms, to_ms);
  spec.expr = expr;
  spec.expr_name = "--expr";
  spec.threads = threads;
  return PlanQuery(spec, site, root, NowMillis());
}

}  // namespace weir
