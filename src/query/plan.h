// The one query front end: a QuerySpec says what a query reads and which records
// count, however it was asked (weir's switches, the web's JSON, Python's
// keywords: each front end is a short translator into a QuerySpec), and
// PlanQuery turns it into a QueryPlan: the files to read and the Predicate to
// apply, with the same query written as weir filter switches. Planning a
// repository selection is bounded by a QueryControl when one is given: the
// selection may cover at most its max_days, the candidate files are visited
// without building their list, and its deadline, memory limit and cancel flag
// stop it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "query/control.h"
#include "query/partition.h"
#include "query/predicate.h"
#include "site/file_selection.h"
#include "site/site_config.h"

namespace weir {

// One more condition in the expression language, ANDed to the rest: kept, or
// (exclude) left out. `name` prefixes its errors ("where dip", "exclude").
struct QueryClause {
  std::string expr;
  bool exclude = false;
  std::string name;
};

struct QuerySpec {
  // The source: these files (paths; "-" a stream), or, when selecting, the
  // repository files of `selection` (rwfilter's selection switches).
  std::vector<std::string> files;
  bool selecting = false;
  FileSelection selection;
  // Flow start times in [first, last] ms: a predicate, besides the hours the
  // selection picks (the web's time range).
  std::optional<std::pair<int64_t, int64_t>> stime;

  SwitchValues switches;  // rwfilter's partitioning switches, without "--"
  std::string expr;       // the expression language (doc/query.md, "The expression language")
  std::string expr_name;  // prefixes expr's errors ("--expr"); empty: none
  std::vector<QueryClause> clauses;
  // IP set switches name a set file in ROOT/sets/, never a path (the web).
  bool sets_in_repository = false;
  int threads = 0;  // scan workers; 0: one per core
};

struct QueryPlan {
  std::vector<std::string> inputs;
  std::vector<std::string> missing;  // selected hours without a file (control-less plans)
  Predicate predicate = Predicate::All();
  std::string description;  // the same query as weir filter switches
  int threads = 0;
};

// Plans spec over the repository at root. now_ms resolves a selection's default
// dates. Errors are Status::Invalid naming the switch or clause; a plan stopped
// by its control is Status::Unsupported with control->Explain().
Result<QueryPlan> PlanQuery(const QuerySpec& spec, const SiteConfig& site, const std::string& root,
                            int64_t now_ms, QueryControl* control = nullptr);

// "YYYY/MM/DD:HH" of the hour holding ms, as the selection switches take it.
std::string HourText(int64_t ms);

}  // namespace weir
