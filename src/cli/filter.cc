// weir filter: pass or fail flow records by rwfilter's switches and --expr.
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>

#include "cli/query_options.h"
#include "store/flow_writer.h"

namespace weir::cli {

namespace {

struct Volume {
  uint64_t records = 0, packets = 0, bytes = 0;
  void Add(const FlowBatch& b, std::span<const uint32_t> rows) {
    records += rows.size();
    for (uint32_t r : rows) {
      packets += b.packets[r];
      bytes += b.bytes[r];
    }
  }
  void AddAll(const FlowBatch& b) {
    records += b.size();
    for (size_t r = 0; r < b.size(); ++r) {
      packets += b.packets[r];
      bytes += b.bytes[r];
    }
  }
};

}  // namespace

int RunFilter(int argc, char** argv) {
  CLI::App app(
      "Select flow records: those that pass every partitioning switch (and --expr) go to\n"
      "--pass-destination, the others to --fail-destination (like rwfilter).",
      "filter");
  QueryOptions query;
  std::string pass_path, fail_path, all_path, stats_path, volume_path, compression_name;
  uint64_t max_pass = 0;
  query.Add(app);
  app.add_option("--pass-destination", pass_path, "write passing records here (- for stdout)")
      ->group("Output");
  app.add_option("--fail-destination", fail_path, "write failing records here (- for stdout)")
      ->group("Output");
  app.add_option("--all-destination", all_path, "write every record read here (- for stdout)")
      ->group("Output");
  // Flags with an optional "=FILE", so a following file name stays an input.
  auto* stats_opt = app.add_flag("--print-statistics{stderr}", stats_path,
                                 "print counts of files and records read, passed, failed "
                                 "(to stderr, or --print-statistics=FILE)")
                        ->group("Output");
  auto* volume_opt = app.add_flag("--print-volume-statistics{stderr}", volume_path,
                                  "print records, packets and bytes read, passed and failed")
                         ->group("Output");
  app.add_option("--max-pass-records", max_pass, "stop after this many passing records")
      ->group("Output");
  app.add_option("--compression", compression_name,
                 "zstd, lz4 or none (default: lz4 on pipes, zstd for files)")
      ->group("Output");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  bool want_stats = stats_opt->count() > 0, want_volume = volume_opt->count() > 0;
  if (pass_path.empty() && fail_path.empty() && all_path.empty() && !want_stats && !want_volume)
    return PrintError("filter",
                      "no output: give --pass-destination, --fail-destination, "
                      "--all-destination or --print-statistics"),
           kExitUsage;
  int stdout_users = (pass_path == "-" || pass_path == "stdout") +
                     (fail_path == "-" || fail_path == "stdout") +
                     (all_path == "-" || all_path == "stdout");
  if (stdout_users > 1)
    return PrintError("filter", "only one destination can be standard output"), kExitUsage;
  if (stdout_users && IsTerminal(1))
    return PrintError("filter",
                      "will not write binary flow records to a terminal (redirect or pipe it)"),
           kExitUsage;
  std::optional<Compression> compression;
  if (!compression_name.empty()) {
    auto c = ParseCompression(compression_name);
    if (!c.ok()) return PrintError("filter", c.status().message()), kExitUsage;
    compression = *c;
  }

  int rc = kExitOk;
  auto prepared = query.Prepare("filter", &rc);
  if (!prepared) return rc;

  // Destinations.
  struct Destination {
    std::unique_ptr<FlowFileWriter> writer;
    FlowBatch pending;
    bool stream = false;  // a pipe: blocks may carry a selection instead of being re-encoded
  };
  Destination pass, fail, all;
  for (auto [path, dest] : {std::pair{&pass_path, &pass}, {&fail_path, &fail}, {&all_path, &all}}) {
    if (path->empty()) continue;
    WriterOptions options;
    options.compression = compression.value_or(DefaultCompression(*path));
    options.annotations = {{"created-by", "weir filter"}};
    options.threads = ScanWorkers(prepared->threads);  // re-encoding runs beside the scan
    auto w = FlowFileWriter::Create(*path, options);
    if (!w.ok()) return PrintError("filter", w.status().message()), kExitFailure;
    dest->writer = std::move(*w);
    dest->stream = IsStream(*path);
  }
  bool writing = pass.writer || fail.writer || all.writer;

  // Whole blocks are copied as stored, so --all-destination alone needs no columns
  // decoded. Partial blocks go to pipes with a selection (only the predicate's
  // columns are decoded) and to files re-encoded from every column.
  ColumnSet columns = ColumnSet::None();
  bool files_out = (pass.writer && !pass.stream) || (fail.writer && !fail.stream);
  if (files_out) columns = ColumnSet::All();
  // Columns read at rows that fail too: the totals' packets and bytes, and every
  // column a failing row is written from.
  ColumnSet every_row;
  if (want_volume) {  // packets and bytes of every record
    columns.Add(FieldId::kPackets);
    columns.Add(FieldId::kBytes);
    every_row = ColumnSet::Of({FieldId::kPackets, FieldId::kBytes});
  }
  if (fail.writer) every_row = columns;

  Volume total, passed;
  uint64_t pass_count = 0;
  Status write_status;
  std::vector<uint32_t> fail_rows;
  std::vector<std::byte> whole;
  BlockDecoder decoder;
  FlowBatch full;
  // Writing and --max-pass-records need input order; counting alone runs unordered
  // on every worker, one block at a time under the lock.
  bool ordered = writing || max_pass > 0;
  std::mutex mutex;
  ScanOptions scan;
  scan.columns = columns;
  scan.ordered = ordered;
  scan.every_row = every_row;
  scan.whole_blocks = writing;  // blocks copied whole must be read whole
  ScanStats stats = RunScan(
      "filter", *prepared, scan,
      [&](int, const FlowBatch& batch, std::span<const uint32_t> rows, const RawBlock& raw) {
        std::unique_lock lock(mutex, std::defer_lock);
        if (!ordered) lock.lock();
        if (max_pass && pass_count + rows.size() > max_pass)
          rows = rows.first(max_pass - pass_count);
        pass_count += rows.size();
        if (want_volume) {
          total.AddAll(batch);
          passed.Add(batch, rows);
        }
        if (writing) {
          // A block that passes (or fails) whole is copied as stored.
          auto copy_whole = [&](FlowFileWriter& writer) {
            BlockHeader header = raw.header;
            whole.clear();
            SerializeBlockHeader(header, whole);
            whole.insert(whole.end(), raw.payload.begin(), raw.payload.end());
            return writer.AppendEncodedBlock(whole, header.kept_records());
          };
          auto write_rows = [&](Destination& d, std::span<const uint32_t> keep) -> Status {
            if (keep.size() == batch.size()) return copy_whole(*d.writer);
            if (keep.empty()) return Status::Ok();
            // On a pipe, a block keeping a good share of its rows travels as stored
            // with a selection, instead of being encoded again.
            if (d.stream && raw.complete && !(raw.header.flags & kBlockSelection) &&
                keep.size() * 16 >= batch.size()) {
              whole.clear();
              EncodeSelectedBlock(raw.header, raw.payload, keep, whole);
              return d.writer->AppendEncodedBlock(whole, keep.size());
            }
            const FlowBatch* source = &batch;
            if (!batch.columns().Covers(ColumnSet::All())) {
              WEIR_RETURN_IF_ERROR(DecodeRawBlock(raw, ColumnSet::All(), decoder, full));
              source = &full;
            }
            d.pending.Clear();
            d.pending.AppendRows(*source, keep);
            return d.writer->AppendBatch(std::move(d.pending));
          };
          if (pass.writer) write_status = write_rows(pass, rows);
          if (fail.writer && write_status.ok()) {
            fail_rows.clear();
            size_t k = 0;
            for (uint32_t i = 0; i < batch.size(); ++i) {
              if (k < rows.size() && rows[k] == i)
                ++k;
              else
                fail_rows.push_back(i);
            }
            write_status = write_rows(fail, fail_rows);
          }
          if (all.writer && write_status.ok()) write_status = copy_whole(*all.writer);
          if (!write_status.ok()) return false;
        }
        return !(max_pass && pass_count >= max_pass);
      });
  for (Destination* d : {&pass, &fail, &all}) {
    if (!d->writer) continue;
    Status s = d->writer->Close();
    if (write_status.ok()) write_status = s;
  }
  if (!write_status.ok()) return PrintError("filter", write_status.message()), kExitFailure;

  uint64_t read = stats.records_read, fail_count = read >= pass_count ? read - pass_count : 0;
  auto print_to = [&](const std::string& path, const std::string& text) -> Status {
    if (path.empty() || path == "stderr") {
      std::fputs(text.c_str(), stderr);
      return Status::Ok();
    }
    auto out = Output::Open(path);
    if (!out.ok()) return out.status();
    (*out)->buffer() = text;
    return (*out)->Flush();
  };
  if (want_stats) {
    char line[200];
    std::snprintf(
        line, sizeof line, "Files %5llu.  Read %10llu.  Pass %10llu.  Fail %10llu.\n",
        static_cast<unsigned long long>(stats.files), static_cast<unsigned long long>(read),
        static_cast<unsigned long long>(pass_count), static_cast<unsigned long long>(fail_count));
    if (Status s = print_to(stats_path, line); !s.ok())
      return PrintError("filter", s.message()), kExitFailure;
  }
  if (want_volume) {
    std::string text;
    char line[200];
    std::snprintf(line, sizeof line, "%5s|%18s|%18s|%20s|%10s|\n", "", "Recs", "Packets", "Bytes",
                  "Files");
    text += line;
    auto row = [&](const char* name, uint64_t r, uint64_t p, uint64_t b, const std::string& files) {
      std::snprintf(line, sizeof line, "%5s|%18llu|%18llu|%20llu|%10s|\n", name,
                    static_cast<unsigned long long>(r), static_cast<unsigned long long>(p),
                    static_cast<unsigned long long>(b), files.c_str());
      text += line;
    };
    row("Total", total.records, total.packets, total.bytes, std::to_string(stats.files));
    row("Pass", passed.records, passed.packets, passed.bytes, "");
    row("Fail", total.records - passed.records, total.packets - passed.packets,
        total.bytes - passed.bytes, "");
    if (Status s = print_to(volume_path, text); !s.ok())
      return PrintError("filter", s.message()), kExitFailure;
  }
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
