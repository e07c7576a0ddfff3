#include "cli/query_options.h"

#include <unistd.h>

#include "base/time.h"
#include "query/expression.h"
#include "query/partition.h"

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

  SwitchValues values;
  for (const auto& [name, option] : switch_options_)
    if (option->count() > 0) values.emplace_back(name, switches_.at(name));
  auto predicate = BuildPartition(values, {&q.site});
  if (!predicate.ok()) return fail(kExitUsage, predicate.status().message());
  q.predicate = std::move(*predicate);
  if (!expr_.empty()) {
    auto e = ParseExpression(expr_, &q.site);
    if (!e.ok()) return fail(kExitUsage, "--expr: " + e.status().message());
    q.predicate = Predicate::And({q.predicate, *e});
  }

  bool selecting = !selection_.classes.empty() || !selection_.types.empty() ||
                   !selection_.flowtypes.empty() || !selection_.sensors.empty() ||
                   !selection_.start_date.empty() || !selection_.end_date.empty();
  if (follow) {
    if (!files_.empty() || !xargs_.empty())
      return fail(kExitUsage, "--follow reads the repository; name no input files");
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
  if (selecting && (!files_.empty() || !xargs_.empty()))
    return fail(kExitUsage,
                "name input files or use the selection switches (--type, --start-date ...), not "
                "both");
  if (selecting) {
    auto files = SelectFiles(q.site, site_.Root(), selection_, NowMillis());
    if (!files.ok()) return fail(kExitUsage, files.status().message());
    for (const auto& f : *files) {
      if (f.exists)
        q.inputs.push_back(f.path);
      else if (print_missing_)
        std::fprintf(stderr, "Missing %s\n", f.path.c_str());
    }
    return q;
  }
  auto inputs = InputPaths(files_, xargs_);
  if (!inputs.ok())
    return fail(kExitUsage, inputs.status().message() +
                                " (name files, select with --type/--start-date, or pipe a stream)");
  q.inputs = std::move(*inputs);
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
