// weir stats: top-N (or bottom-N) groups by a value, with percentages (rwstats).
#include <cinttypes>

#include "cli/grouping.h"

namespace weir::cli {

int RunStats(int argc, char** argv) {
  CLI::App app(
      "Rank groups of flow records by a value: top or bottom N, or those above a threshold\n"
      "or percentage (like rwstats). Reads files, a stream, or the repository selection\n"
      "and partitioning switches of weir filter directly.",
      "stats");
  std::string fields, values, output_path = "-";
  uint64_t count = 0, threshold = 0;
  double percentage = 0;
  bool top = false, bottom = false;
  TableOptions table;
  ValueOptions value_options;
  QueryOptions query;
  double memory_mib = 0;
  app.add_option("--fields", fields, "key fields, by name or number (e.g. dip or 1,4)")
      ->group("Statistics");
  app.add_option("--values", values,
                 "values per group, the first ranks: records, packets, bytes, sip-distinct, "
                 "dip-distinct, distinct:FIELD (default records)")
      ->group("Statistics");
  auto* count_opt =
      app.add_option("--count", count, "print this many groups (default 10)")->group("Statistics");
  auto* threshold_opt =
      app.add_option("--threshold", threshold, "print groups whose value is at least this")
          ->group("Statistics");
  auto* percentage_opt = app.add_option("--percentage", percentage,
                                        "print groups holding at least this percent of the total")
                             ->group("Statistics");
  app.add_flag("--top", top, "largest values first (default)")->group("Statistics");
  app.add_flag("--bottom", bottom, "smallest values first")->group("Statistics");
  app.add_option("--output-path", output_path, "write the table here (default: stdout)");
  value_options.Add(app);
  table.Add(app);
  AddMemoryLimitOption(app, memory_mib);
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (top && bottom) return PrintError("stats", "give --top or --bottom, not both"), kExitUsage;
  int limits =
      (count_opt->count() > 0) + (threshold_opt->count() > 0) + (percentage_opt->count() > 0);
  if (limits > 1)
    return PrintError("stats", "give one of --count, --threshold and --percentage"), kExitUsage;
  if (limits == 0) count = 10;
  if (percentage_opt->count() && (percentage < 0 || percentage > 100))
    return PrintError("stats", "--percentage must be between 0 and 100"), kExitUsage;
  auto spec = ParseAggregateSpec(fields, values);
  if (!spec.ok()) return PrintError("stats", spec.status().message()), kExitUsage;
  for (const auto& v : spec->values)
    if (v.kind == ValueKind::kStimeEarliest || v.kind == ValueKind::kEtimeLatest)
      return PrintError("stats", "--values: " + v.title + " cannot rank groups (use weir uniq)"),
             kExitUsage;
  int rc = kExitOk;
  auto prepared = query.Prepare("stats", &rc);
  if (!prepared) return rc;
  auto po = value_options.Resolve(app, table, &prepared->site);
  if (!po.ok()) return PrintError("stats", po.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("stats", out.status().message()), kExitFailure;

  ScanStats stats;
  auto agg =
      Aggregate("stats", *prepared, *spec, &stats, static_cast<size_t>(memory_mib * 1048576));
  if (!agg) return kExitFailure;

  RankOptions rank;
  rank.count = count_opt->count() || limits == 0 ? count : 0;
  rank.use_threshold = threshold_opt->count() > 0;
  rank.threshold = threshold;
  if (percentage_opt->count()) rank.percentage = percentage;
  rank.bottom = bottom;
  Ranking ranking = RankGroups(*agg, rank);
  const std::vector<uint32_t>& order = ranking.order;
  size_t groups = agg->groups(), shown = order.size();
  uint64_t total = ranking.total;

  std::string& text = (*out)->buffer();
  const std::string& by = spec->values[0].title;
  if (po->titles && po->format == OutputFormat::kText) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "INPUT: %" PRIu64 " Records for %zu Bins and %" PRIu64 " Total Records\n",
                  stats.records_passed, groups, stats.records_read);
    text += line;
    std::string limit;
    if (threshold_opt->count()) limit = " (threshold " + std::to_string(threshold) + ")";
    if (percentage_opt->count()) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " (%g%% of %" PRIu64 ")", percentage, total);
      limit = buf;
    }
    std::snprintf(line, sizeof line, "OUTPUT: %s %zu Bins by %s%s\n", bottom ? "Bottom" : "Top",
                  shown, by.c_str(), limit.c_str());
    text += line;
  }
  GroupPrinter printer(*spec, *po, {"%" + by, "cumul_%"});
  printer.AppendHeader(text);
  uint64_t cumulative = 0;
  char pct[64], cum[64];
  for (uint32_t g : order) {
    uint64_t v = agg->Value(g, 0);
    cumulative += v;
    double share = total ? 100.0 * static_cast<double>(v) / static_cast<double>(total) : 0;
    double cum_share =
        total ? 100.0 * static_cast<double>(cumulative) / static_cast<double>(total) : 0;
    std::snprintf(pct, sizeof pct, "%.6f", share);
    std::snprintf(cum, sizeof cum, "%.6f", cum_share);
    printer.AppendGroup(text, *agg, g, {pct, cum});
    if (Status s = (*out)->MaybeFlush(); !s.ok())
      return PrintError("stats", s.message()), kExitFailure;
  }
  if (Status s = (*out)->Flush(); !s.ok()) return PrintError("stats", s.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
