// weir info: describe flow files (rwfileinfo).
#include <sys/stat.h>

#include <map>

#include "base/time.h"
#include "cli/common.h"

namespace weir::cli {

int RunInfo(int argc, char** argv) {
  CLI::App app(
      "Describe flow files: format, version, compression, records, blocks, time range, "
      "bytes per record and per column (like rwfileinfo).",
      "info");
  std::vector<std::string> files;
  bool columns = false;
  app.add_flag("--columns", columns, "also print the stored size of each column");
  app.add_option("files", files, "flow files or streams (default: stdin)")->required(false);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  auto inputs = InputPaths(files, "");
  if (!inputs.ok()) return PrintError("info", inputs.status().message()), kExitUsage;

  int exit_code = kExitOk;
  Output out;
  for (const auto& path : *inputs) {
    auto reader = FlowFileReader::Open(path);
    if (!reader.ok()) {
      PrintError("info", reader.status().message());
      exit_code = kExitFailure;
      continue;
    }
    FlowFileReader& r = **reader;
    std::vector<std::string> damage;
    r.SetErrorHandler([&](const Status& s) { damage.push_back(s.message()); });
    // Block headers say everything info prints; no column is decoded. Start times
    // come from the stime zone maps (exact minimum and maximum).
    r.SetColumns(ColumnSet::None());
    uint64_t records = 0, blocks = 0, payload = 0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    std::map<int, uint64_t> column_bytes;
    FlowBatch batch;
    while (r.Next(batch)) {
      ++blocks;
      records += r.block().kept_records();
      payload += r.block().size + r.block().payload_size;
      for (const auto& c : r.block().columns) {
        column_bytes[static_cast<int>(c.field)] += c.stored_size;
        if (c.field == FieldId::kStime && r.block().record_count > 0) {
          first = std::min(first, SignedFromOrdered(c.min));
          last = std::max(last, SignedFromOrdered(c.max));
        }
      }
    }
    struct stat st;
    uint64_t size = path != "-" && ::stat(path.c_str(), &st) == 0
                        ? static_cast<uint64_t>(st.st_size)
                        : r.header().size + payload;
    std::string& o = out.buffer();
    auto line = [&](const std::string& key, const std::string& value) {
      o += "  " + key + std::string(key.size() < 18 ? 18 - key.size() : 1, ' ') + value + "\n";
    };
    o += path + ":\n";
    line("format", "weir flow file");
    line("version", std::to_string(r.header().version));
    line("byte-order", "littleEndian");
    line("compression", std::string(CompressionName(r.header().compression)));
    line("header-length", std::to_string(r.header().size));
    line("count-records", std::to_string(records));
    line("count-blocks", std::to_string(blocks));
    line("file-size", std::to_string(size));
    if (records) {
      char bpr[32];
      std::snprintf(bpr, sizeof bpr, "%.2f",
                    static_cast<double>(size) / static_cast<double>(records));
      line("bytes-per-record", bpr);
      line("first-start-time", FormatTime(first, TimeFormat::kSilk));
      line("last-start-time", FormatTime(last, TimeFormat::kSilk));
    }
    for (const auto& [k, v] : r.header().annotations) line("annotation", k + "=" + v);
    if (columns)
      for (const auto& [id, bytes] : column_bytes) {
        auto field = static_cast<FieldId>(id);
        std::string name = IsKnownField(field)      ? std::string(GetField(field).name)
                           : id == kSelectionColumn ? "selection"
                                                    : "unknown-" + std::to_string(id);
        line("column " + name, std::to_string(bytes));
      }
    if (!damage.empty()) {
      line("damaged-blocks", std::to_string(r.blocks_damaged()));
      for (const auto& d : damage) PrintError("info", d);
      exit_code = kExitFailure;
    }
  }
  if (Status s = out.Flush(); !s.ok()) return PrintError("info", s.message()), kExitFailure;
  return exit_code;
}

}  // namespace weir::cli
