// weir cut: print flow records as text (rwcut).
#include <unistd.h>

#include <memory>

#include "cli/common.h"
#include "cli/query_options.h"
#include "record/text.h"

namespace weir::cli {

namespace {

std::string FieldHelp() {
  std::string out = "Fields (canonical name, SiLK name and number, description):\n";
  for (const auto& f : AllFields()) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-15s %-14s %3s  %s\n", std::string(f.name).c_str(),
                  std::string(f.silk_name).c_str(),
                  f.silk_number ? std::to_string(f.silk_number).c_str() : "",
                  std::string(f.description).c_str());
    out += line;
  }
  return out;
}

// A block being formatted ahead of its turn.
struct FormattedBlock {
  FormattedBlock(const std::vector<FieldId>& fields, const RecordPrinter::Options& options)
      : printer(fields, options) {}
  RecordPrinter printer;  // its own: printers keep per-record scratch space
  std::vector<FlowRecord> records;
  std::string text;
};

}  // namespace

int RunCut(int argc, char** argv) {
  CLI::App app(
      "Print flow records as text: SiLK's columns, CSV or JSON Lines (like rwcut).\n"
      "Takes weir filter's selection and partitioning switches to print only matching records.",
      "cut");
  std::string fields_text, output_path = "-";
  bool all_fields = false, help_fields = false;
  TableOptions table;
  ValueOptions values;
  QueryOptions query;
  uint64_t num_recs = 0, start_rec_num = 1, end_rec_num = 0;
  app.add_option("--fields", fields_text, "fields to print, by name or number (default 1-12)");
  app.add_flag("--all-fields", all_fields, "print every field");
  app.add_flag("--help-fields", help_fields, "list the fields and exit");
  values.Add(app);
  table.Add(app);
  app.add_option("--num-recs", num_recs, "print at most this many records (0: all)");
  app.add_option("--start-rec-num", start_rec_num, "first record to print (1-based)");
  app.add_option("--end-rec-num", end_rec_num, "last record to print (1-based; 0: no limit)");
  app.add_option("--output-path", output_path, "write the text here (default: stdout)");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (help_fields) {
    std::fputs(FieldHelp().c_str(), stdout);
    return kExitOk;
  }

  std::vector<FieldId> fields = DefaultCutFields();
  if (all_fields) {
    fields.clear();
    for (const auto& f : AllFields()) fields.push_back(f.id);
  } else if (!fields_text.empty()) {
    auto parsed = ParseFieldList(fields_text);
    if (!parsed.ok())
      return PrintError("cut", "--fields: " + parsed.status().message()), kExitUsage;
    fields = *parsed;
  }
  if (start_rec_num == 0)
    return PrintError("cut", "--start-rec-num must be at least 1"), kExitUsage;
  int rc = kExitOk;
  auto prepared = query.Prepare("cut", &rc);
  if (!prepared) return rc;
  auto po = values.Resolve(app, table, &prepared->site);
  if (!po.ok()) return PrintError("cut", po.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("cut", out.status().message()), kExitFailure;

  RecordPrinter printer(fields, *po);
  printer.AppendHeader((*out)->buffer());
  uint64_t index = 0, printed = 0;
  Status write_status;
  FlowRecord r;
  ScanOptions scan;
  scan.columns = ColumnSet::Of(fields);
  scan.ordered = true;
  scan.compact = true;  // batches hold the records to print, in order
  scan.threads = prepared->threads;
  // Without record limits, blocks are formatted on the workers, each up to two
  // blocks ahead, and written in order; with limits, records are formatted in order,
  // so that only the ones asked for are.
  const bool whole = start_rec_num == 1 && end_rec_num == 0 && num_recs == 0;
  std::vector<std::unique_ptr<FormattedBlock>> blocks;
  if (whole) {
    scan.lookahead = 2;
    for (int k = 0; k < ScanSlots(scan); ++k)
      blocks.push_back(std::make_unique<FormattedBlock>(fields, *po));
    scan.prepare = [&](int slot, const FlowBatch& batch, std::span<const uint32_t>,
                       const RawBlock&) {
      FormattedBlock& b = *blocks[static_cast<size_t>(slot)];
      b.text.clear();
      batch.ForEachRecord(b.records,
                          [&](size_t, const FlowRecord& r) { b.printer.AppendRecord(b.text, r); });
      return true;
    };
  }
  ScanStats stats =
      RunScan("cut", *prepared, scan,
              [&](int slot, const FlowBatch& batch, std::span<const uint32_t>, const RawBlock&) {
                if (whole) {
                  (*out)->buffer().append(blocks[static_cast<size_t>(slot)]->text);
                  write_status = (*out)->MaybeFlush();
                  return write_status.ok();
                }
                for (size_t i = 0; i < batch.size(); ++i) {
                  ++index;
                  if (index < start_rec_num) continue;
                  if ((end_rec_num && index > end_rec_num) || (num_recs && printed >= num_recs))
                    return false;
                  batch.GetRow(i, r);
                  printer.AppendRecord((*out)->buffer(), r);
                  ++printed;
                  write_status = (*out)->MaybeFlush();
                  if (!write_status.ok()) return false;
                }
                return true;
              });
  if (write_status.ok()) write_status = (*out)->Flush();
  if (!write_status.ok()) return PrintError("cut", write_status.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
