// weir stats: top-N (or bottom-N) groups by a value, with percentages (rwstats).
#include <cinttypes>
#include <optional>

#include "base/strings.h"
#include "cli/grouping.h"
#include "query/protocol_stats.h"

namespace weir::cli {
namespace {

// rwstats' protocol mode: for all flows, and for each protocol asked for, the
// minimum, maximum, quartiles and interval counts of bytes, packets and bytes per
// packet. Text follows rwstats' layout; CSV and JSON give one row per interval.
void AppendDistribution(std::string& text, const ProtocolDistribution& d, uint64_t all_records,
                        const RecordPrinter::Options& po) {
  static constexpr const char* kTitles[] = {"BYTES", "PACKETS", "BYTES/PACKET"};
  static constexpr const char* kNames[] = {"bytes", "packets", "bytes-per-packet"};
  const bool text_format = po.format == OutputFormat::kText;
  char line[256];
  if (text_format) {
    if (d.protocol < 0)
      std::snprintf(line, sizeof line, "FLOW STATISTICS--ALL PROTOCOLS:  %" PRIu64 " records\n",
                    d.records);
    else
      std::snprintf(line, sizeof line,
                    "\nFLOW STATISTICS--PROTOCOL %d:  %" PRIu64 "/%" PRIu64 " records\n",
                    d.protocol, d.records, all_records);
    text += line;
  }
  if (d.records == 0) return;
  std::vector<TableLayout::Column> columns;
  if (!text_format)
    for (const char* name : {"protocol", "records", "measure", "min", "max", "lower_quartile",
                             "median", "upper_quartile"})
      columns.push_back(
          {name, name, 0,
           std::string_view(name) != "protocol" && std::string_view(name) != "measure"});
  columns.push_back({"interval_max", "interval_max", 15, true});
  columns.push_back({"count<=max", "count", 10, true});
  columns.push_back({d.protocol < 0 ? "%_of_input" : "%_of_proto", "percent", 10, true});
  columns.push_back({"cumul_%", "cumulative_percent", 10, true});
  TableLayout layout(std::move(columns), po);
  const size_t first_interval_column = text_format ? 0 : 8;
  for (size_t m = 0; m < d.measures.size(); ++m) {
    const MeasureDistribution& measure = d.measures[m];
    Quartiles q = measure.EstimateQuartiles();
    std::vector<std::string> summary;
    if (text_format) {
      std::snprintf(line, sizeof line, "*%s min %" PRIu64 "; max %" PRIu64 "\n", kTitles[m],
                    measure.min, measure.max);
      text += line;
      std::snprintf(line, sizeof line, "  quartiles LQ %.5f Med %.5f UQ %.5f UQ-LQ %.5f\n", q.lower,
                    q.median, q.upper, q.upper - q.lower);
      text += line;
      layout.AppendHeader(text);
    } else {
      summary = {d.protocol < 0 ? "all" : std::to_string(d.protocol), std::to_string(d.records),
                 kNames[m], std::to_string(measure.min), std::to_string(measure.max)};
      for (double v : {q.lower, q.median, q.upper}) {
        std::snprintf(line, sizeof line, "%.5f", v);
        summary.emplace_back(line);
      }
      if (m == 0) layout.AppendHeader(text);
    }
    double cumulative = 0;
    for (size_t i = 0; i < measure.counts.size(); ++i) {
      for (size_t c = 0; c < summary.size(); ++c) layout.AppendCell(text, summary[c], c);
      double percent =
          100.0 * static_cast<double>(measure.counts[i]) / static_cast<double>(d.records);
      cumulative += percent;
      layout.AppendCell(text, std::to_string((*measure.bounds)[i]), first_interval_column);
      layout.AppendCell(text, std::to_string(measure.counts[i]), first_interval_column + 1);
      std::snprintf(line, sizeof line, "%.6f", percent);
      layout.AppendCell(text, line, first_interval_column + 2);
      std::snprintf(line, sizeof line, "%.6f", cumulative);
      layout.AppendCell(text, line, first_interval_column + 3);
      layout.EndRow(text);
    }
  }
}

int RunProtocolStats(const PreparedQuery& query, const std::vector<uint8_t>& protocols,
                     const RecordPrinter::Options& po, Output& out) {
  int workers = ScanWorkers(query.threads);
  std::vector<ProtocolStats> parts(static_cast<size_t>(workers), ProtocolStats(protocols));
  ScanStats stats = RunScan(
      "stats", query, ProtocolStats::Columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        parts[static_cast<size_t>(worker)].Add(batch, rows);
        return true;
      });
  for (size_t w = 1; w < parts.size(); ++w) parts[0].Merge(parts[w]);
  const auto& distributions = parts[0].distributions();
  uint64_t all = distributions[0].records;
  // As rwstats: the all-protocols section is left out when one of the protocols
  // asked for holds every flow (it would repeat that protocol's section), and
  // nothing follows it when there are no flows at all.
  bool print_all = true;
  for (size_t k = 1; k < distributions.size(); ++k)
    if (all > 0 && distributions[k].records == all) print_all = false;
  std::string& text = out.buffer();
  if (print_all) AppendDistribution(text, distributions[0], all, po);
  if (all > 0)
    for (size_t k = 1; k < distributions.size(); ++k)
      AppendDistribution(text, distributions[k], all, po);
  if (Status s = out.Flush(); !s.ok()) return PrintError("stats", s.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace

int RunStats(int argc, char** argv) {
  CLI::App app(
      "Rank groups of flow records by a value: top or bottom N, or those above a threshold\n"
      "or percentage (like rwstats). Reads files, a stream, or the repository selection\n"
      "and partitioning switches of weir filter directly.",
      "stats");
  std::string fields, values, output_path = "-";
  uint64_t count = 0, threshold = 0;
  double percentage = 0;
  bool top = false, bottom = false, overall_stats = false;
  std::string detail_proto_stats;
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
  app.add_flag("--overall-stats", overall_stats,
               "instead of groups: minimum, maximum, quartiles and interval counts of bytes, "
               "packets and bytes per packet over all flows")
      ->group("Protocol statistics");
  auto* detail_opt =
      app.add_option("--detail-proto-stats", detail_proto_stats,
                     "the same, also for each of these protocols (list and ranges, e.g. 6,17)")
          ->group("Protocol statistics");
  app.add_option("--output-path", output_path, "write the table here (default: stdout)");
  value_options.Add(app);
  table.Add(app);
  AddMemoryLimitOption(app, memory_mib);
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  const bool protocol_mode = overall_stats || detail_opt->count();
  std::vector<uint8_t> protocols;
  std::optional<AggregateSpec> spec;
  int limits = 0;
  if (protocol_mode) {
    for (const char* other :
         {"--fields", "--values", "--count", "--threshold", "--percentage", "--top", "--bottom"})
      if (app.count(other))
        return PrintError("stats", std::string(other) +
                                       " cannot be combined with --overall-stats or "
                                       "--detail-proto-stats"),
               kExitUsage;
    if (detail_opt->count()) {
      auto ranges = ParseUintRanges(detail_proto_stats, 255);
      if (!ranges.ok())
        return PrintError("stats", "--detail-proto-stats: " + ranges.status().message()),
               kExitUsage;
      for (const UintRange& r : *ranges)
        for (uint64_t p = r.low; p <= r.high; ++p) protocols.push_back(static_cast<uint8_t>(p));
    }
  } else {
    if (top && bottom) return PrintError("stats", "give --top or --bottom, not both"), kExitUsage;
    limits =
        (count_opt->count() > 0) + (threshold_opt->count() > 0) + (percentage_opt->count() > 0);
    if (limits > 1)
      return PrintError("stats", "give one of --count, --threshold and --percentage"), kExitUsage;
    if (limits == 0) count = 10;
    if (percentage_opt->count() && (percentage < 0 || percentage > 100))
      return PrintError("stats", "--percentage must be between 0 and 100"), kExitUsage;
    auto parsed = ParseAggregateSpec(fields, values);
    if (!parsed.ok()) return PrintError("stats", parsed.status().message()), kExitUsage;
    for (const auto& v : parsed->values)
      if (v.kind == ValueKind::kStimeEarliest || v.kind == ValueKind::kEtimeLatest)
        return PrintError("stats", "--values: " + v.title + " cannot rank groups (use weir uniq)"),
               kExitUsage;
    spec = std::move(*parsed);
  }
  int rc = kExitOk;
  auto prepared = query.Prepare("stats", &rc);
  if (!prepared) return rc;
  auto po = value_options.Resolve(app, table, &prepared->site);
  if (!po.ok()) return PrintError("stats", po.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("stats", out.status().message()), kExitFailure;
  if (protocol_mode) return RunProtocolStats(*prepared, protocols, *po, **out);

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
