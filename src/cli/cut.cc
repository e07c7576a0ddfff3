// weir cut: print flow records as text (rwcut).
#include <unistd.h>

#include "cli/common.h"
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

}  // namespace

int RunCut(int argc, char** argv) {
  CLI::App app("Print flow records as text: SiLK's columns, CSV or JSON Lines (like rwcut).",
               "cut");
  std::string fields_text, output_format = "text", timestamp_format, ip_format = "canonical";
  std::string output_path = "-", xargs;
  bool all_fields = false;
  TableOptions table;
  bool integer_ips = false, zero_pad_ips = false, integer_sensors = false;
  bool integer_tcp_flags = false, epoch_time = false, help_fields = false;
  uint64_t num_recs = 0, start_rec_num = 1, end_rec_num = 0;
  std::vector<std::string> files;
  SiteOptions site_options;
  app.add_option("--fields", fields_text, "fields to print, by name or number (default 1-12)");
  app.add_flag("--all-fields", all_fields, "print every field");
  app.add_flag("--help-fields", help_fields, "list the fields and exit");
  app.add_option("--output-format", output_format, "text (SiLK columns), csv or json (JSON Lines)");
  app.add_option("--timestamp-format", timestamp_format,
                 "default (2026/11/27T13:05:01.123), iso (RFC 3339), epoch, epoch-ms");
  app.add_flag("--epoch-time", epoch_time, "same as --timestamp-format=epoch");
  app.add_option("--ip-format", ip_format,
                 "canonical, zero-padded, decimal, hexadecimal, force-ipv6");
  app.add_flag("--integer-ips", integer_ips, "same as --ip-format=decimal");
  app.add_flag("--zero-pad-ips", zero_pad_ips, "same as --ip-format=zero-padded");
  app.add_flag("--integer-sensors", integer_sensors, "print sensor ids, not names");
  app.add_flag("--integer-tcp-flags", integer_tcp_flags, "print TCP flags as numbers");
  table.Add(app);
  app.add_option("--num-recs", num_recs, "print at most this many records (0: all)");
  app.add_option("--start-rec-num", start_rec_num, "first record to print (1-based)");
  app.add_option("--end-rec-num", end_rec_num, "last record to print (1-based; 0: no limit)");
  app.add_option("--output-path", output_path, "write the text here (default: stdout)");
  app.add_option("--xargs", xargs, "read input file names from this file (- for stdin)");
  site_options.Add(app);
  app.add_option("files", files, "flow files or streams (default: stdin)");
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
  RecordPrinter::Options po;
  auto format = ParseOutputFormat(output_format);
  if (!format.ok()) return PrintError("cut", format.status().message()), kExitUsage;
  po.format = *format;
  if (po.format != OutputFormat::kText) po.value.time_format = TimeFormat::kIso;
  if (epoch_time) timestamp_format = "epoch";
  if (!timestamp_format.empty()) {
    auto tf = ParseTimeFormat(timestamp_format);
    if (!tf.ok()) return PrintError("cut", tf.status().message()), kExitUsage;
    po.value.time_format = *tf;
  }
  if (integer_ips) ip_format = "decimal";
  if (zero_pad_ips) ip_format = "zero-padded";
  auto ipf = ParseIpFormat(ip_format);
  if (!ipf.ok()) return PrintError("cut", ipf.status().message()), kExitUsage;
  po.value.ip_format = *ipf;
  po.value.integer_sensors = integer_sensors;
  po.value.integer_tcp_flags = integer_tcp_flags;
  table.Resolve(app);
  po.titles = table.titles;
  po.columns = table.columns;
  po.final_delimiter = table.final_delimiter;
  po.separator = table.separator;
  if (start_rec_num == 0)
    return PrintError("cut", "--start-rec-num must be at least 1"), kExitUsage;

  auto site = site_options.Load("cut");
  if (!site.ok()) return PrintError("cut", site.status().message()), kExitFailure;
  po.value.names = &*site;
  auto inputs = InputPaths(files, xargs);
  if (!inputs.ok()) return PrintError("cut", inputs.status().message()), kExitUsage;
  auto out = Output::Open(output_path);
  if (!out.ok()) return PrintError("cut", out.status().message()), kExitFailure;

  RecordPrinter printer(fields, po);
  printer.AppendHeader((*out)->buffer());
  uint64_t index = 0, printed = 0;
  size_t errors = 0;
  Status write_status;
  FlowRecord r;
  ReadInputs(
      "cut", *inputs, ColumnSet::Of(fields),
      [&](const FlowBatch& batch) {
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
      },
      &errors);
  if (write_status.ok()) write_status = (*out)->Flush();
  if (!write_status.ok()) return PrintError("cut", write_status.message()), kExitFailure;
  return errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
