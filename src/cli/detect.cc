// weir detect: attack reports. --report characterises the traffic towards each
// victim without thresholds (detect/report.h, doc/detect.md).
#include <cstdio>

#include "cli/query_options.h"
#include "detect/report.h"

namespace weir::cli {

int RunDetect(int argc, char** argv) {
  CLI::App app(
      "Detect network attacks in flows. --report describes the traffic towards each victim as "
      "JSON, one line per victim: the victim (the address given with --victim, the "
      "destinations that take the most packets, or a prefix flooded as a whole), its attack "
      "vectors (syn_flood, ack_flood, rst_flood, synack_reflection, tcp_flood, udp_flood, "
      "udp_amplification with the reflected service, icmp_flood, fragment_flood, "
      "carpet_bombing) with their share of the packets, average and peak rates, and the top "
      "sources, source prefixes, ports, TCP flags, packet sizes, sensors and interfaces. Reads "
      "files, a stream, or the repository selection and partitioning switches of weir filter "
      "(doc/detect.md).",
      "detect");
  bool report = false;
  std::string victim_text;
  ReportOptions options;
  QueryOptions query;
  app.add_flag("--report", report, "describe the attack traffic in the flows (no thresholds)");
  app.add_option("--victim", victim_text, "report on this destination address only");
  app.add_option("--max-victims", options.max_victims,
                 "most victims reported, largest first (default 3)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--min-share", options.min_victim_share,
                 "share of all packets a destination needs to be reported (default 0.1)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--top", options.top, "entries in each top list (default 10)")
      ->check(CLI::Range(1, 1000));
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (!report)
    return PrintError("detect",
                      "give --report: this version characterises attacks in flows; rule-based "
                      "detection (thresholds, baselines, alerts, BGP) is not built yet"),
           kExitUsage;
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

}  // namespace weir::cli
