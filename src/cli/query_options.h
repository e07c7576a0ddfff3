// The switches every analysis command shares: where the records come from
// (files, --xargs, standard input, or rwfilter's repository selection), which
// records count (rwfilter's partitioning switches and --expr), and --threads.
// `weir filter`, `cut`, `stats`, `uniq`, `count` and `sort` take them all, so the
// direct form (weir stats --type=all --protocol=6 ...) needs no pipe.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/common.h"
#include "query/predicate.h"
#include "query/scan.h"
#include "site/file_selection.h"

namespace weir::cli {

// Adds rwfilter's selection switches (--class, --type, ... --end-date) to app.
void AddSelectionOptions(CLI::App& app, FileSelection& sel);

struct PreparedQuery {
  SiteConfig site;
  std::vector<std::string> inputs;
  Predicate predicate;
  int threads = 0;
  // Prepare(..., follow=true): the repository to follow instead of inputs.
  std::string root;
  std::set<std::pair<uint8_t, uint16_t>> flowtype_sensors;  // empty: every file
  int64_t first_hour_ms = INT64_MIN;
};

class QueryOptions {
 public:
  void Add(CLI::App& app);
  // Resolves the inputs and compiles the predicate, after parsing. Errors are
  // printed; the exit code is returned in *exit_code.
  // With follow, the selection switches name what to follow in the repository
  // (no hours are listed; none given: every file) and no inputs are resolved.
  std::optional<PreparedQuery> Prepare(std::string_view command, int* exit_code,
                                       bool follow = false) const;
  const SiteOptions& site_options() const { return site_; }

 private:
  FileSelection selection_;
  SiteOptions site_;
  std::vector<std::string> files_;
  std::string xargs_;
  std::string expr_;
  bool print_missing_ = false;
  int threads_ = 0;
  std::map<std::string, std::string> switches_;  // partitioning switch -> value
  std::map<std::string, CLI::Option*> switch_options_;
};

// Scans a prepared query: errors go to stderr prefixed with the command; returns
// the statistics (errors counted in stats.errors).
ScanStats RunScan(std::string_view command, const PreparedQuery& query, ColumnSet columns,
                  bool ordered, const ScanConsumer& consumer, bool whole_blocks = false);
// The same with the caller's scan options (prepare, lookahead ...); the query sets
// the predicate and the threads.
ScanStats RunScan(std::string_view command, const PreparedQuery& query, ScanOptions options,
                  const ScanConsumer& consumer);

}  // namespace weir::cli
