// weir count: records, bytes and packets per time bin (rwcount).
#include <cinttypes>
#include <cmath>
#include <mutex>

#include "cli/query_options.h"
#include "query/time_series.h"

namespace weir::cli {

int RunCount(int argc, char** argv) {
  CLI::App app(
      "Count records, bytes and packets per time bin (like rwcount). Reads files, a stream,\n"
      "or the repository selection and partitioning switches of weir filter directly.",
      "count");
  double bin_seconds = 30;
  std::string load_scheme = "time-proportional", start_text, end_text, output_path = "-";
  bool skip_zeroes = false, bin_slots = false, epoch_slots = false;
  TableOptions table;
  ValueOptions value_options;
  QueryOptions query;
  app.add_option("--bin-size", bin_seconds, "seconds per bin (default 30; decimals allowed)")
      ->group("Counting");
  app.add_option("--load-scheme", load_scheme,
                 "how a flow spanning bins is shared: time-proportional (default), bin-uniform, "
                 "start-spike, end-spike, middle-spike, maximum-volume, minimum-volume, or 0-6")
      ->group("Counting");
  app.add_option("--start-time", start_text, "first bin starts here (default: the first flow)")
      ->group("Counting");
  app.add_option("--end-time", end_text, "last bin holds this time (default: the last flow)")
      ->group("Counting");
  app.add_flag("--skip-zeroes", skip_zeroes, "do not print empty bins")->group("Counting");
  app.add_flag("--bin-slots", bin_slots, "print bin numbers instead of times")->group("Counting");
  app.add_flag("--epoch-slots", epoch_slots, "print bin starts as epoch seconds")
      ->group("Counting");
  app.add_option("--output-path", output_path, "write the table here (default: stdout)");
  value_options.Add(app);
  table.Add(app);
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (!(bin_seconds >= 0.001) || bin_seconds > 366.0 * 86400)
    return PrintError("count", "--bin-size must be from 0.001 to 31622400 seconds"), kExitUsage;
  auto scheme = ParseLoadScheme(load_scheme);
  if (!scheme.ok())
    return PrintError("count", "--load-scheme: " + scheme.status().message()), kExitUsage;
  auto bin_ms = static_cast<int64_t>(std::llround(bin_seconds * 1000));
  std::optional<int64_t> start, end;
  if (!start_text.empty()) {
    auto t = ParseTime(start_text);
    if (!t.ok()) return PrintError("count", "--start-time: " + t.status().message()), kExitUsage;
    start = t->ms;
  }
  if (!end_text.empty()) {
    auto t = ParseTime(end_text);
    if (!t.ok()) return PrintError("count", "--end-time: " + t.status().message()), kExitUsage;
    end = t->ms;
  }
  if (start && end && *end < *start)
    return PrintError("count", "--end-time is before --start-time"), kExitUsage;
  if (epoch_slots) value_options.timestamp_format = "epoch";
  int rc = kExitOk;
  auto prepared = query.Prepare("count", &rc);
  if (!prepared) return rc;
  auto po = value_options.Resolve(app, table, &prepared->site);
  if (!po.ok()) return PrintError("count", po.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("count", out.status().message()), kExitFailure;

  int64_t origin = start.value_or(0);
  int workers = ScanWorkers(prepared->threads);
  std::vector<TimeSeries> parts(static_cast<size_t>(workers), TimeSeries(bin_ms, origin, *scheme));
  ScanStats stats = RunScan(
      "count", *prepared, TimeSeries::Columns(), /*ordered=*/false,
      [&](int worker, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
        parts[static_cast<size_t>(worker)].Add(batch, rows);
        return true;
      });
  for (size_t w = 1; w < parts.size(); ++w) parts[0].Merge(parts[w]);
  const TimeSeries& series = parts[0];
  if (series.overflowed())
    PrintWarning("count", "more than 50 million bins: some flows were left out (raise --bin-size)");

  TableLayout layout(
      {{bin_slots ? "Bin" : "Date", bin_slots ? "bin" : "date", bin_slots ? 10 : 19, bin_slots},
       {"Records", "records", 15, true},
       {"Bytes", "bytes", 20, true},
       {"Packets", "packets", 17, true}},
      *po);
  std::string& text = (*out)->buffer();
  layout.AppendHeader(text);
  if (!series.empty() || (start && end)) {
    int64_t first = start ? series.BinStart(*start) : series.first_bin_ms();
    int64_t last = end ? series.BinStart(*end) : series.last_bin_ms();
    if (series.empty() && !(start && end)) last = first - 1;
    if ((last - first) / bin_ms > TimeSeries::kMaxBins)
      return PrintError("count", "too many bins to print; raise --bin-size"), kExitUsage;
    std::string cell;
    char number[64];
    int64_t slot = 0;
    for (int64_t t = first; t <= last; t += bin_ms, ++slot) {
      TimeBin bin = series.At(t);
      if (skip_zeroes && bin.records == 0) continue;
      cell.clear();
      if (bin_slots) {
        cell = std::to_string(slot);
      } else {
        AppendTime(cell, t, po->value.time_format);
        // Whole-second bins print without milliseconds, as rwcount does.
        if (po->value.time_format == TimeFormat::kSilk && bin_ms % 1000 == 0 && t % 1000 == 0)
          cell.resize(cell.size() - 4);
      }
      layout.AppendCell(text, cell, 0);
      for (auto [column, v] : {std::pair{1, bin.records}, {2, bin.bytes}, {3, bin.packets}}) {
        std::snprintf(number, sizeof number, "%.2f", v);
        layout.AppendCell(text, number, static_cast<size_t>(column));
      }
      layout.EndRow(text);
      if (Status s = (*out)->MaybeFlush(); !s.ok())
        return PrintError("count", s.message()), kExitFailure;
    }
  }
  if (Status s = (*out)->Flush(); !s.ok()) return PrintError("count", s.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
