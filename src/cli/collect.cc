// weir collect: the NetFlow/IPFIX/sFlow collector daemon (rwflowpack, nfcapd).
#include <fcntl.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <mutex>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "cli/common.h"
#include "cli/detect_options.h"
#include "cli/metrics_server.h"
#include "collect/collector.h"
#include "collect/metrics.h"
#include "detect/live.h"
#include "detect/status.h"

namespace weir::cli {

namespace {

// Where log lines go: stderr, stdout, syslog, a file (reopened on SIGHUP), or nowhere.
class LogSink {
 public:
  Status Open(const std::string& destination) {
    destination_ = destination;
    if (destination == "syslog") openlog("weir-collect", LOG_PID, LOG_DAEMON);
    return Reopen();
  }
  Status Reopen() {
    std::lock_guard lock(mu_);
    if (destination_ == "stderr" || destination_ == "stdout" || destination_ == "none" ||
        destination_ == "syslog")
      return Status::Ok();
    if (file_) std::fclose(file_);
    file_ = std::fopen(destination_.c_str(), "a");
    if (!file_)
      return Status::IoError("cannot open log file " + destination_ + ": " + std::strerror(errno));
    return Status::Ok();
  }
  void Write(const std::string& line) {
    std::lock_guard lock(mu_);
    if (destination_ == "none") return;
    if (destination_ == "syslog") {
      syslog(LOG_INFO, "%s", line.c_str());
      return;
    }
    FILE* out = destination_ == "stderr" ? stderr : destination_ == "stdout" ? stdout : file_;
    if (!out) return;
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::fprintf(out, "%s weir collect: %s\n", stamp, line.c_str());
    std::fflush(out);
  }
  bool is_terminal_stream() const { return destination_ == "stderr" || destination_ == "stdout"; }

 private:
  std::mutex mu_;
  std::string destination_;
  FILE* file_ = nullptr;
};

Status Daemonize() {
  pid_t pid = fork();
  if (pid < 0) return Status::IoError(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) _exit(0);
  if (setsid() < 0) return Status::IoError(std::string("setsid: ") + std::strerror(errno));
  pid = fork();
  if (pid < 0) return Status::IoError(std::string("fork: ") + std::strerror(errno));
  if (pid > 0) _exit(0);
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    if (null > 2) close(null);
  }
  return Status::Ok();
}

}  // namespace

int RunCollect(int argc, char** argv) {
  CLI::App app(
      "Receive NetFlow v5/v9, IPFIX and sFlow v5, classify each flow by sensor and direction "
      "(SiLK's sensor.conf and twoway logic) and store it in the repository's hourly files "
      "(like rwflowpack). Runs in the foreground until SIGTERM or SIGINT; SIGUSR1 logs the "
      "status; SIGHUP reopens the log file. With no configuration it listens on 2055 "
      "(NetFlow/IPFIX), 4739 (IPFIX, UDP and TCP) and 6343 (sFlow).",
      "collect");
  std::string sensor_file, site_file, root, log_destination = "stderr", pidfile, status_file,
                                            metrics_listen;
  double flush_seconds = 1, stats_seconds = 60, duration = 0;
  bool verify = false, show_status = false, daemon = false, icmp_split = false;
  size_t socket_buffer = 64u << 20;
  uint32_t block_records = 65536;
  app.add_option("--sensor-configuration", sensor_file,
                 "sensor.conf: probes and sensors (default: the embedded default; "
                 "see weir collect --verify-sensor-config)");
  app.add_option("--site-config-file", site_file,
                 "silk.conf (default: $SILK_CONFIG_FILE, ROOT/silk.conf, or the embedded default)");
  app.add_option("--root-directory,--data-rootdir", root,
                 "repository root (default: $WEIR_DATA_ROOTDIR, $SILK_DATA_ROOTDIR, or ./data)");
  app.add_option("--log-destination", log_destination,
                 "stderr (default), stdout, syslog, none, or a file path");
  app.add_option("--pidfile", pidfile, "write the process id to this file");
  app.add_option("--flush-timeout", flush_seconds,
                 "seconds between flushes of open files: the most a crash loses and the longest "
                 "until a flow is readable (default 1)");
  app.add_option("--stats-interval", stats_seconds,
                 "seconds between statistics lines in the log; 0: none (default 60)");
  app.add_option("--status-file", status_file,
                 "status page rewritten every second (default ROOT/.weir/collect.status)");
  app.add_flag("--status", show_status, "print the running collector's status page and exit");
  app.add_option("--metrics-listen", metrics_listen,
                 "serve the counters for Prometheus at http://ADDR:PORT/metrics "
                 "(doc/collect.md, \"Metrics\")");
  app.add_flag("--verify-sensor-config", verify,
               "check the sensor.conf (and silk.conf), print what it defines, and exit");
  app.add_flag("--daemon", daemon, "detach from the terminal (needs --log-destination)");
  app.add_flag("--icmp-split", icmp_split,
               "store ICMP as inicmp/outicmp (SiLK builds twoway without this: ICMP is in/out)");
  app.add_option("--socket-buffer", socket_buffer,
                 "receive buffer per UDP socket in bytes (default 64 MiB)");
  app.add_option("--block-records", block_records,
                 "records per block (default 65536: blocks that fit the CPU cache keep ingest "
                 "fast; larger compress a little better)")
      ->check(CLI::Range(1024, 1 << 22));
  app.add_option("--duration", duration,
                 "stop after this many seconds (default: run until signalled)");
  std::string detect_rules;
  DetectOptions detect;
  auto* detect_option =
      app.add_option("--detect", detect_rules,
                     "detect attacks on the decoded flows before they are stored, by this rule "
                     "file (no value: the default rule set); alerts go to --alert-* (default: "
                     "ROOT/.weir/alerts.json)")
          ->expected(0, 1)
          ->group("Detection");
  detect.AddRuleSwitches(app);
  detect.AddAlertSwitches(app);
  detect.AddBgpSwitches(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  SiteOptions site_options;
  site_options.site_config_file = site_file;
  site_options.data_rootdir = root;
  root = site_options.Root();
  if (status_file.empty()) status_file = root + "/.weir/collect.status";
  if (show_status) {
    auto text = ReadFileToString(status_file);
    if (!text.ok())
      return PrintError("collect",
                        text.status().message() + " (is weir collect running with this root?)"),
             kExitFailure;
    std::fputs(text->c_str(), stdout);
    return kExitOk;
  }

  auto site = site_options.Load("collect");
  if (!site.ok()) return PrintError("collect", site.status().message()), kExitFailure;
  auto sensors = SensorConfig::LoadOrDefault(sensor_file, *site);
  if (!sensors.ok()) return PrintError("collect", sensors.status().message()), kExitFailure;
  for (const auto& w : sensors->warnings()) PrintWarning("collect", w);
  std::optional<RuleSet> rules;
  if (detect_option->count() > 0) {
    auto loaded = detect.LoadRules(detect_rules, *site, *sensors);
    if (!loaded.ok()) return PrintError("collect", loaded.status().message()), kExitUsage;
    rules = std::move(*loaded);
  }
  if (verify) {
    std::printf("%s: %zu probe(s), %zu sensor block(s)\n", sensors->source().c_str(),
                sensors->probes().size(), sensors->sensors().size());
    for (const auto& p : sensors->probes())
      std::printf("probe %-20s %-11s %s/%u%s%s\n", p.name.c_str(),
                  std::string(ProbeTypeName(p.type)).c_str(), p.tcp ? "tcp" : "udp", p.port,
                  p.listen_host.empty() ? "" : (" on " + p.listen_host).c_str(),
                  p.accept_from.empty() ? "" : " (accept-from-host set)");
    for (const auto& s : sensors->sensors())
      std::printf("sensor %-19s id %u (%s)\n", s.name.c_str(), s.sensor, s.where.c_str());
    if (rules)
      for (const Rule& r : rules->rules) std::printf("rule %s\n", DescribeRule(r).c_str());
    return kExitOk;
  }
  if (flush_seconds <= 0 || stats_seconds < 0)
    return PrintError("collect", "--flush-timeout must be > 0 and --stats-interval >= 0"),
           kExitUsage;
  if (daemon && (log_destination == "stderr" || log_destination == "stdout"))
    return PrintError("collect", "--daemon needs --log-destination (a file, syslog or none)"),
           kExitUsage;

  LogSink log;
  if (Status s = log.Open(log_destination); !s.ok())
    return PrintError("collect", s.message()), kExitFailure;
  if (Status s = MakeDirectories(root + "/.weir"); !s.ok())
    return PrintError("collect", s.message()), kExitFailure;

  // Signals are taken synchronously by this thread; every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGUSR1, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (daemon)
    if (Status s = Daemonize(); !s.ok()) return PrintError("collect", s.message()), kExitFailure;
  if (!pidfile.empty())
    if (Status s = WriteFileAtomically(pidfile, std::to_string(getpid()) + "\n"); !s.ok())
      return PrintError("collect", s.message()), kExitFailure;

  CollectorOptions options;
  options.root = root;
  options.flush_ms = static_cast<int64_t>(flush_seconds * 1000);
  options.stats_interval_ms = static_cast<int64_t>(stats_seconds * 1000);
  options.status_path = status_file;
  options.socket_buffer_bytes = socket_buffer;
  options.classify.icmp_split = icmp_split;
  options.writer.block_records = block_records;
  options.log = [&log](const std::string& line) { log.Write(line); };
  // Detection: a thread of its own fed each batch before it is stored; alert
  // events go to their destinations' own threads.
  std::atomic<bool> stopping{false};
  std::unique_ptr<AlertDispatcher> alerts;
  std::unique_ptr<BgpMitigator> bgp;
  DetectStatus detect_status;
  std::unique_ptr<LiveDetector> detector;
  if (rules) {
    auto opened = detect.OpenAlerts(
        root + "/.weir/alerts.json", [&log](const std::string& line) { log.Write(line); },
        &stopping);
    if (!opened.ok()) return PrintError("collect", opened.status().message()), kExitUsage;
    alerts = std::move(*opened);
    auto mitigator = detect.OpenBgp([&log](const std::string& line) { log.Write(line); });
    if (!mitigator.ok()) return PrintError("collect", mitigator.status().message()), kExitUsage;
    bgp = std::move(*mitigator);
    AlertDispatcher* sink = alerts.get();
    BgpMitigator* blackhole = bgp.get();
    const size_t rule_count = rules->rules.size();
    detect_status.rules_source = detect_rules.empty() ? "the default set" : detect_rules;
    for (const Rule& r : rules->rules) detect_status.rules.push_back(DescribeRule(r));
    DetectorOptions detector_options;
    detector_options.ui_url = detect.ui_url;
    detector = std::make_unique<LiveDetector>(
        std::move(*rules), &*site, detector_options,
        [sink, blackhole, &log](const DetectEvent& e) {
          log.Write("incident " + std::string(EventKindName(e.kind)) + " " + e.incident + ": " +
                    e.rule + " " + e.key + (e.vector.empty() ? "" : " (" + e.vector + ")"));
          sink->Send(e);
          if (blackhole) blackhole->Send(e);
        },
        [&log](const std::string& line) { log.Write(line); });
    LiveDetector* live = detector.get();
    options.observe = [live](const std::vector<FlowRecord>& batch) { live->Observe(batch); };
    log.Write("detecting with " + std::to_string(rule_count) + " rules from " +
              (detect_rules.empty() ? std::string("the default set") : detect_rules));
  }
  auto collector = Collector::Start(*site, *sensors, options);
  if (!collector.ok()) {
    if (!pidfile.empty()) unlink(pidfile.c_str());
    return PrintError("collect", collector.status().message()), kExitFailure;
  }
  std::string listening;
  for (size_t i = 0; i < sensors->probes().size(); ++i) {
    const ProbeConfig& p = sensors->probes()[i];
    listening += (listening.empty() ? "" : ", ") + p.name + " (" +
                 std::string(ProbeTypeName(p.type)) + ") " + (p.tcp ? "tcp/" : "udp/") +
                 std::to_string((*collector)->BoundPort(i));
  }
  log.Write("listening: " + listening + "; storing in " + root + " (status: weir collect --status" +
            (root == "data" ? "" : " --root-directory=" + root) + ")");
  std::unique_ptr<MetricsServer> metrics;
  if (!metrics_listen.empty()) {
    Collector* running = collector->get();
    LiveDetector* live = detector.get();
    AlertDispatcher* sink = alerts.get();
    BgpMitigator* blackhole = bgp.get();
    auto server = MetricsServer::Start(metrics_listen, [running, live, sink, blackhole] {
      std::string text = FormatPrometheus(running->Snapshot(), WEIR_VERSION);
      if (live) {
        DetectStatus status;
        status.stats = live->Stats();
        status.alerts = sink->Counters();
        status.bgp = blackhole != nullptr;
        if (blackhole) status.bgp_counters = blackhole->Counters();
        text += DetectStatusPrometheus(status);
      }
      return text;
    });
    if (!server.ok()) {
      (*collector)->Stop();
      (void)(*collector)->Wait();
      if (!pidfile.empty()) unlink(pidfile.c_str());
      return PrintError("collect", server.status().message()), kExitFailure;
    }
    metrics = std::move(*server);
    log.Write("metrics: http://" + metrics_listen + "/metrics");
  }

  const auto started = std::chrono::steady_clock::now();
  int exit_code = kExitOk;
  while (true) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      log.Write(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                "; flushing and stopping");
      break;
    }
    if (sig == SIGUSR1) {
      std::string text = Collector::FormatStatus((*collector)->Snapshot(), nullptr);
      for (std::string_view line : Split(text, '\n'))
        if (!line.empty()) log.Write(std::string(line));
    }
    if (sig == SIGHUP) {
      if (Status s = log.Reopen(); !s.ok()) PrintError("collect", s.message());
    }
    if (detector) {
      // The status of detection, as weir detect --status shows it.
      detect_status.now_ms = NowMillis();
      detect_status.stats = detector->Stats();
      detect_status.open = detector->Open();
      detect_status.alerts = alerts->Counters();
      detect_status.bgp = bgp != nullptr;
      if (bgp) detect_status.bgp_counters = bgp->Counters();
      for (bool json : {false, true}) {
        Status w = WriteFileAtomically(
            DetectStatusPath(root, json),
            json ? DetectStatusJson(detect_status) : DetectStatusText(detect_status));
        if (!w.ok()) PrintError("collect", w.message());
      }
    }
    if ((*collector)->failed()) {
      exit_code = kExitFailure;
      break;
    }
    if (duration > 0 &&
        std::chrono::steady_clock::now() - started >= std::chrono::duration<double>(duration))
      break;
  }
  (*collector)->Stop();
  Status s = (*collector)->Wait();
  if (detector) {
    // What was stored was seen: open incidents end, their events are delivered.
    detector->Stop();
    if (Status a = alerts->Close(static_cast<int64_t>(detect.close_timeout_s * 1000)); !a.ok())
      log.Write("error: " + a.message());
    if (bgp)
      if (Status b = bgp->Close(static_cast<int64_t>(detect.close_timeout_s * 1000)); !b.ok())
        log.Write("error: " + b.message());
    stopping = true;
  }
  CollectorSnapshot final = (*collector)->Snapshot();
  log.Write("stopped; " + std::to_string(final.stored) + " records stored in this run");
  if (!pidfile.empty()) unlink(pidfile.c_str());
  if (!s.ok()) {
    PrintError("collect", s.message());
    return kExitFailure;
  }
  return exit_code;
}

}  // namespace weir::cli
