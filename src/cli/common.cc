#include "cli/common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"

namespace weir::cli {

namespace {

// Rewrites "--pre[=v]" to the one long switch name that starts with "pre".
std::vector<std::string> ExpandPrefixes(CLI::App& app, int argc, char** argv, std::string& error) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options())
    for (const auto& n : opt->get_lnames()) names.push_back(n);
  std::vector<std::string> out;
  bool positional_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (positional_only || !arg.starts_with("--") || arg == "--") {
      if (arg == "--") positional_only = true;
      out.push_back(arg);
      continue;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    std::string rest = eq == std::string::npos ? "" : arg.substr(eq);
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      out.push_back(arg);
      continue;
    }
    std::vector<std::string> matches;
    for (const auto& n : names)
      if (n.starts_with(name)) matches.push_back(n);
    if (matches.size() == 1) {
      out.push_back("--" + matches[0] + rest);
    } else {
      if (matches.size() > 1) {
        error = "switch '--" + name + "' is ambiguous (";
        for (size_t m = 0; m < matches.size(); ++m) error += (m ? ", --" : "--") + matches[m];
        error += ")";
      }
      out.push_back(arg);
    }
  }
  return out;
}

}  // namespace

int Parse(CLI::App& app, int argc, char** argv) {
  std::string error;
  std::vector<std::string> args = ExpandPrefixes(app, argc, argv, error);
  if (!error.empty()) {
    PrintError(app.get_name(), error);
    return kExitUsage;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    PrintError(app.get_name(), e.what());
    std::fprintf(stderr, "Try 'weir %s --help'.\n", app.get_name().c_str());
    return kExitUsage;
  }
  return -1;
}

void PrintError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "weir %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
}

void PrintWarning(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "weir %.*s: warning: %.*s\n", static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data());
}

void SiteOptions::Add(CLI::App& app, bool root_directory) {
  app.add_option("--site-config-file", site_config_file,
                 "silk.conf to use (default: $SILK_CONFIG_FILE, ROOT/silk.conf, or the "
                 "embedded default site)");
  app.add_option(root_directory ? "--data-rootdir,--root-directory" : "--data-rootdir",
                 data_rootdir,
                 "repository root (default: $WEIR_DATA_ROOTDIR, $SILK_DATA_ROOTDIR, or ./data)");
}

std::string SiteOptions::Root() const {
  return SiteConfig::Locate(site_config_file, data_rootdir).root;
}

Result<SiteConfig> SiteOptions::Load(std::string_view command) const {
  auto site = SiteConfig::Load(SiteConfig::Locate(site_config_file, data_rootdir));
  if (site.ok())
    for (const auto& w : site->warnings()) PrintWarning(command, w);
  return site;
}

void TableOptions::Add(CLI::App& app) {
  app.add_flag("--no-titles", no_titles_, "do not print the title line");
  app.add_flag("--no-columns", no_columns_, "do not pad columns to a fixed width");
  app.add_option("--column-separator", column_separator_, "character between columns (default |)");
  app.add_flag("--no-final-delimiter", no_final_delimiter_, "no separator after the last column");
  app.add_flag("--delimited{|}", delimited_,
               "same as --no-columns --no-final-delimiter --column-separator=CHAR (default |)");
}

void TableOptions::Resolve(const CLI::App& app) {
  titles = !no_titles_;
  columns = !no_columns_;
  final_delimiter = !no_final_delimiter_;
  if (app.count("--delimited")) {
    columns = false;
    final_delimiter = false;
    separator = delimited_.empty() ? '|' : delimited_[0];
  }
  if (!column_separator_.empty()) separator = column_separator_[0];
}

void ValueOptions::Add(CLI::App& app) {
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
}

Result<RecordPrinter::Options> ValueOptions::Resolve(const CLI::App& app, TableOptions& table,
                                                     const FlowtypeNames* names) {
  RecordPrinter::Options po;
  auto format = ParseOutputFormat(output_format);
  if (!format.ok()) return format.status();
  po.format = *format;
  if (po.format != OutputFormat::kText) po.value.time_format = TimeFormat::kIso;
  std::string tf_text = epoch_time ? "epoch" : timestamp_format;
  if (!tf_text.empty()) {
    auto tf = ParseTimeFormat(tf_text);
    if (!tf.ok()) return tf.status();
    po.value.time_format = *tf;
  }
  std::string ip_text = integer_ips ? "decimal" : zero_pad_ips ? "zero-padded" : ip_format;
  auto ipf = ParseIpFormat(ip_text);
  if (!ipf.ok()) return ipf.status();
  po.value.ip_format = *ipf;
  po.value.integer_sensors = integer_sensors;
  po.value.integer_tcp_flags = integer_tcp_flags;
  po.value.names = names;
  table.Resolve(app);
  po.titles = table.titles;
  po.columns = table.columns;
  po.final_delimiter = table.final_delimiter;
  po.separator = table.separator;
  return po;
}

Result<std::vector<std::string>> InputPaths(const std::vector<std::string>& files,
                                            const std::string& xargs) {
  std::vector<std::string> out = files;
  if (!xargs.empty()) {
    std::string text;
    if (xargs == "-" || xargs == "stdin") {
      std::string line;
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) text.append(buf, n);
    } else {
      auto t = ReadFileToString(xargs);
      if (!t.ok()) return t.status();
      text = *t;
    }
    for (auto line : Split(text, '\n'))
      if (!Trim(line).empty()) out.emplace_back(Trim(line));
  }
  if (out.empty()) {
    if (IsTerminal(STDIN_FILENO))
      return Status::Invalid("no input files given and standard input is a terminal");
    out.push_back("-");
  }
  return out;
}

Result<std::unique_ptr<Output>> Output::Open(const std::string& path) {
  if (path.empty() || path == "-" || path == "stdout") return std::make_unique<Output>(1);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(path + ": " + ErrnoMessage(errno));
  auto out = std::make_unique<Output>(fd);
  out->own_ = true;
  return out;
}

Status Output::Flush() {
  Status s = WriteAll(fd_, std::as_bytes(std::span(buffer_)), fd_ == 1 ? "stdout" : "output");
  buffer_.clear();
  return s;
}

Output::~Output() {
  (void)Flush();
  if (own_) ::close(fd_);
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

bool IsStream(const std::string& path) {
  if (path == "-" || path == "stdout") return true;
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

std::atomic<bool>& StopFlag() {
  static std::atomic<bool> stop{false};
  return stop;
}

void StopOnSignals() {
  struct sigaction action {};
  action.sa_handler = [](int) { StopFlag().store(true); };
  sigemptyset(&action.sa_mask);
  for (int s : {SIGTERM, SIGINT}) sigaction(s, &action, nullptr);
}

Compression DefaultCompression(const std::string& path) {
  return IsStream(path) ? Compression::kLz4 : Compression::kZstd;
}

Progress::Progress() : enabled_(IsTerminal(STDERR_FILENO)) {}

void Progress::Update(const std::string& message) {
  if (!enabled_) return;
  int64_t now = NowMillis();
  if (now - last_ms_ < 200) return;
  last_ms_ = now;
  std::fprintf(stderr, "\r%s\033[K", message.c_str());
  printed_ = true;
}

void Progress::Done() {
  if (printed_) std::fputs("\r\033[K", stderr);
  printed_ = false;
}

}  // namespace weir::cli

namespace weir::cli {

void ReadInputs(std::string_view command, const std::vector<std::string>& paths, ColumnSet columns,
                const std::function<bool(const FlowBatch&)>& on_block, size_t* errors) {
  FlowBatch batch;
  for (const auto& path : paths) {
    auto reader = FlowFileReader::Open(path);
    if (!reader.ok()) {
      PrintError(command, reader.status().message());
      ++*errors;
      continue;
    }
    (*reader)->SetColumns(columns);
    (*reader)->SetErrorHandler([&](const Status& s) {
      PrintError(command, s.message());
      ++*errors;
    });
    while ((*reader)->Next(batch))
      if (!on_block(batch)) return;
  }
}

}  // namespace weir::cli
