#include "cli/detect_options.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

namespace weir::cli {

void DetectOptions::AddRuleSwitches(CLI::App& app) {
  app.add_option("--internal-ipblocks", internal_,
                 "the networks rules watch by default (\"internal\"), comma-separated CIDRs "
                 "(default: sensor.conf's internal-ipblocks)");
}

void DetectOptions::AddAlertSwitches(CLI::App& app) {
  const char* group = "Alerts";
  app.add_option("--alert-output", output_,
                 "append alert events to this file as JSON Lines, each flushed as it happens "
                 "(- : standard output)")
      ->group(group);
  app.add_option("--alert-webhook", webhook_, "POST alert events (JSON Lines) to this URL")
      ->group(group);
  app.add_option("--alert-splunk", splunk_, "send alert events to this Splunk HEC URL")
      ->group(group);
  app.add_option("--alert-elasticsearch", elasticsearch_,
                 "index alert events in this Elasticsearch URL")
      ->group(group);
  app.add_option("--alert-token", token_, "Splunk HEC token")->group(group);
  app.add_option("--alert-index", index_,
                 "Elasticsearch index, strftime of the event time (default weir-alerts-%Y.%m.%d)")
      ->group(group);
  app.add_option("--alert-header", headers_, "extra HTTP header 'Name: value' (repeatable)")
      ->group(group);
  app.add_option("--alert-ca-file", ca_file_, "TLS: trust the CAs in this PEM file")->group(group);
  app.add_flag("--alert-insecure", insecure_, "TLS: do not verify the server's certificate")
      ->group(group);
  app.add_option("--alert-schema", schema_,
                 "weir (default) or ecs: alert events in Elastic Common Schema")
      ->check(CLI::IsMember({"weir", "ecs"}))
      ->group(group);
  app.add_option("--alert-syslog", syslog_,
                 "send alert events to syslog as RFC 5424: HOST:PORT (UDP), or local (/dev/log)")
      ->group(group);
  app.add_option("--alert-script", script_,
                 "run this program at each incident's start and end: arguments EVENT KEY RULE "
                 "INCIDENT, the event's JSON on standard input (no shell)")
      ->group(group);
  app.add_option("--alert-script-timeout", script_timeout_s_,
                 "seconds before a script is killed (default 10)")
      ->check(CLI::Range(0.1, 3600.0))
      ->group(group);
  app.add_option("--ui-url", ui_url,
                 "weir serve's address (https://weir.example.net): each event links to the "
                 "incident's flows in its query builder")
      ->group(group);
  app.add_option("--alert-timeout", close_timeout_s,
                 "at the end, seconds to keep retrying destinations that are down (default 30)")
      ->check(CLI::Range(0.0, 86400.0))
      ->group(group);
}

void DetectOptions::AddBgpSwitches(CLI::App& app) {
  const char* group = "BGP mitigation";
  app.add_option("--bgp-gobgp", bgp_api_,
                 "announce a blackhole route for each victim host through gobgpd's API at "
                 "HOST:PORT (its gobgp client), withdrawn after the incident ends")
      ->group(group);
  app.add_option("--bgp-exabgp", bgp_.exabgp,
                 "or through ExaBGP: write its API commands to this named pipe, which a process "
                 "of ExaBGP's reads (doc/detect.md, \"BGP mitigation\")")
      ->group(group);
  app.add_option("--bgp-community", bgp_.community,
                 "the blackhole's community (default 65535:666, RFC 7999 BLACKHOLE)")
      ->group(group);
  app.add_option("--bgp-next-hop", bgp_.next_hop, "next hop of IPv4 blackholes (default 192.0.2.1)")
      ->group(group);
  app.add_option("--bgp-next-hop-v6", bgp_.next_hop_v6,
                 "next hop of IPv6 blackholes (default 100::1)")
      ->group(group);
  app.add_flag("--bgp-flowspec", bgp_.flowspec,
               "also a FlowSpec discard rule for the vector (destination, protocol, source port)")
      ->group(group);
  app.add_option("--bgp-hold", bgp_hold_s_,
                 "seconds a route stays after its incident ends (default 300)")
      ->check(CLI::Range(0.0, 86400.0 * 30))
      ->group(group);
  app.add_option("--bgp-max-routes", bgp_.max_routes,
                 "most blackholes announced at once (default 32)")
      ->check(CLI::Range(1, 100000))
      ->group(group);
  app.add_option("--bgp-never", bgp_never_, "comma-separated CIDRs never announced")->group(group);
  app.add_flag("--bgp-dry-run", bgp_.dry_run, "log what would be announced; send nothing")
      ->group(group);
  app.add_option("--bgp-client", bgp_.gobgp, "the gobgp client program (default gobgp)")
      ->group(group);
}

Result<std::unique_ptr<BgpMitigator>> DetectOptions::OpenBgp(BgpMitigator::Log log) const {
  if (bgp_api_.empty() && bgp_.exabgp.empty()) return std::unique_ptr<BgpMitigator>();
  BgpOptions options = bgp_;
  if (!bgp_api_.empty() && !bgp_.exabgp.empty())
    return Status::Invalid("--bgp-gobgp and --bgp-exabgp: choose one speaker");
  if (!bgp_api_.empty()) {
    const size_t colon = bgp_api_.rfind(':');
    if (colon == std::string::npos || colon == 0 || !ParseUint(bgp_api_.substr(colon + 1), 65535))
      return Status::Invalid("--bgp-gobgp: HOST:PORT of gobgpd's API, not " + bgp_api_);
    options.api = bgp_api_;
  } else {
    // Whichever of weir and ExaBGP's reader starts first makes the pipe.
    if (::mkfifo(bgp_.exabgp.c_str(), 0600) != 0 && errno != EEXIST)
      return Status::IoError("--bgp-exabgp: " + bgp_.exabgp + ": " + std::strerror(errno));
    if (struct stat st; ::stat(bgp_.exabgp.c_str(), &st) != 0 || !S_ISFIFO(st.st_mode))
      return Status::Invalid("--bgp-exabgp: " + bgp_.exabgp + " is not a named pipe");
  }
  options.hold_ms = static_cast<int64_t>(bgp_hold_s_ * 1000);
  if (!bgp_never_.empty()) {
    auto never = ParseCidrList(bgp_never_);
    if (!never.ok()) return never.status().WithPrefix("--bgp-never");
    options.never = std::move(*never);
  }
  return std::make_unique<BgpMitigator>(std::move(options), std::move(log));
}

Result<RuleSet> DetectOptions::LoadRules(const std::string& path, const SiteConfig& site,
                                         const SensorConfig& sensors) const {
  RuleContext context;
  context.site = &site;
  if (internal_.empty()) {
    context.internal = sensors.InternalNetworks();
  } else {
    auto internal = ParseCidrList(internal_);
    if (!internal.ok()) return internal.status().WithPrefix("--internal-ipblocks");
    context.internal = std::move(*internal);
  }
  return path.empty() ? DefaultRules(context) : weir::LoadRules(path, context);
}

Result<std::unique_ptr<AlertDispatcher>> DetectOptions::OpenAlerts(
    const std::string& default_output, AlertDispatcher::Log log,
    const std::atomic<bool>* stop) const {
  std::vector<std::unique_ptr<Sink>> sinks;
  const bool any = !output_.empty() || !webhook_.empty() || !splunk_.empty() ||
                   !elasticsearch_.empty() || !script_.empty() || !syslog_.empty();
  const std::string output = any ? output_ : default_output;
  if (!output.empty()) {
    FileSinkOptions file;
    file.path = output;
    struct stat st;
    // synced when it is a file (not standard output, /dev/null or a pipe)
    file.sync = output != "-" && (::stat(output.c_str(), &st) != 0 || S_ISREG(st.st_mode));
    auto sink = OpenFileSink(file);
    if (!sink.ok()) return sink.status().WithPrefix("--alert-output");
    sinks.push_back(std::move(*sink));
  }
  auto http = [&](HttpKind kind, const std::string& url, const char* name) -> Status {
    if (url.empty()) return Status::Ok();
    HttpSinkOptions o;
    o.kind = kind;
    o.url = url;
    o.headers = headers_;
    o.index = index_;
    o.token = token_;
    o.sourcetype = "weir:alert";
    o.ca_file = ca_file_;
    o.insecure = insecure_;
    o.timeout_s = 10;
    o.max_attempts = 1;  // the dispatcher retries, without holding detection up
    o.stop = stop;
    auto sink = OpenHttpSink(o);
    if (!sink.ok()) return sink.status().WithPrefix(name);
    sinks.push_back(std::move(*sink));
    return Status::Ok();
  };
  if (Status s = http(HttpKind::kPost, webhook_, "--alert-webhook"); !s.ok()) return s;
  if (Status s = http(HttpKind::kSplunk, splunk_, "--alert-splunk"); !s.ok()) return s;
  if (Status s = http(HttpKind::kElasticsearch, elasticsearch_, "--alert-elasticsearch"); !s.ok())
    return s;
  if (!syslog_.empty()) {
    auto sink = OpenSyslogSink(syslog_);
    if (!sink.ok()) return sink.status().WithPrefix("--alert-syslog");
    sinks.push_back(std::move(*sink));
  }
  std::vector<ScriptAction> scripts;
  if (!script_.empty()) {
    ScriptAction script;
    script.argv = {script_};
    script.timeout_ms = static_cast<int64_t>(script_timeout_s_ * 1000);
    scripts.push_back(std::move(script));
  }
  return std::make_unique<AlertDispatcher>(std::move(sinks), std::move(scripts), std::move(log),
                                           schema_ == "ecs");
}

}  // namespace weir::cli
