// StreamQuery: the full result of a web query as CSV or JSON Lines, in the layout
// `weir cut`, `weir stats`/`uniq` and `weir count` print with --output-format.
#include <unistd.h>

#include <cerrno>

#include "base/file.h"
#include "base/time.h"
#include "query/aggregate.h"
#include "query/group_table.h"
#include "query/scan.h"
#include "query/sorter.h"
#include "query/time_series.h"
#include "store/flow_reader.h"
#include "store/flow_writer.h"
#include "web/query_runner.h"
#include "web/query_scan.h"

namespace weir::web {

namespace {

RecordPrinter::Options DownloadOptions(OutputFormat format, const SiteConfig& site) {
  RecordPrinter::Options o;
  o.format = format;
  o.value.time_format = TimeFormat::kIso;  // as weir cut --output-format=csv|json
  o.value.names = &site;
  return o;
}

// Flushes text through write() once it holds a chunk.
class Chunked {
 public:
  explicit Chunked(const std::function<bool(std::string_view)>& write) : write_(write) {}
  std::string& text() { return text_; }
  bool Maybe() { return text_.size() < (256 << 10) || Flush(); }
  bool Flush() {
    if (text_.empty()) return ok_;
    ok_ = ok_ && write_(text_);
    text_.clear();
    return ok_;
  }

 private:
  const std::function<bool(std::string_view)>& write_;
  std::string text_;
  bool ok_ = true;
};

Status StreamRecords(const QueryRequest& q, const QueryPlan& plan, const SiteConfig& site,
                     OutputFormat format, QueryControl& control, Chunked& out) {
  RecordPrinter printer(q.fields, DownloadOptions(format, site));
  printer.AppendHeader(out.text());
  RunContext run{plan, control, {}, {}};
  FlowRecord r;
  if (!q.sorted) {
    BoundedScan(run, ColumnSet::Of(q.fields), /*ordered=*/true,
                [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
                  for (uint32_t i : rows) {
                    batch.GetRow(i, r);
                    printer.AppendRecord(out.text(), r);
                  }
                  if (!out.Maybe()) control.Cancel();
                  return true;
                });
  } else {
    // Sorted: through the Sorter (spilling runs to disk past the memory limit),
    // into a temporary flow file, then printed from it.
    SortOptions so{{q.sort}, q.descending, control.limits().memory_bytes / 2, TempDirectory()};
    Sorter sorter(so);
    Status status;
    uint64_t count = 0;
    BoundedScan(run, ColumnSet::All(), /*ordered=*/true,
                [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
                  count += rows.size();
                  if (count > control.limits().max_download_sorted) {
                    control.Stop(StopReason::kRows);
                    return false;
                  }
                  status = sorter.Add(batch, rows);
                  return status.ok();
                });
    if (!status.ok()) return status;
    if (control.reason() != StopReason::kNone) return Status::Unsupported(control.Explain());
    // The ordered records go to a nameless private file (CreateTempFile), then out.
    auto file = CreateTempFile(so.temp_directory);
    if (!file.ok()) return file.status();
    {
      WriterOptions wo;
      wo.compression = Compression::kLz4;
      auto writer = FlowFileWriter::ToFd(file->get(), "the sorted download", wo);
      if (!writer.ok()) return writer.status();
      status = sorter.Finish(**writer);
      Status closed = (*writer)->Close();
      if (status.ok()) status = closed;
    }
    if (status.ok() && ::lseek(file->get(), 0, SEEK_SET) != 0)
      status = Status::IoError("the sorted download: " + ErrnoMessage(errno));
    if (status.ok()) {
      auto reader = FlowFileReader::FromFd(file->get(), "the sorted download", /*own=*/false);
      if (!reader.ok()) {
        status = reader.status();
      } else {
        (*reader)->SetColumns(ColumnSet::Of(q.fields));
        FlowBatch batch;
        while (!control.ShouldStop() && (*reader)->Next(batch)) {
          for (size_t i = 0; i < batch.size(); ++i) {
            batch.GetRow(i, r);
            printer.AppendRecord(out.text(), r);
          }
          if (!out.Maybe()) control.Cancel();
        }
      }
    }
    if (!status.ok()) return status;
  }
  if (control.reason() != StopReason::kNone) return Status::Unsupported(control.Explain());
  out.Flush();
  return run.errors.first;
}

Status StreamGroups(const QueryRequest& q, const QueryPlan& plan, const SiteConfig& site,
                    OutputFormat format, QueryControl& control, Chunked& out) {
  RunContext run{plan, control, {}, {}};
  auto groups = BuildGroups(run, q);
  if (!groups.ok()) return groups.status();
  const Aggregator& agg = **groups;
  const AggregateSpec& spec = agg.spec();
  RankOptions rank;
  rank.count = q.view == View::kTop ? q.count : 0;  // group-by downloads every group
  rank.bottom = q.bottom;
  Ranking ranking = RankGroups(agg, rank);
  bool top = q.view == View::kTop;
  const std::string& by = spec.values[0].title;
  GroupPrinter printer(
      spec, DownloadOptions(format, site),
      top ? std::vector<std::string>{"%" + by, "cumul_%"} : std::vector<std::string>{});
  printer.AppendHeader(out.text());
  uint64_t cumulative = 0;
  double total = static_cast<double>(ranking.total);
  char pct[64], cum[64];
  for (uint32_t g : ranking.order) {
    if (top) {
      uint64_t v = agg.Value(g, 0);
      cumulative += v;
      std::snprintf(pct, sizeof pct, "%.6f",
                    total > 0 ? 100.0 * static_cast<double>(v) / total : 0);
      std::snprintf(cum, sizeof cum, "%.6f",
                    total > 0 ? 100.0 * static_cast<double>(cumulative) / total : 0);
      printer.AppendGroup(out.text(), agg, g, {pct, cum});
    } else {
      printer.AppendGroup(out.text(), agg, g, {});
    }
    if (!out.Maybe()) return Status::IoError("the client went away");
  }
  out.Flush();
  return run.errors.first;
}

Status StreamSeries(const QueryRequest& q, const QueryPlan& plan, OutputFormat format,
                    QueryControl& control, Chunked& out) {
  RunContext run{plan, control, {}, {}};
  auto built = BuildSeries(run, q);
  if (!built.ok()) return built.status();
  const TimeSeries& series = *built;
  LayoutOptions lo;
  lo.format = format;
  TableLayout layout({{"Date", "date", 19, false},
                      {"Records", "records", 15, true},
                      {"Bytes", "bytes", 20, true},
                      {"Packets", "packets", 17, true}},
                     lo);
  layout.AppendHeader(out.text());
  std::string cell;
  char number[64];
  for (int64_t t = series.BinStart(q.start_ms); t <= series.BinStart(q.end_ms - 1); t += q.bin_ms) {
    TimeBin bin = series.At(t);
    cell.clear();
    AppendTime(cell, t, TimeFormat::kIso);
    layout.AppendCell(out.text(), cell, 0);
    size_t column = 1;
    for (double v : {bin.records, bin.bytes, bin.packets}) {
      std::snprintf(number, sizeof number, "%.2f", v);
      layout.AppendCell(out.text(), number, column++);
    }
    layout.EndRow(out.text());
    if (!out.Maybe()) return Status::IoError("the client went away");
  }
  out.Flush();
  return run.errors.first;
}

}  // namespace

Status StreamQuery(const QueryRequest& request, const QueryPlan& plan, const SiteConfig& site,
                   OutputFormat format, QueryControl& control,
                   const std::function<bool(std::string_view)>& write) {
  Chunked out(write);
  switch (request.view) {
    case View::kRecords:
      return StreamRecords(request, plan, site, format, control, out);
    case View::kTop:
    case View::kGroup:
      return StreamGroups(request, plan, site, format, control, out);
    case View::kSeries:
      return StreamSeries(request, plan, format, control, out);
    case View::kSummary:
      return Status::Invalid("the summary view has nothing to download");
  }
  return Status::Invalid("unknown view");
}

}  // namespace weir::web
