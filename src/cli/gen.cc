// weir gen: synthetic, realistic flows for demos, tests and benchmarks.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "base/file.h"
#include "base/time.h"
#include "cli/common.h"
#include "gen/generator.h"
#include "gen/packet_writer.h"
#include "gen/parallel_output.h"
#include "store/flow_writer.h"
#include "store/repository_writer.h"

namespace weir::cli {

namespace {

// Parses "86400", "3600s", "90m", "24h", "7d" into milliseconds.
Result<int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::Invalid("empty duration");
  int64_t unit = 1000;
  char last = text.back();
  if (last == 's' || last == 'm' || last == 'h' || last == 'd') {
    unit = last == 's' ? 1000 : last == 'm' ? 60000 : last == 'h' ? kMillisPerHour : kMillisPerDay;
    text.remove_suffix(1);
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v == 0 ||
      v > 3650ull * kMillisPerDay / unit)
    return Status::Invalid("invalid duration '" + std::string(text) +
                           "' (e.g. 3600s, 90m, 24h, 7d)");
  return static_cast<int64_t>(v) * unit;
}

}  // namespace

int RunGen(int argc, char** argv) {
  CLI::App app(
      "Generate synthetic but realistic flows, deterministic for a seed: Zipf-distributed "
      "hosts, a realistic service mix, a diurnal rate, IPv4 and IPv6, optional DDoS and "
      "port scan. Writes a flow file, a stream (-) or a repository.",
      "gen");
  GeneratorOptions o;
  std::string output_path, root, start_time, duration = "1d", compression = "zstd", ddos_target;
  SiteOptions site_options;
  app.add_option("--flows", o.flows, "number of flows (default 1000000)");
  app.add_option("--seed", o.seed, "random seed (default 1)");
  app.add_option("--output-path", output_path, "write one flow file or stream here (- for stdout)");
  app.add_option("--root-directory", root, "write hourly files into this repository instead");
  std::string pcap_path;
  uint32_t max_packets = 1000;
  app.add_option("--pcap", pcap_path,
                 "write the packets that make the flows as a pcap file instead (Ethernet, "
                 "header-only frames), for metering");
  app.add_option("--max-packets-per-flow", max_packets,
                 "with --pcap: at most this many packets per flow, bytes scaled (default 1000)")
      ->check(CLI::Range(1u, 1u << 30));
  app.add_option("--site-config-file", site_options.site_config_file,
                 "silk.conf for sensors and flowtypes (default: embedded default site)");
  app.add_option("--class", o.class_name,
                 "class whose sensors and types to use (default: default-class)");
  app.add_option("--start-time", start_time,
                 "start of the period, e.g. 2026/11/26 (default: yesterday 00:00 UTC)");
  app.add_option("--duration", duration, "length of the period: 3600s, 90m, 24h, 7d (default 1d)");
  app.add_option("--ipv6-fraction", o.ipv6_fraction, "share of IPv6 flows (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--ddos", o.ddos, "add a SYN-flood DDoS: many spoofed sources to one target");
  app.add_option("--ddos-target", ddos_target, "the DDoS target (default 10.10.0.80)");
  app.add_flag("--scan", o.scan, "add a TCP port scan from 203.0.113.66");
  app.add_option("--compression-method", compression, "zstd (default), lz4 or none");
  int zstd_level = 1;
  app.add_option("--compression-level", zstd_level, "zstd level, 1 (fast) to 19 (small); default 1")
      ->check(CLI::Range(1, 19));
  int threads = static_cast<int>(std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  app.add_option("--threads", threads,
                 "threads generating a flow file or repository (default: one per core, up to 8)")
      ->check(CLI::Range(1, 64));
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  if (output_path.empty() + root.empty() + pcap_path.empty() != 2)
    return PrintError("gen", "give exactly one of --output-path, --root-directory and --pcap"),
           kExitUsage;
  if ((output_path == "-" || output_path == "stdout") && IsTerminal(STDOUT_FILENO))
    return PrintError("gen", "refusing to write binary flows to a terminal; use a pipe or a file"),
           kExitUsage;
  auto codec = ParseCompression(compression);
  if (!codec.ok()) return PrintError("gen", codec.status().message()), kExitUsage;
  if (start_time.empty()) {
    o.start_ms = FloorTo(NowMillis(), kMillisPerDay) - kMillisPerDay;
  } else {
    auto t = ParseTime(start_time);
    if (!t.ok()) return PrintError("gen", "--start-time: " + t.status().message()), kExitUsage;
    o.start_ms = t->ms;
  }
  auto d = ParseDuration(duration);
  if (!d.ok()) return PrintError("gen", "--duration: " + d.status().message()), kExitUsage;
  o.duration_ms = *d;
  if (!ddos_target.empty()) {
    auto a = IpAddress::Parse(ddos_target);
    if (!a)
      return PrintError("gen", "--ddos-target: invalid address '" + ddos_target + "'"), kExitUsage;
    o.ddos_target = *a;
  }
  if (!root.empty()) site_options.data_rootdir = root;
  // A repository keeps its own silk.conf; reuse it when it is there.
  auto site = site_options.Load("gen");
  if (!site.ok()) return PrintError("gen", site.status().message()), kExitFailure;
  auto generator = FlowGenerator::Create(o, *site);
  if (!generator.ok()) return PrintError("gen", generator.status().message()), kExitUsage;

  WriterOptions wo;
  wo.compression = *codec;
  wo.zstd_level = zstd_level;
  wo.annotations = {{"created-by", "weir gen"}, {"seed", std::to_string(o.seed)}};
  auto started = std::chrono::steady_clock::now();
  Progress progress;
  FlowRecord r;
  Status status;
  uint64_t bytes = 0;
  std::map<uint8_t, uint64_t> per_flowtype;
  size_t files = 0;
  if (!pcap_path.empty()) {
    auto writer = PacketWriter::Create(pcap_path, 96, max_packets);
    if (!writer.ok()) return PrintError("gen", writer.status().message()), kExitFailure;
    while (status.ok() && generator->Next(r)) {
      status = (*writer)->Add(r);
      if ((generator->produced() & 0xfffff) == 0)
        progress.Update("weir gen: " + std::to_string(generator->produced()) + " of " +
                        std::to_string(o.flows) + " flows");
    }
    if (status.ok()) status = (*writer)->Close();
    progress.Done();
    if (!status.ok()) return PrintError("gen", status.message()), kExitFailure;
    std::fprintf(stderr, "weir gen: %llu packets of %llu flows in %s\n",
                 static_cast<unsigned long long>((*writer)->packets()),
                 static_cast<unsigned long long>((*writer)->flows()), pcap_path.c_str());
    return kExitOk;
  }
  if (!root.empty()) {
    if (Status s = MakeDirectories(root); !s.ok())
      return PrintError("gen", s.message()), kExitFailure;
    std::string conf = root + "/silk.conf";
    if (!FileExists(conf)) {
      if (site_options.site_config_file.empty()) {
        std::ofstream(conf) << SiteConfig::DefaultText();
      } else {
        std::error_code ec;
        std::filesystem::copy_file(site_options.site_config_file, conf, ec);
      }
    }
    const SiteConfig& s = *site;
    RepositoryWriter repo(
        root,
        [&s](uint8_t ft, uint16_t sensor, int64_t hour) { return s.FilePath(ft, sensor, hour); },
        wo);
    status = GenerateToRepository(*generator, repo, *codec, wo.zstd_level, threads,
                                  [&](uint8_t flowtype, uint64_t records, uint64_t written) {
                                    per_flowtype[flowtype] += records;
                                    progress.Update("weir gen: " + std::to_string(written) +
                                                    " of " + std::to_string(o.flows) + " flows");
                                  });
    if (status.ok()) status = repo.Close();
    bytes = repo.bytes_written();
    files = repo.files_opened();
  } else {
    auto writer = FlowFileWriter::Create(output_path, wo);
    if (!writer.ok()) return PrintError("gen", writer.status().message()), kExitFailure;
    status = GenerateToFile(*generator, **writer, *codec, wo.zstd_level, threads, [&](uint64_t n) {
      progress.Update("weir gen: " + std::to_string(n) + " of " + std::to_string(o.flows) +
                      " flows");
    });
    if (status.ok()) status = (*writer)->Close();
    bytes = (*writer)->bytes_written();
  }
  progress.Done();
  if (!status.ok()) return PrintError("gen", status.message()), kExitFailure;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  uint64_t n = o.flows;
  char line[256];
  if (!root.empty()) {
    // The summary is the command's result when it fills a repository.
    Output out;
    std::string& b = out.buffer();
    std::snprintf(line, sizeof line,
                  "Repository %s: %llu flows from %s to %s in %zu hourly files\n", root.c_str(),
                  static_cast<unsigned long long>(n),
                  FormatTime(o.start_ms, TimeFormat::kSilk).c_str(),
                  FormatTime(o.start_ms + o.duration_ms, TimeFormat::kSilk).c_str(), files);
    b += line;
    std::snprintf(line, sizeof line, "%-12s|%12s|%8s|\n", "flowtype", "flows", "percent");
    b += line;
    for (const auto& [ft, count] : per_flowtype) {
      std::string name = std::string(site->ClassName(ft)) + "/" + std::string(site->TypeName(ft));
      std::snprintf(line, sizeof line, "%-12s|%12llu|%7.2f%%|\n", name.c_str(),
                    static_cast<unsigned long long>(count),
                    100.0 * static_cast<double>(count) / static_cast<double>(n));
      b += line;
    }
    std::snprintf(line, sizeof line, "%.2f bytes per flow on disk (%s); %.2f M flows/s\n",
                  n ? static_cast<double>(bytes) / static_cast<double>(n) : 0.0,
                  std::string(CompressionName(*codec)).c_str(),
                  static_cast<double>(n) / seconds / 1e6);
    b += line;
    if (Status s = out.Flush(); !s.ok()) return PrintError("gen", s.message()), kExitFailure;
  } else if (IsTerminal(STDERR_FILENO)) {
    std::snprintf(line, sizeof line, "%llu flows, %.2f bytes per flow, %.2f M flows/s",
                  static_cast<unsigned long long>(n),
                  n ? static_cast<double>(bytes) / static_cast<double>(n) : 0.0,
                  static_cast<double>(n) / seconds / 1e6);
    std::fprintf(stderr, "weir gen: %s\n", line);
  }
  return kExitOk;
}

}  // namespace weir::cli
