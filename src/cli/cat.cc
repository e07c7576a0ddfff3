// weir cat: concatenate flow files and streams into one (rwcat).
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "cli/common.h"
#include "store/flow_writer.h"

namespace weir::cli {

int RunCat(int argc, char** argv) {
  CLI::App app("Concatenate flow files and streams into one file or stream (like rwcat).", "cat");
  std::string output_path = "-", compression = "zstd", xargs;
  uint32_t block_records = 262144;
  std::vector<std::string> files;
  app.add_option("--output-path", output_path, "where to write (default: stdout, not a terminal)");
  app.add_option("--compression-method", compression, "zstd (default), lz4 or none");
  int zstd_level = 1;
  app.add_option("--compression-level", zstd_level, "zstd level, 1 (fast) to 19 (small); default 1")
      ->check(CLI::Range(1, 19));
  app.add_option("--block-records", block_records, "records per block (default 262144)");
  int threads = static_cast<int>(std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  app.add_option("--threads", threads, "threads encoding blocks (default: one per core, up to 8)")
      ->check(CLI::Range(1, 64));
  app.add_option("--xargs", xargs, "read input file names from this file (- for stdin)");
  app.add_option("files", files, "flow files or streams (default: stdin)");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  auto codec = ParseCompression(compression);
  if (!codec.ok()) return PrintError("cat", codec.status().message()), kExitUsage;
  if ((output_path == "-" || output_path == "stdout") && IsTerminal(STDOUT_FILENO))
    return PrintError("cat",
                      "refusing to write binary flows to a terminal; use --output-path or a pipe"),
           kExitUsage;
  auto inputs = InputPaths(files, xargs);
  if (!inputs.ok()) return PrintError("cat", inputs.status().message()), kExitUsage;
  WriterOptions wo;
  wo.compression = *codec;
  wo.zstd_level = zstd_level;
  wo.block_records = block_records;
  wo.threads = threads;
  wo.annotations = {{"created-by", "weir cat"}};
  auto writer = FlowFileWriter::Create(output_path, wo);
  if (!writer.ok()) return PrintError("cat", writer.status().message()), kExitFailure;
  size_t errors = 0;
  Status status;
  ReadInputs(
      "cat", *inputs, ColumnSet::All(),
      [&](const FlowBatch& batch) {
        // Whole blocks pass as batches; the writer re-blocks only when sizes differ.
        status = (*writer)->AppendBatch(batch);
        return status.ok();
      },
      &errors);
  if (status.ok()) status = (*writer)->Close();
  if (!status.ok()) return PrintError("cat", status.message()), kExitFailure;
  return errors ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
