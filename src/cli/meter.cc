// weir meter: packets to flows, from pcap files or live interfaces (softflowd,
// ipt_netflow, nfpcapd).
#include "meter/meter.h"

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "cli/common.h"
#include "cli/metrics_server.h"
#include "meter/metrics.h"

namespace weir::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_report{false};

void OnSignal(int sig) {
  if (sig == SIGUSR1)
    g_report.store(true);
  else
    g_stop.store(true);
}

void LogLines(const std::string& text) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  for (std::string_view line : Split(text, '\n'))
    if (!line.empty())
      std::fprintf(stderr, "%s weir meter: %.*s\n", stamp, static_cast<int>(line.size()),
                   line.data());
  std::fflush(stderr);
}

}  // namespace

int RunMeter(int argc, char** argv) {
  CLI::App app(
      "Turn packets into flows: from pcap/pcapng files (-r, merged in time order) or live "
      "interfaces (-i, promiscuous). Flows end after --inactive-timeout without packets, "
      "--active-timeout after they began (the rest continues in a new record), shortly after "
      "a TCP FIN or RST, or early when --max-flows are active. They are exported as NetFlow "
      "v5/v9 or IPFIX (--export), stored in a repository (--root-directory, classified by the "
      "sensor configuration), and/or written as a flow file or stream (--output-path). "
      "Statistics go to stderr at the end, every --stats-interval, and on SIGUSR1; SIGTERM or "
      "SIGINT stops live capture after exporting every flow.",
      "meter");
  std::vector<std::string> files, interfaces, exports;
  std::string filter, transport = "udp", protocol = "10", output_path, sensor_file, site_file, root,
                      probe_name, status_file, metrics_listen;
  int snaplen = 262144;
  bool no_promisc = false, icmp_split = false;
  double active = 1800, inactive = 15, fin = 2, flush_seconds = 1, stats_seconds = 0, duration = 0,
         refresh_seconds = 60;
  size_t max_flows = 2'000'000, export_buffer = 1'000'000;
  double replay_speed = 0, export_rate = -1;  // -1: the default for the source
  uint32_t domain = 0, sampling = 0, refresh_packets = 20;
  app.add_option("-r,--read", files, "pcap or pcapng files to meter ('-': standard input)");
  app.add_option("files", files, "more files, as with -r");
  app.add_option("-i,--interface", interfaces,
                 "capture on this interface (repeat for several); needs root or CAP_NET_RAW");
  app.add_flag("--no-promisc", no_promisc, "do not put the interfaces into promiscuous mode");
  app.add_option("-f,--filter", filter, "BPF filter expression (tcpdump syntax)");
  app.add_option("-s,--snaplen", snaplen, "bytes captured per packet (default 262144)")
      ->check(CLI::Range(64, 262144));
  app.add_option("--active-timeout", active, "seconds a flow may last before it is split (1800)");
  app.add_option("--inactive-timeout", inactive, "seconds without packets that end a flow (15)");
  app.add_option("--fin-timeout", fin,
                 "seconds of quiet after a TCP FIN or RST that end a flow (2)");
  app.add_option("--max-flows", max_flows,
                 "most active flows; more end the quietest early (default 2000000, about " +
                     std::to_string(FlowCache::kBytesPerFlow) + " bytes each)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  app.add_option("--sampling", sampling, "meter 1 packet in N (stated to collectors)");
  app.add_option("--export", exports,
                 "send flows to this collector, HOST:PORT or [IPv6]:PORT (repeat for several)");
  app.add_option("--protocol", protocol, "export as NetFlow 5, 9, or 10 (IPFIX, the default)")
      ->check(CLI::IsMember({"5", "9", "10", "ipfix"}));
  app.add_option("--transport", transport, "udp (default) or tcp (IPFIX only)")
      ->check(CLI::IsMember({"udp", "tcp"}));
  app.add_option("--observation-domain", domain,
                 "IPFIX observation domain, v9 source id, v5 engine id (default 0)");
  app.add_option("--replay-speed", replay_speed,
                 "meter files at this multiple of their own pace: 1 real time, 10 ten times "
                 "faster, 0 as fast as possible (the default)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--export-rate", export_rate,
                 "most messages a second to each --export destination, 0: no limit (default for "
                 "files 1000, which a collector's socket buffer absorbs under load; for "
                 "interfaces no limit)")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--export-buffer", export_buffer,
                 "flows held for a TCP destination while it is down (default 1000000); it is "
                 "retried every second, and waited for 10 s at the end of the files")
      ->check(CLI::Range(size_t{0}, size_t{1} << 28));
  app.add_option("--template-refresh-packets", refresh_packets,
                 "resend templates every N messages over UDP (default 20)");
  app.add_option("--template-refresh-time", refresh_seconds,
                 "resend templates every N seconds over UDP (default 60)");
  app.add_option("--root-directory,--data-rootdir", root,
                 "store flows in this repository, classified by the sensor configuration");
  app.add_option("--site-config-file", site_file,
                 "silk.conf (default: ROOT/silk.conf or embedded)");
  app.add_option("--sensor-configuration", sensor_file,
                 "sensor.conf whose probe classifies the flows (default: the embedded default)");
  app.add_option("--probe", probe_name,
                 "the sensor.conf probe that stands for this meter "
                 "(default: the first)");
  app.add_flag("--icmp-split", icmp_split, "store ICMP as inicmp/outicmp");
  app.add_option("-o,--output-path", output_path,
                 "write flows as a weir flow file, or '-' for a stream on standard output "
                 "(the default when standard output is not a terminal and nothing else is asked)");
  app.add_option("--flush-timeout", flush_seconds,
                 "seconds between flushes of stored flows (default 1)");
  app.add_option("--stats-interval", stats_seconds,
                 "seconds between statistics on stderr; 0: only at the end (default)");
  app.add_option("--status-file", status_file,
                 "statistics rewritten here every second, for other processes to read");
  app.add_option("--duration", duration, "stop live capture after this many seconds");
  app.add_option("--metrics-listen", metrics_listen,
                 "serve the statistics for Prometheus at http://ADDR:PORT/metrics, updated "
                 "every second (doc/meter.md, \"Metrics\")");
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  if (files.empty() == interfaces.empty())
    return PrintError("meter", "give pcap files (-r FILE) or interfaces (-i IFACE), not both"),
           kExitUsage;
  if (active <= 0 || inactive <= 0 || fin <= 0 || flush_seconds <= 0 || stats_seconds < 0)
    return PrintError("meter", "timeouts and intervals must be positive"), kExitUsage;
  const int version = protocol == "ipfix" ? 10 : std::stoi(protocol);
  if (transport == "tcp" && version != 10)
    return PrintError("meter", "--transport=tcp is for IPFIX (--protocol=10)"), kExitUsage;
  if (exports.empty() && root.empty() && output_path.empty()) {
    if (IsTerminal(1))
      return PrintError("meter",
                        "nowhere to send flows: give --export, --root-directory or --output-path"),
             kExitUsage;
    output_path = "-";
  }
  if (output_path == "-" && IsTerminal(1))
    return PrintError("meter", "will not write binary flows to a terminal"), kExitUsage;

  MeterOptions options;
  options.cache.active_ms = static_cast<int64_t>(active * 1000);
  options.cache.inactive_ms = static_cast<int64_t>(inactive * 1000);
  options.cache.fin_ms = static_cast<int64_t>(fin * 1000);
  options.cache.max_flows = max_flows;
  options.sampling = sampling;
  for (const std::string& e : exports) {
    auto target = ExportTarget::Parse(e);
    if (!target.ok())
      return PrintError("meter", "--export " + target.status().message()), kExitUsage;
    target->tcp = transport == "tcp";
    options.exports.push_back(*target);
  }
  options.replay_speed = replay_speed;
  options.export_rate = export_rate >= 0 ? export_rate : files.empty() ? 0 : 1000;
  options.export_buffer_flows = export_buffer;
  options.encoder.version = version;
  options.encoder.domain = domain;
  options.encoder.template_refresh_messages = refresh_packets;
  options.encoder.template_refresh_ms = static_cast<int64_t>(refresh_seconds * 1000);
  options.output_path = output_path;
  options.writer.compression = DefaultCompression(output_path);
  options.flush_ms = static_cast<int64_t>(flush_seconds * 1000);
  options.stats_interval_ms = static_cast<int64_t>(stats_seconds * 1000);
  options.status_path = status_file;
  options.log = LogLines;

  Result<SiteConfig> site = SiteConfig::Default();
  Result<SensorConfig> sensors = Status::NotFound("no sensor configuration");
  if (!root.empty()) {
    SiteOptions site_options;
    site_options.site_config_file = site_file;
    site_options.data_rootdir = root;
    site = site_options.Load("meter");
    if (!site.ok()) return PrintError("meter", site.status().message()), kExitFailure;
    sensors = SensorConfig::LoadOrDefault(sensor_file, *site);
    if (!sensors.ok()) return PrintError("meter", sensors.status().message()), kExitFailure;
    for (const auto& w : sensors->warnings()) PrintWarning("meter", w);
    auto probe = sensors->FindProbe(probe_name);
    if (!probe.ok()) return PrintError("meter", probe.status().message()), kExitUsage;
    options.probe = *probe;
    options.root = root;
    options.site = &*site;
    options.sensors = &*sensors;
    options.classify.icmp_split = icmp_split;
  }

  CaptureOptions capture;
  capture.filter = filter;
  capture.snaplen = snaplen;
  capture.promiscuous = !no_promisc;
  auto source = files.empty() ? PacketSource::OpenLive(interfaces, capture)
                              : PacketSource::OpenFiles(files, capture);
  if (!source.ok()) return PrintError("meter", source.status().message()), kExitFailure;
  // On a terminal, reading files shows how far it got; live capture has SIGUSR1.
  Progress progress;
  // The metrics page shows the statistics of the last second, as the meter's own
  // thread hands them over.
  std::mutex latest_mutex;
  std::string latest = FormatPrometheus(MeterStats{}, WEIR_VERSION);
  const bool terminal_progress = !files.empty();
  const bool with_metrics = !metrics_listen.empty();
  if (terminal_progress || with_metrics)
    options.progress = [&, terminal_progress, with_metrics](const MeterStats& m) {
      if (terminal_progress)
        progress.Update("weir meter: " + std::to_string(m.frames) + " packets, " +
                        std::to_string(m.flows_ended) + " flows ended, " +
                        std::to_string(m.active_flows) + " active");
      if (with_metrics) {
        std::string text = FormatPrometheus(m, WEIR_VERSION);
        std::lock_guard lock(latest_mutex);
        latest = std::move(text);
      }
    };
  std::unique_ptr<MetricsServer> metrics;
  if (with_metrics) {
    auto server = MetricsServer::Start(metrics_listen, [&] {
      std::lock_guard lock(latest_mutex);
      return latest;
    });
    if (!server.ok()) return PrintError("meter", server.status().message()), kExitFailure;
    metrics = std::move(*server);
  }
  auto meter = Meter::Create(std::move(options));
  if (!meter.ok()) return PrintError("meter", meter.status().message()), kExitFailure;

  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if ((*source)->live()) {
    LogLines("capturing on " + [&] {
      std::string list;
      for (const auto& i : interfaces) list += (list.empty() ? "" : ", ") + i;
      return list;
    }() + (no_promisc ? "" : " (promiscuous)"));
    if (duration > 0) {
      // The timer only sets the stop flag, as SIGTERM would.
      struct sigaction alarm_action {};
      alarm_action.sa_handler = OnSignal;
      sigaction(SIGALRM, &alarm_action, nullptr);
      itimerval timer{};
      timer.it_value.tv_sec = static_cast<time_t>(duration);
      timer.it_value.tv_usec = static_cast<suseconds_t>((duration - std::floor(duration)) * 1e6);
      setitimer(ITIMER_REAL, &timer, nullptr);
    }
  }

  Status s = (*meter)->Run(**source, g_stop, g_report);
  progress.Done();
  MeterStats stats = (*meter)->Stats();
  LogLines(Meter::FormatStats(stats));
  if (!s.ok()) return PrintError("meter", s.message()), kExitFailure;
  for (const auto& c : stats.sources)
    if (!c.error.empty()) return kExitFailure;  // a damaged file, reported above
  return kExitOk;
}

}  // namespace weir::cli
