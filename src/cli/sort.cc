// weir sort: order flow records by key fields (rwsort).
#include <cmath>

#include "cli/query_options.h"
#include "query/sorter.h"
#include "store/flow_writer.h"

namespace weir::cli {

int RunSort(int argc, char** argv) {
  CLI::App app(
      "Sort flow records by key fields and write them as a flow stream (like rwsort).\n"
      "Sorts in memory up to --memory-limit, then merges sorted runs from disk.",
      "sort");
  std::string fields, output_path = "-", temp_dir, compression_name;
  bool reverse = false;
  double memory_mib = 1024;
  QueryOptions query;
  app.add_option("--fields", fields, "key fields in order, by name or number (e.g. sip,stime)")
      ->group("Sorting");
  app.add_flag("--reverse", reverse, "largest keys first")->group("Sorting");
  app.add_option("--memory-limit", memory_mib,
                 "MiB of records held before sorted runs spill to disk (default 1024)")
      ->group("Sorting");
  app.add_option("--temp-directory", temp_dir, "where runs go (default: $TMPDIR or /tmp)")
      ->group("Sorting");
  app.add_option("--output-path", output_path, "write the sorted stream here (default: stdout)");
  app.add_option("--compression", compression_name,
                 "zstd, lz4 or none (default: lz4 on stdout, zstd for files)");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (fields.empty()) return PrintError("sort", "--fields is required"), kExitUsage;
  auto keys = ParseFieldList(fields);
  if (!keys.ok()) return PrintError("sort", "--fields: " + keys.status().message()), kExitUsage;
  if (!(memory_mib >= 1))
    return PrintError("sort", "--memory-limit must be at least 1 MiB"), kExitUsage;
  bool to_stdout = output_path == "-" || output_path == "stdout";
  if (to_stdout && IsTerminal(1))
    return PrintError("sort",
                      "will not write binary flow records to a terminal (redirect or pipe it)"),
           kExitUsage;
  WriterOptions wo;
  wo.compression = DefaultCompression(output_path);
  if (!compression_name.empty()) {
    auto c = ParseCompression(compression_name);
    if (!c.ok()) return PrintError("sort", c.status().message()), kExitUsage;
    wo.compression = *c;
  }
  wo.annotations = {{"created-by", "weir sort"}, {"sort-keys", fields}};
  if (temp_dir.empty()) temp_dir = TempDirectory();
  int rc = kExitOk;
  auto prepared = query.Prepare("sort", &rc);
  if (!prepared) return rc;
  auto writer = FlowFileWriter::Create(output_path, wo);
  if (!writer.ok()) return PrintError("sort", writer.status().message()), kExitFailure;

  SortOptions so{*keys, reverse, static_cast<size_t>(memory_mib * 1024 * 1024), temp_dir};
  Sorter sorter(so);
  Status status;
  ScanStats stats =
      RunScan("sort", *prepared, ColumnSet::All(), /*ordered=*/true,
              [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock&) {
                status = sorter.Add(batch, rows);
                return status.ok();
              });
  if (status.ok()) status = sorter.Finish(**writer);
  Status closed = (*writer)->Close();
  if (status.ok()) status = closed;
  if (!status.ok()) return PrintError("sort", status.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
