// weir eve: Suricata's EVE JSON. `import` stores its flow and netflow events as
// records; `correlate` joins alerts to the stored flows behind them (doc/ids.md).
#include <sys/stat.h>

#include <cstdio>
#include <map>

#include "base/file.h"
#include "base/strings.h"
#include "base/time.h"
#include "cli/common.h"
#include "cli/query_options.h"
#include "export/sink.h"
#include "ids/compare.h"
#include "ids/correlate.h"
#include "ids/import.h"
#include "site/sensor_config.h"

namespace weir::cli {

namespace {

constexpr const char* kUsage =
    "Usage: weir eve ACTION [switches] FILES|-\n\n"
    "Suricata's EVE JSON (doc/ids.md):\n"
    "  import     store flow and netflow events in a repository as weir records\n"
    "  correlate  join alerts to the stored flows behind them, with the host's traffic\n"
    "  compare    Suricata's flow records against the stored records of the same traffic\n\n"
    "Each action takes --help.\n";

// Which stored records correlate and compare read: rwfilter's file switches
// without dates (the events give the time) and an expression.
void AddStoredSwitches(CLI::App& app, FileSelection& selection, std::string& expr) {
  app.add_option("--class", selection.classes, "class(es) to read (default: the default class)");
  app.add_option("--type", selection.types, "types to read, or all");
  app.add_option("--flowtypes", selection.flowtypes, "CLASS/TYPE pairs to read");
  app.add_option("--sensors", selection.sensors, "sensors to read (names, ids)");
  app.add_option("--expr", expr, "read only the stored records of this expression (doc/query.md)");
}

int Import(int argc, char** argv) {
  CLI::App app(
      "Store Suricata's EVE flow and netflow events in a repository as weir records, classified "
      "by sensor.conf like the collector's (flow_id, app_proto as the application label). "
      "Other event types are skipped and counted; malformed lines are counted and named by "
      "line number, and the import goes on. Files may be gzip-compressed; - is standard input.",
      "eve import");
  SiteOptions site_options;
  std::string sensor_file, probe_name, sensor_name;
  std::vector<std::string> files, interface_sensors;
  bool icmp_split = false;
  site_options.Add(app, /*root_directory=*/true);
  app.add_option("--sensor-configuration", sensor_file,
                 "sensor.conf whose probe classifies the flows (default: the embedded default)");
  app.add_option("--probe", probe_name,
                 "the sensor.conf probe that stands for Suricata (default: the first)");
  app.add_option("--sensor", sensor_name,
                 "store every record under this sensor (a silk.conf name)");
  app.add_option(
      "--interface-sensor", interface_sensors,
      "IFACE=SENSOR: the records of Suricata's in_iface IFACE under SENSOR (repeatable)");
  app.add_flag("--icmp-split", icmp_split, "store ICMP as inicmp/outicmp");
  bool follow = false;
  std::string cursor;
  double poll = 1, stop_after = 0;
  app.add_flag("--follow", follow,
               "follow one growing eve.json across rotation, from a cursor, until SIGTERM/SIGINT")
      ->group("Following");
  app.add_option("--cursor", cursor, "the cursor file (default ROOT/.weir/eve.cursor)")
      ->group("Following");
  app.add_option("--poll-interval", poll, "seconds between reads at the file's end (default 1)")
      ->check(CLI::Range(0.05, 3600.0))
      ->group("Following");
  app.add_option("--stop-after", stop_after, "stop after this many seconds (default: never)")
      ->group("Following");
  app.add_option("files", files, "EVE files (gzip too); - is standard input")->required();
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;

  auto site = site_options.Load("eve import");
  if (!site.ok()) return PrintError("eve import", site.status().message()), kExitFailure;
  auto sensors = SensorConfig::LoadOrDefault(sensor_file, *site);
  if (!sensors.ok()) return PrintError("eve import", sensors.status().message()), kExitFailure;
  EveImportOptions options;
  options.root = site_options.Root();
  options.site = &*site;
  options.sensors = &*sensors;
  options.classify.icmp_split = icmp_split;
  auto probe = sensors->FindProbe(probe_name);
  if (!probe.ok()) return PrintError("eve import", probe.status().message()), kExitUsage;
  options.probe = *probe;
  if (!sensor_name.empty()) {
    options.sensor = site->FindSensor(sensor_name);
    if (!options.sensor)
      return PrintError("eve import", "--sensor: no sensor '" + sensor_name + "' in silk.conf"),
             kExitUsage;
  }
  for (const std::string& pair : interface_sensors) {
    const size_t eq = pair.find('=');
    auto id = eq == std::string::npos ? std::nullopt : site->FindSensor(pair.substr(eq + 1));
    if (!id)
      return PrintError(
                 "eve import",
                 "--interface-sensor: IFACE=SENSOR with a silk.conf sensor, not '" + pair + "'"),
             kExitUsage;
    options.interface_sensor[pair.substr(0, eq)] = *id;
  }
  if (follow && (files.size() != 1 || files[0] == "-"))
    return PrintError("eve import", "--follow takes one file (not standard input)"), kExitUsage;
  if (cursor.empty()) cursor = options.root + "/.weir/eve.cursor";
  EveImporter importer(std::move(options));
  if (follow) {
    if (Status s = MakeDirectories(cursor.substr(0, cursor.find_last_of('/'))); !s.ok())
      return PrintError("eve import", s.message()), kExitFailure;
    StopOnSignals();
    EveFollowOptions fo;
    fo.cursor = cursor;
    fo.poll_ms = static_cast<int64_t>(poll * 1000);
    fo.stop_after_ms = static_cast<int64_t>(stop_after * 1000);
    fo.stop = &StopFlag();
    Status s = importer.Follow(files[0], fo);
    if (Status c = importer.Close(); s.ok()) s = c;
    if (!s.ok()) return PrintError("eve import", s.message()), kExitFailure;
    for (const std::string& p : importer.stats().problems) PrintWarning("eve import", p);
    std::fprintf(stderr, "weir eve import: %s\n", EveImportSummary(importer.stats()).c_str());
    return kExitOk;
  }
  for (const std::string& f : files)
    if (Status s = importer.ImportFile(f); !s.ok()) {
      (void)importer.Close();
      return PrintError("eve import", s.message()), kExitFailure;
    }
  if (Status s = importer.Close(); !s.ok())
    return PrintError("eve import", s.message()), kExitFailure;
  const EveImportStats& stats = importer.stats();
  for (const std::string& p : stats.problems) PrintWarning("eve import", p);
  if (stats.malformed > stats.problems.size())
    PrintWarning("eve import",
                 std::to_string(stats.malformed - stats.problems.size()) + " more malformed lines");
  std::fprintf(stderr, "weir eve import: %s\n", EveImportSummary(stats).c_str());
  return kExitOk;
}

int Correlate(int argc, char** argv) {
  CLI::App app(
      "Join Suricata alerts to the stored flows behind them: by flow_id (flows imported from "
      "EVE), by Community ID, or by the 5-tuple either way around the alert's time; each "
      "alert's line comes out with a \"weir\" member (the join, the connection's records and "
      "traffic, and the internal host's traffic around it) as JSON Lines.",
      "eve correlate");
  SiteOptions site_options;
  FileSelection selection;
  std::string expr, sensor_file, internal, output = "-", webhook, splunk, token, elasticsearch,
                                           index = "weir-alerts-%Y.%m.%d";
  double active = 1800, tolerance = 30, follow = 3600, host_window = 3600;
  int seed = 0, top = 5;
  size_t max_flows = 100;
  bool summary = false, print_filter = false;
  std::vector<std::string> files;
  site_options.Add(app, /*root_directory=*/true);
  AddStoredSwitches(app, selection, expr);
  app.add_option("--active-timeout", active,
                 "the exporters' active timeout, seconds: a record holding the alert starts at "
                 "most this long before it (default 1800)");
  app.add_option("--tolerance", tolerance,
                 "seconds of clock difference allowed, and the largest gap between the records "
                 "of one connection (default 30)");
  app.add_option("--follow-connection", follow,
                 "seconds after an alert in which its connection's later records are gathered "
                 "(default 3600)");
  app.add_option("--host-window", host_window,
                 "the host summary covers the alert's minute +- this many seconds (default 3600)");
  app.add_option("--community-id-seed", seed, "Suricata's community-id-seed (default 0)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--internal-ipblocks", internal,
                 "the networks whose hosts are summarised, comma-separated CIDRs (default: "
                 "sensor.conf's internal-ipblocks)");
  app.add_option("--sensor-configuration", sensor_file,
                 "sensor.conf (default: the embedded default)");
  app.add_option("--max-flows", max_flows,
                 "records listed per alert (default 100; all are counted)");
  app.add_option("--top", top, "entries of the host's top lists (default 5)")
      ->check(CLI::Range(0, 1000));
  app.add_flag("--summary", summary,
               "print a table per signature (alerts, matched, hosts, bytes) instead of the alerts");
  app.add_flag("--print-filter", print_filter,
               "print each alert's selection as weir filter switches instead of correlating "
               "(as rwidsquery)");
  app.add_option("--output", output, "the alerts as JSON Lines to this file (default -: stdout)")
      ->group("Destinations");
  app.add_option("--webhook", webhook, "and HTTP POST them to this URL")->group("Destinations");
  app.add_option("--splunk", splunk, "and to this Splunk HEC URL (--token)")->group("Destinations");
  app.add_option("--token", token, "the Splunk HEC token")->group("Destinations");
  app.add_option("--elasticsearch", elasticsearch, "and to this Elasticsearch (_bulk)")
      ->group("Destinations");
  app.add_option("--index", index, "the Elasticsearch index (strftime of the alert's time)")
      ->group("Destinations");
  app.add_option("files", files, "EVE files with alerts (gzip too); - is standard input")
      ->required();
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  const char* cmd = "eve correlate";

  auto site = site_options.Load(cmd);
  if (!site.ok()) return PrintError(cmd, site.status().message()), kExitFailure;
  CorrelateOptions options;
  options.root = site_options.Root();
  options.site = &*site;
  options.selection = selection;
  options.expr = expr;
  options.active_timeout_ms = static_cast<int64_t>(active * 1000);
  options.tolerance_ms = static_cast<int64_t>(tolerance * 1000);
  options.follow_ms = static_cast<int64_t>(follow * 1000);
  options.host_window_ms = static_cast<int64_t>(host_window * 1000);
  options.community_seed = static_cast<uint16_t>(seed);
  options.max_flows = max_flows;
  options.top = top;
  if (!internal.empty()) {
    auto set = ParseCidrList(internal);
    if (!set.ok())
      return PrintError(cmd, set.status().WithPrefix("--internal-ipblocks").message()), kExitUsage;
    options.internal = std::move(*set);
  } else {
    auto sensors = SensorConfig::LoadOrDefault(sensor_file, *site);
    if (!sensors.ok()) return PrintError(cmd, sensors.status().message()), kExitFailure;
    options.internal = sensors->InternalNetworks();
  }

  EveAlertInput input;
  for (const std::string& f : files)
    if (Status s = ReadEveAlerts(f, input); !s.ok())
      return PrintError(cmd, s.message()), kExitFailure;
  for (const std::string& p : input.problems) PrintWarning(cmd, p);
  if (print_filter) {
    for (const CorrelatedAlert& c : input.alerts) {
      const int64_t t = c.alert.time_ms;
      const int64_t from = t - options.active_timeout_ms - options.tolerance_ms;
      const int64_t to = t + options.follow_ms + options.tolerance_ms;
      std::printf("weir filter --data-rootdir=%s --type=all %s\n", options.root.c_str(),
                  CorrelationFilter(c.alert, from, to).c_str());
    }
    return kExitOk;
  }

  // Destinations: export's sinks, fed one batch at the end.
  std::vector<std::unique_ptr<Sink>> sinks;
  if (!summary || output != "-") {
    FileSinkOptions file;
    file.path = output;
    struct stat st;
    file.sync = output != "-" && (::stat(output.c_str(), &st) != 0 || S_ISREG(st.st_mode));
    auto sink = OpenFileSink(file);
    if (!sink.ok())
      return PrintError(cmd, sink.status().WithPrefix("--output").message()), kExitFailure;
    sinks.push_back(std::move(*sink));
  }
  for (auto [kind, url] :
       {std::pair{HttpKind::kPost, webhook}, std::pair{HttpKind::kSplunk, splunk},
        std::pair{HttpKind::kElasticsearch, elasticsearch}}) {
    if (url.empty()) continue;
    HttpSinkOptions o;
    o.kind = kind;
    o.url = url;
    o.token = token;
    o.index = index;
    o.sourcetype = "weir:ids";
    o.max_attempts = 5;
    auto sink = OpenHttpSink(o);
    if (!sink.ok()) return PrintError(cmd, sink.status().message()), kExitFailure;
    sinks.push_back(std::move(*sink));
  }

  CorrelateStats stats;
  auto result = Correlate(std::move(input.alerts), options, &stats,
                          [&](const Status& s) { PrintWarning(cmd, s.message()); });
  if (!result.ok()) return PrintError(cmd, result.status().message()), kExitFailure;
  ExportBatch batch;
  for (const CorrelatedAlert& c : *result) {
    const std::string line = CorrelatedJson(c, &*site);
    batch.text.Append(line);
    batch.text.Append("\n");
    batch.Close(c.alert.time_ms, std::hash<std::string>()(c.line));
  }
  for (auto& sink : sinks) {
    Status s = sink->Deliver(batch);
    if (s.ok()) s = sink->Close();
    if (!s.ok()) return PrintError(cmd, sink->Describe() + ": " + s.message()), kExitFailure;
  }
  if (summary) std::fputs(SignatureSummary(*result).c_str(), stdout);
  std::fprintf(stderr,
               "weir eve correlate: %llu alerts (%llu other events, %llu malformed lines): %llu "
               "matched (%llu by flow_id, %llu by community_id, %llu by 5-tuple); %llu records "
               "read in %llu files, %llu of %llu blocks skipped\n",
               static_cast<unsigned long long>(stats.alerts),
               static_cast<unsigned long long>(input.other),
               static_cast<unsigned long long>(input.malformed),
               static_cast<unsigned long long>(stats.matched),
               static_cast<unsigned long long>(stats.by_flow_id),
               static_cast<unsigned long long>(stats.by_community_id),
               static_cast<unsigned long long>(stats.by_tuple),
               static_cast<unsigned long long>(stats.records_read),
               static_cast<unsigned long long>(stats.files),
               static_cast<unsigned long long>(stats.blocks_skipped),
               static_cast<unsigned long long>(stats.blocks_read + stats.blocks_skipped));
  return stats.errors ? kExitFailure : kExitOk;
}

int Compare(int argc, char** argv) {
  CLI::App app(
      "Compare Suricata's flow records (EVE flow and netflow events) with the stored records "
      "of the same traffic and time: the pairs, their byte and packet differences (the "
      "Ethernet header Suricata counts explained), the records only one side has, and how "
      "long Suricata took to write each flow.",
      "eve compare");
  SiteOptions site_options;
  FileSelection selection;
  std::string expr;
  double tolerance = 30;
  bool json = false;
  std::vector<std::string> files;
  site_options.Add(app, /*root_directory=*/true);
  AddStoredSwitches(app, selection, expr);
  app.add_option("--tolerance", tolerance, "seconds of clock difference allowed (default 30)");
  app.add_flag("--json", json, "one JSON object instead of text");
  app.add_option("files", files, "EVE files (gzip too); - is standard input")->required();
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  const char* cmd = "eve compare";
  auto site = site_options.Load(cmd);
  if (!site.ok()) return PrintError(cmd, site.status().message()), kExitFailure;
  CompareOptions options;
  options.root = site_options.Root();
  options.site = &*site;
  options.selection = selection;
  options.expr = expr;
  options.tolerance_ms = static_cast<int64_t>(tolerance * 1000);
  auto report = CompareEve(files, options);
  if (!report.ok()) return PrintError(cmd, report.status().message()), kExitFailure;
  for (const std::string& p : report->problems) PrintWarning(cmd, p);
  std::fputs((json ? CompareJson(*report) + "\n" : CompareText(*report)).c_str(), stdout);
  return kExitOk;
}

}  // namespace

int RunEve(int argc, char** argv) {
  std::string action = argc > 1 ? argv[1] : "";
  if (action == "--help" || action == "-h" || action == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (action == "import") return Import(argc - 1, argv + 1);
  if (action == "correlate") return Correlate(argc - 1, argv + 1);
  if (action == "compare") return Compare(argc - 1, argv + 1);
  std::fputs(kUsage, stderr);
  if (!action.empty()) PrintError("eve", "unknown action '" + action + "'");
  return kExitUsage;
}

}  // namespace weir::cli
