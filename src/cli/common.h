// Shared plumbing for the `weir` subcommands: argument parsing in SiLK's style
// (unique prefixes of long switches are accepted), site and repository defaults,
// input lists, buffered standard output, and error reporting.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "record/text.h"
#include "site/site_config.h"
#include "store/flow_reader.h"

namespace weir::cli {

// Exit codes: 0 success, 1 runtime failure (bad data, I/O), 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};
const std::vector<Command>& Commands();

// Parses argv with app, accepting unique prefixes of long switches as SiLK does
// (--pass=... for --pass-destination). Returns -1 to continue, else an exit code
// (after printing help or an error).
int Parse(CLI::App& app, int argc, char** argv);

// Prints "weir NAME: message" to stderr.
void PrintError(std::string_view command, std::string_view message);
void PrintWarning(std::string_view command, std::string_view message);

// Site and repository location: switches, then $WEIR_*/$SILK_* variables, then
// ROOT/silk.conf, then the embedded default.
struct SiteOptions {
  std::string site_config_file;
  std::string data_rootdir;
  // root_directory: --root-directory too (rwflowpack's name, for commands that write).
  void Add(CLI::App& app, bool root_directory = false);
  std::string Root() const;
  // Loads the site; warnings go to stderr once.
  Result<SiteConfig> Load(std::string_view command) const;
};

// SiLK's switches for text tables: --no-titles, --no-columns, --column-separator=C,
// --no-final-delimiter and --delimited[=C] (no padding, no final separator, C).
struct TableOptions {
  bool titles = true;
  bool columns = true;
  bool final_delimiter = true;
  char separator = '|';

  void Add(CLI::App& app);
  // Settles the fields above from the parsed switches.
  void Resolve(const CLI::App& app);

 private:
  bool no_titles_ = false, no_columns_ = false, no_final_delimiter_ = false;
  std::string column_separator_, delimited_;
};

// How values print: --output-format (text, csv, json), --timestamp-format,
// --epoch-time, --ip-format, --integer-ips, --zero-pad-ips, --integer-sensors,
// --integer-tcp-flags. Together with TableOptions this gives RecordPrinter::Options.
struct ValueOptions {
  std::string output_format = "text", timestamp_format, ip_format = "canonical";
  bool integer_ips = false, zero_pad_ips = false, integer_sensors = false;
  bool integer_tcp_flags = false, epoch_time = false;

  void Add(CLI::App& app);
  // Combines these with the table switches; names may be null.
  Result<RecordPrinter::Options> Resolve(const CLI::App& app, TableOptions& table,
                                         const FlowtypeNames* names);
};

// Input paths: the named files, or standard input when none are named and stdin is
// not a terminal; `xargs` reads more names from a file ("-": stdin).
Result<std::vector<std::string>> InputPaths(const std::vector<std::string>& files,
                                            const std::string& xargs);

// Buffered writer to a file descriptor; flushes at 1 MiB and on Flush().
class Output {
 public:
  explicit Output(int fd = 1) : fd_(fd) { buffer_.reserve(1 << 20); }
  ~Output();
  // Opens path for text output ("-" or "stdout": standard output).
  static Result<std::unique_ptr<Output>> Open(const std::string& path);
  std::string& buffer() { return buffer_; }
  Status MaybeFlush() { return buffer_.size() >= (1 << 20) ? Flush() : Status::Ok(); }
  Status Flush();

 private:
  int fd_;
  bool own_ = false;
  std::string buffer_;
};

// Standard output ("-", "stdout") or a named pipe: another tool reads it as it comes.
bool IsStream(const std::string& path);
// The flag SIGTERM and SIGINT set once StopOnSignals() has installed its handlers:
// long-running commands (--follow) poll it and stop cleanly.
std::atomic<bool>& StopFlag();
void StopOnSignals();

// Flow output compression: lz4 for streams (the next tool pays to decompress),
// zstd for files.
Compression DefaultCompression(const std::string& path);

// True when binary output would go to a terminal (refused, as SiLK does).
bool IsTerminal(int fd);

// Progress on a terminal: prints "\r<message>" at most every 200 ms to stderr when it
// is a terminal; silent otherwise.
class Progress {
 public:
  Progress();
  void Update(const std::string& message);
  void Done();

 private:
  bool enabled_;
  int64_t last_ms_ = 0;
  bool printed_ = false;
};

}  // namespace weir::cli

namespace weir::cli {

// Reads every input in order and calls on_block for each decoded block; stops early
// when on_block returns false. Damaged blocks and unreadable files are reported on
// stderr and counted in *errors; reading goes on with the next block or file.
void ReadInputs(std::string_view command, const std::vector<std::string>& paths, ColumnSet columns,
                const std::function<bool(const FlowBatch&)>& on_block, size_t* errors);

}  // namespace weir::cli
