#include "cli/query_options.h"

#include <unistd.h>

#include "base/time.h"
#include "query/expression.h"
#include "query/partition.h"
#include "query/plan.h"

namespace weir::cli {

void AddSelectionOptions(CLI::App& app, FileSelection& sel) {
  app.add_option("--class", sel.classes, "class(es) to select (default: the site's default-class)")
      ->group("Selection");
  app.add_option("--type", sel.types,
                 "types to select, comma separated, or all (default: the class's default types)")
      ->group("Selection");
  app.add_option("--flowtypes", sel.flowtypes,
                 "CLASS/TYPE pairs, comma separated; 'all' allowed on either side")
      ->group("Selection");
  app.add_option("--sensors", sel.sensors, "sensor names, ids or id ranges (default: all)")
      ->group("Selection");
  app.add_option("--start-date", sel.start_date,
                 "first hour or day: YYYY/MM/DD[:HH] (default: today)")
      ->group("Selection");
  app.add_option("--end-date", sel.end_date, "last hour or day: YYYY/MM/DD[:HH]")
      ->group("Selection");
}

void QueryOptions::Add(CLI::App& app) {
  AddSelectionOptions(app, selection_);
  site_.Add(app);
  app.add_flag("--print-missing-files", print_missing_,
               "report selected repository files that do not exist")
      ->group("Selection");
  for (const auto& s : PartitionSwitches()) {
    switch_options_[std::string(s.name)] =
        app.add_option("--" + std::string(s.name), switches_[std::string(s.name)],
                       std::string(s.help))
            ->group("Partitioning (all must hold)");
  }
  app.add_option("--expr", expr_,
                 "filter expression, nfdump style: 'proto tcp and dst port 443 and bytes > 1M'")
      ->group("Partitioning (all must hold)");
  app.add_option("--threads", threads_, "worker threads (default: one per core)");
  app.add_option("--xargs", xargs_, "read input file names from this file (- for stdin)");
  app.add_option("files", files_, "flow files or streams (default: the selection, or stdin)");
}

std::optional<PreparedQuery> QueryOptions::Prepare(std::string_view command, int* exit_code,
                                                   bool follow) const {
  auto fail = [&](int code, const std::string& message) {
    PrintError(command, message);
    *exit_code = code;
    return std::nullopt;
  };
  auto site = site_.Load(command);
  if (!site.ok()) return fail(kExitFailure, site.status().message());
  PreparedQuery q{std::move(*site), {}, Predicate::All(), threads_, {}, {}, INT64_MIN};

  // The switches as the query front end's spec (query/plan.h).
  QuerySpec spec;
  for (const auto& [name, option] : switch_options_)
    if (option->count() > 0) spec.switches.emplace_back(name, switches_.at(name));
  spec.expr = expr_;
  spec.expr_name = "--expr";
  spec.threads = threads_;
  bool selecting = !selection_.classes.empty() || !selection_.types.empty() ||
                   !selection_.flowtypes.empty() || !selection_.sensors.empty() ||
                   !selection_.start_date.empty() || !selection_.end_date.empty();
  if (follow) {
    if (!files_.empty() || !xargs_.empty())
      return fail(kExitUsage, "--follow reads the repository; name no input files");
    auto plan = PlanQuery(spec, q.site, site_.Root(), NowMillis());
    if (!plan.ok()) return fail(kExitUsage, plan.status().message());
    q.predicate = std::move(plan->predicate);
    q.root = site_.Root();
    bool naming = !selection_.classes.empty() || !selection_.types.empty() ||
                  !selection_.flowtypes.empty() || !selection_.sensors.empty();
    if (naming) {
      auto pairs = SelectFlowtypeSensors(q.site, selection_);
      if (!pairs.ok()) return fail(kExitUsage, pairs.status().message());
      q.flowtype_sensors.insert(pairs->begin(), pairs->end());
    }
    if (!selection_.start_date.empty()) {
      auto hours = SelectHours(selection_, NowMillis());
      if (!hours.ok()) return fail(kExitUsage, hours.status().message());
      q.first_hour_ms = hours->first;
    }
    return q;
  }
  // A problem with the inputs is told after the filter's own, as it always was.
  std::string input_error;
  if (selecting && (!files_.empty() || !xargs_.empty())) {
    input_error =
        "name input files or use the selection switches (--type, --start-date ...), not both";
  } else if (selecting) {
    spec.selecting = true;
    spec.selection = selection_;
  } else if (auto inputs = InputPaths(files_, xargs_); inputs.ok()) {
    spec.files = std::move(*inputs);
  } else {
    input_error = inputs.status().message() +
                  " (name files, select with --type/--start-date, or pipe a stream)";
  }
  auto plan = PlanQuery(spec, q.site, site_.Root(), NowMillis());
  if (!plan.ok()) return fail(kExitUsage, plan.status().message());
  if (!input_error.empty()) return fail(kExitUsage, input_error);
  if (print_missing_)
    for (const std::string& path : plan->missing)
      std::fprintf(stderr, "Missing %s\n", path.c_str());
  q.inputs = std::move(plan->inputs);
  q.predicate = std::move(plan->predicate);
  return q;
}

ScanStats RunScan(std::string_view command, const PreparedQuery& query, ColumnSet columns,
                  bool ordered, const ScanConsumer& consumer, bool whole_blocks) {
  ScanOptions options;
  options.columns = columns;
  options.ordered = ordered;
  options.whole_blocks = whole_blocks;
  return RunScan(command, query, std::move(options), consumer);
}

ScanStats RunScan(std::string_view command, const PreparedQuery& query, ScanOptions options,
                  const ScanConsumer& consumer) {
  options.predicate = query.predicate.is_all() ? nullptr : &query.predicate;
  options.threads = query.threads;
  return Scan(query.inputs, options, consumer,
              [command](const Status& s) { PrintError(command, s.message()); });
}

}  // namespace weir::cli
