// weir uniq: every group of flow records with its values (rwuniq).
#include <algorithm>

#include "base/strings.h"
#include "cli/grouping.h"

namespace weir::cli {

namespace {

// --threshold=VALUE:MIN[-MAX]: keep groups whose VALUE lies in the range.
struct Threshold {
  size_t value_index;
  uint64_t low, high;
};

Result<Threshold> ParseThreshold(const std::string& text, const AggregateSpec& spec) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos)
    return Status::Invalid("--threshold: expected VALUE:MIN[-MAX], e.g. bytes:1000000-");
  auto value = ParseValues(text.substr(0, colon));
  if (!value.ok()) return value.status().WithPrefix("--threshold");
  auto range = ParseUintRanges(text.substr(colon + 1), UINT64_MAX);
  if (!range.ok() || range->size() != 1)
    return Status::Invalid("--threshold: bad range in '" + text + "'");
  for (size_t v = 0; v < spec.values.size(); ++v)
    if (spec.values[v].title == (*value)[0].title)
      return Threshold{v, (*range)[0].low, (*range)[0].high};
  return Status::Invalid("--threshold: " + (*value)[0].title + " is not among --values");
}

}  // namespace

int RunUniq(int argc, char** argv) {
  CLI::App app(
      "Group flow records by key fields and print every group with its values (like rwuniq).\n"
      "Reads files, a stream, or the repository selection and partitioning switches of weir\n"
      "filter directly.",
      "uniq");
  std::string fields, values, output_path = "-";
  std::vector<std::string> thresholds;
  uint64_t bin_time = 0;
  bool sort_output = false;
  std::string flows_range;
  TableOptions table;
  ValueOptions value_options;
  QueryOptions query;
  double memory_mib = 0;
  app.add_option("--fields", fields, "key fields, by name or number (e.g. sip,dport)")
      ->group("Grouping");
  app.add_option("--values", values,
                 "values per group: records, packets, bytes, sip-distinct, dip-distinct, "
                 "distinct:FIELD, stime-earliest, etime-latest (default records)")
      ->group("Grouping");
  app.add_option("--threshold", thresholds,
                 "keep groups whose VALUE is in MIN[-MAX], e.g. bytes:1000000- (repeatable)")
      ->group("Grouping");
  app.add_option("--flows", flows_range, "keep groups whose record count is in MIN[-MAX]")
      ->group("Grouping");
  app.add_flag("--sort-output", sort_output, "print groups in key order")->group("Grouping");
  app.add_option("--bin-time", bin_time, "seconds: bin stime/etime keys to this size")
      ->group("Grouping");
  app.add_option("--output-path", output_path, "write the table here (default: stdout)");
  value_options.Add(app);
  table.Add(app);
  AddMemoryLimitOption(app, memory_mib);
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  auto spec = ParseAggregateSpec(fields, values);
  if (!spec.ok()) return PrintError("uniq", spec.status().message()), kExitUsage;
  spec->bin_ms = static_cast<int64_t>(bin_time) * 1000;
  std::vector<Threshold> limits;
  if (!flows_range.empty()) thresholds.push_back("records:" + flows_range);
  for (const auto& t : thresholds) {
    auto parsed = ParseThreshold(t, *spec);
    if (!parsed.ok()) return PrintError("uniq", parsed.status().message()), kExitUsage;
    limits.push_back(*parsed);
  }
  int rc = kExitOk;
  auto prepared = query.Prepare("uniq", &rc);
  if (!prepared) return rc;
  auto po = value_options.Resolve(app, table, &prepared->site);
  if (!po.ok()) return PrintError("uniq", po.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("uniq", out.status().message()), kExitFailure;

  ScanStats stats;
  auto agg = Aggregate("uniq", *prepared, *spec, &stats, static_cast<size_t>(memory_mib * 1048576));
  if (!agg) return kExitFailure;
  std::vector<uint32_t> order;
  order.reserve(agg->groups());
  for (size_t g = 0; g < agg->groups(); ++g) {
    bool keep = true;
    for (const auto& l : limits) {
      uint64_t v = agg->Value(g, l.value_index);
      keep = keep && v >= l.low && v <= l.high;
    }
    if (keep) order.push_back(static_cast<uint32_t>(g));
  }
  if (sort_output)
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return agg->CompareKeys(a, b) < 0; });
  GroupPrinter printer(*spec, *po, {});
  std::string& text = (*out)->buffer();
  printer.AppendHeader(text);
  for (uint32_t g : order) {
    printer.AppendGroup(text, *agg, g, {});
    if (Status s = (*out)->MaybeFlush(); !s.ok())
      return PrintError("uniq", s.message()), kExitFailure;
  }
  if (Status s = (*out)->Flush(); !s.ok()) return PrintError("uniq", s.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
