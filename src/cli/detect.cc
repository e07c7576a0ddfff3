// weir detect: rule-based detection over stored flows (alert events as JSON Lines),
// rule file checks, and attack reports without thresholds (--report).
// detect/detector.h, detect/report.h, doc/detect.md.
#include <signal.h>

#include <atomic>
#include <cstdio>

#include "base/file.h"
#include "cli/detect_options.h"
#include "cli/query_options.h"
#include "detect/follow.h"
#include "detect/history.h"
#include "detect/report.h"
#include "detect/status.h"

namespace weir::cli {

namespace {

int RunReport(const std::string& victim_text, ReportOptions options, const QueryOptions& query) {
  if (!victim_text.empty()) {
    auto victim = IpAddress::Parse(victim_text);
    if (!victim)
      return PrintError("detect", "--victim: not an IP address: " + victim_text), kExitUsage;
    options.victim = *victim;
  }
  int rc = kExitOk;
  auto prepared = query.Prepare("detect", &rc);
  if (!prepared) return rc;
  QueryPlan plan;
  plan.inputs = prepared->inputs;
  plan.predicate = prepared->predicate;
  auto reports = BuildReports(plan, prepared->site, options);
  if (!reports.ok()) return PrintError("detect", reports.status().message()), kExitFailure;
  if (reports->empty())
    PrintWarning("detect", "no destination takes " +
                               std::to_string(static_cast<int>(options.min_victim_share * 100)) +
                               "% of the packets, and no prefix is flooded as a whole");
  for (const AttackReport& r : *reports) {
    std::string line = ReportJson(r);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

int RunDetect(int argc, char** argv) {
  CLI::App app(
      "Detect network attacks in flows. Runs detection rules (--rules, or the default set for "
      "the networks sensor.conf calls internal) over files, a stream, or the repository "
      "selection of weir filter, and writes each incident's start, update and end events as "
      "JSON Lines (to standard output unless --alert-* says otherwise): the rule, the key "
      "(victim address, prefix, sensor ...), the vector, the rates and the attack report. "
      "--verify checks a rule file. --report describes the traffic towards each victim "
      "without thresholds: its vectors (syn_flood, ack_flood, rst_flood, synack_reflection, "
      "tcp_flood, udp_flood, udp_amplification with the reflected service, icmp_flood, "
      "fragment_flood, carpet_bombing) with their share of the packets, rates and top lists "
      "(doc/detect.md).",
      "detect");
  bool report = false, verify = false, print_default = false, status = false, json = false;
  std::string victim_text, rules_path, sensor_file;
  ReportOptions options;
  QueryOptions query;
  DetectOptions detect;
  app.add_option("--rules", rules_path, "the rule file (default: the default rule set)");
  app.add_option("--sensor-configuration", sensor_file,
                 "sensor.conf whose internal-ipblocks the rules watch (default: the embedded "
                 "default's RFC 1918 and ULA networks)");
  detect.AddRuleSwitches(app);
  app.add_flag("--verify", verify, "check the rules, print one line per rule, and exit");
  app.add_flag("--print-default-rules", print_default, "print the default rule set and exit");
  app.add_flag("--status", status,
               "print the running weir collect --detect's state (open incidents, counters, rules) "
               "for the repository (--data-rootdir) and exit");
  app.add_flag("--json", json, "--status as JSON");
  bool follow = false;
  std::string cursor_path, start = "now";
  double poll_s = 1, duration_s = 0;
  app.add_flag("--follow", follow,
               "detect on what is stored in the repository as it comes, from --cursor, until "
               "SIGTERM/SIGINT")
      ->group("Follow");
  app.add_option("--cursor", cursor_path,
                 "where --follow keeps its place (default ROOT/.weir/detect.cursor)")
      ->group("Follow");
  app.add_option("--start", start,
                 "where a new cursor starts: now (default), beginning, or a time (2026/11/27:13)")
      ->group("Follow");
  app.add_option("--poll-interval", poll_s, "seconds between looks at the repository (default 1)")
      ->check(CLI::Range(0.05, 3600.0))
      ->group("Follow");
  app.add_option("--stop-after", duration_s,
                 "stop after this many seconds (default: run until "
                 "SIGTERM/SIGINT)")
      ->group("Follow");
  detect.AddAlertSwitches(app);
  app.add_flag("--report", report, "describe the attack traffic in the flows (no thresholds)")
      ->group("Report");
  app.add_option("--victim", victim_text, "report on this destination address only")
      ->group("Report");
  app.add_option("--max-victims", options.max_victims,
                 "most victims reported, largest first (default 3)")
      ->check(CLI::Range(1, 1000))
      ->group("Report");
  app.add_option("--min-share", options.min_victim_share,
                 "share of all packets a destination needs to be reported (default 0.1)")
      ->check(CLI::Range(0.0, 1.0))
      ->group("Report");
  app.add_option("--top", options.top, "entries in each top list (default 10)")
      ->check(CLI::Range(1, 1000))
      ->group("Report");
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (print_default) {
    std::fwrite(DefaultRulesText().data(), 1, DefaultRulesText().size(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }
  if (report) return RunReport(victim_text, options, query);
  if (status) {
    const std::string path = DetectStatusPath(query.site_options().Root(), json);
    auto text = ReadFileToString(path);
    if (!text.ok())
      return PrintError("detect", text.status().message() +
                                      " (is weir collect --detect running with this root?)"),
             kExitFailure;
    std::fputs(text->c_str(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }

  auto site = query.site_options().Load("detect");
  if (!site.ok()) return PrintError("detect", site.status().message()), kExitFailure;
  auto sensors = SensorConfig::LoadOrDefault(sensor_file, *site);
  if (!sensors.ok()) return PrintError("detect", sensors.status().message()), kExitFailure;
  auto rules = detect.LoadRules(rules_path, *site, *sensors);
  if (!rules.ok()) return PrintError("detect", rules.status().message()), kExitUsage;
  if (verify) {
    std::printf("%s: %zu rule(s), updates every %gs\n", rules->source.c_str(), rules->rules.size(),
                static_cast<double>(rules->update_ms) / 1000);
    for (const Rule& r : rules->rules) std::printf("%s\n", DescribeRule(r).c_str());
    return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
  }

  int rc = kExitOk;
  auto prepared = query.Prepare("detect", &rc, follow);
  if (!prepared) return rc;
  auto alerts = detect.OpenAlerts(
      "-", [](const std::string& line) { std::fprintf(stderr, "weir detect: %s\n", line.c_str()); },
      nullptr);
  if (!alerts.ok()) return PrintError("detect", alerts.status().message()), kExitUsage;
  QueryPlan plan;
  plan.inputs = prepared->inputs;
  plan.predicate = prepared->predicate;
  plan.threads = prepared->threads;
  uint64_t events = 0;
  DetectorOptions detector_options;
  detector_options.ui_url = detect.ui_url;
  Detector detector(std::move(*rules), &prepared->site, detector_options,
                    [&](const DetectEvent& e) {
                      ++events;
                      (*alerts)->Send(e);
                    });
  bool damaged = false;
  if (follow) {
    StopOnSignals();
    FollowOptions fo;
    fo.root = prepared->root;
    fo.selection.flowtype_sensors = prepared->flowtype_sensors;
    fo.selection.first_hour_ms = prepared->first_hour_ms;
    fo.cursor_path = cursor_path.empty() ? prepared->root + "/.weir/detect.cursor" : cursor_path;
    fo.start = start;
    fo.predicate = prepared->predicate.is_all() ? nullptr : &prepared->predicate;
    fo.poll_ms = static_cast<int64_t>(poll_s * 1000);
    fo.duration_ms = static_cast<int64_t>(duration_s * 1000);
    fo.stop = &StopFlag();
    if (cursor_path.empty())
      if (Status s = MakeDirectories(prepared->root + "/.weir"); !s.ok())
        return PrintError("detect", s.message()), kExitFailure;
    auto followed = FollowRepository(fo, detector, [](const std::string& line) {
      std::fprintf(stderr, "weir detect: %s\n", line.c_str());
    });
    Status closed = (*alerts)->Close(static_cast<int64_t>(detect.close_timeout_s * 1000));
    if (!followed.ok()) return PrintError("detect", followed.status().message()), kExitFailure;
    if (!closed.ok()) return PrintError("detect", closed.message()), kExitFailure;
    return followed->errors ? kExitFailure : kExitOk;
  }
  auto stats = DetectHistory(plan, detector, [&](const Status& s) {
    damaged = true;
    PrintError("detect", s.message());
  });
  Status closed = (*alerts)->Close(static_cast<int64_t>(detect.close_timeout_s * 1000));
  if (!stats.ok()) return PrintError("detect", stats.status().message()), kExitFailure;
  if (!closed.ok()) return PrintError("detect", closed.message()), kExitFailure;
  if (IsTerminal(2)) {
    const DetectorStats d = detector.Stats();
    std::fprintf(stderr, "weir detect: %llu records, %llu incidents, %llu events\n",
                 static_cast<unsigned long long>(stats->records),
                 static_cast<unsigned long long>(d.incidents),
                 static_cast<unsigned long long>(events));
  }
  return damaged ? kExitFailure : kExitOk;
}

}  // namespace weir::cli
