#include "detect/status.h"

#include <cstdio>
#include <deque>
#include <fstream>

#include "base/file.h"
#include "base/prometheus.h"
#include "base/time.h"
#include "record/text.h"

namespace weir {

namespace {

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::string DetectStatusText(const DetectStatus& s) {
  std::string out = "detection at " + FormatTime(s.now_ms, TimeFormat::kIso) + "\n";
  const DetectorStats& d = s.stats.detector;
  out += "records " + std::to_string(d.records) + ", incidents " + std::to_string(d.incidents) +
         " (open " + std::to_string(d.open) + "), keys " + std::to_string(d.keys) + " (evicted " +
         std::to_string(d.evicted) + ", refused " + std::to_string(d.refused) + "), flow time " +
         (d.watermark_ms > 0 ? FormatTime(d.watermark_ms, TimeFormat::kIso) : "-") +
         ", queue waits " + std::to_string(s.stats.waits) + "\n";
  out += "\nopen incidents:\n";
  if (s.open.empty()) out += "  none\n";
  for (const OpenIncident& i : s.open)
    out += "  " + i.incident + "  " + i.rule + "  " + i.key + "  since " +
           FormatTime(i.start_ms, TimeFormat::kIso) + "  value " + Number(i.value) + " (limit " +
           Number(i.limit) + ", peak " + Number(i.peak) + ")\n";
  out += "\nalert destinations:\n";
  for (const AlertCounters& a : s.alerts)
    out += "  " + a.destination + ": delivered " + std::to_string(a.delivered) + ", failures " +
           std::to_string(a.failures) + ", pending " + std::to_string(a.pending) + "\n";
  if (s.bgp) {
    const BgpCounters& b = s.bgp_counters;
    out += "  bgp: routes " + std::to_string(b.announced) + ", announcements " +
           std::to_string(b.announcements) + ", withdrawals " + std::to_string(b.withdrawals) +
           ", failures " + std::to_string(b.failures) + ", refused " + std::to_string(b.refused) +
           "\n";
  }
  out += "\nrules (" + s.rules_source + "):\n";
  for (const std::string& r : s.rules) out += "  " + r + "\n";
  return out;
}

std::string DetectStatusPrometheus(const DetectStatus& s) {
  PrometheusText p;
  const DetectorStats& d = s.stats.detector;
  auto one = [&](std::string_view name, std::string_view type, std::string_view help,
                 uint64_t value) {
    p.Family(name, type, help);
    p.Sample(name, "", value);
  };
  one("weir_detect_records_total", "counter", "Records the detector has counted.", d.records);
  one("weir_detect_incidents_total", "counter", "Incidents started.", d.incidents);
  one("weir_detect_incidents_open", "gauge", "Incidents open now.", d.open);
  one("weir_detect_keys", "gauge", "Keys tracked, summed over the rules.", d.keys);
  one("weir_detect_keys_evicted_total", "counter", "Keys dropped to stay within max_keys.",
      d.evicted);
  one("weir_detect_keys_refused_total", "counter", "New keys not tracked: max_keys reached.",
      d.refused);
  one("weir_detect_queue_waits_total", "counter",
      "Batches the collector waited to hand to a detector that fell behind.", s.stats.waits);
  p.Family("weir_detect_alerts_delivered_total", "counter", "Alert events delivered.");
  for (const AlertCounters& a : s.alerts)
    p.Sample("weir_detect_alerts_delivered_total",
             PrometheusText::Label("destination", a.destination), a.delivered);
  p.Family("weir_detect_alert_failures_total", "counter", "Failed deliveries (each retried).");
  for (const AlertCounters& a : s.alerts)
    p.Sample("weir_detect_alert_failures_total",
             PrometheusText::Label("destination", a.destination), a.failures);
  p.Family("weir_detect_alerts_pending", "gauge", "Alert events waiting for delivery.");
  for (const AlertCounters& a : s.alerts)
    p.Sample("weir_detect_alerts_pending", PrometheusText::Label("destination", a.destination),
             a.pending);
  if (s.bgp) {
    const BgpCounters& b = s.bgp_counters;
    one("weir_detect_bgp_routes", "gauge", "Blackhole routes announced now.", b.announced);
    one("weir_detect_bgp_announcements_total", "counter", "Blackhole announcements.",
        b.announcements);
    one("weir_detect_bgp_withdrawals_total", "counter", "Blackhole withdrawals.", b.withdrawals);
    one("weir_detect_bgp_failures_total", "counter", "Speaker commands that failed (retried).",
        b.failures);
  }
  return p.text();
}

std::string DetectStatusJson(const DetectStatus& s) {
  std::string out = "{\"time\":";
  AppendJsonString(out, FormatTime(s.now_ms, TimeFormat::kIso));
  const DetectorStats& d = s.stats.detector;
  out += ",\"detector\":{\"records\":" + std::to_string(d.records) +
         ",\"incidents\":" + std::to_string(d.incidents) + ",\"open\":" + std::to_string(d.open) +
         ",\"keys\":" + std::to_string(d.keys) + ",\"evicted\":" + std::to_string(d.evicted) +
         ",\"refused\":" + std::to_string(d.refused) +
         ",\"whitelisted\":" + std::to_string(d.whitelisted) +
         ",\"queue_waits\":" + std::to_string(s.stats.waits) + ",\"flow_time\":";
  AppendJsonString(out, d.watermark_ms > 0 ? FormatTime(d.watermark_ms, TimeFormat::kIso) : "");
  out += "},\"open\":[";
  for (size_t i = 0; i < s.open.size(); ++i) {
    const OpenIncident& o = s.open[i];
    out += i ? ",{\"incident\":" : "{\"incident\":";
    AppendJsonString(out, o.incident);
    out += ",\"rule\":";
    AppendJsonString(out, o.rule);
    out += ",\"key\":";
    AppendJsonString(out, o.key);
    out += ",\"start\":";
    AppendJsonString(out, FormatTime(o.start_ms, TimeFormat::kIso));
    out += ",\"value\":" + Number(o.value) + ",\"limit\":" + Number(o.limit) +
           ",\"peak\":" + Number(o.peak) + "}";
  }
  out += "],\"alerts\":[";
  for (size_t i = 0; i < s.alerts.size(); ++i) {
    const AlertCounters& a = s.alerts[i];
    out += i ? ",{\"destination\":" : "{\"destination\":";
    AppendJsonString(out, a.destination);
    out += ",\"delivered\":" + std::to_string(a.delivered) +
           ",\"failures\":" + std::to_string(a.failures) +
           ",\"pending\":" + std::to_string(a.pending) + "}";
  }
  out += "]";
  if (s.bgp) {
    const BgpCounters& b = s.bgp_counters;
    out += ",\"bgp\":{\"routes\":" + std::to_string(b.announced) +
           ",\"announcements\":" + std::to_string(b.announcements) +
           ",\"withdrawals\":" + std::to_string(b.withdrawals) +
           ",\"failures\":" + std::to_string(b.failures) +
           ",\"refused\":" + std::to_string(b.refused) + "}";
  }
  out += ",\"rules_source\":";
  AppendJsonString(out, s.rules_source);
  out += ",\"rules\":[";
  for (size_t i = 0; i < s.rules.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, s.rules[i]);
  }
  out += "]}\n";
  return out;
}

std::string DetectionJson(const std::string& root, size_t limit) {
  std::string out = "{\"status\":";
  auto status = ReadFileToString(DetectStatusPath(root, true));
  std::string_view text = status.ok() ? std::string_view(*status) : std::string_view();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  out += text.empty() || text.front() != '{' ? "null" : std::string(text);
  // The newest events: the end of the file (at most 16 MiB of it), whole lines.
  std::deque<std::string> events;
  std::ifstream in(DetectAlertsPath(root), std::ios::binary);
  if (in) {
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    constexpr std::streamoff kTail = 16 << 20;
    in.seekg(size > kTail ? size - kTail : 0);
    std::string line;
    if (size > kTail) std::getline(in, line);  // a partial first line
    while (std::getline(in, line)) {
      if (in.eof() || line.empty() || line.front() != '{') continue;  // a line still being written
      events.push_back(std::move(line));
      if (events.size() > limit) events.pop_front();
    }
  }
  out += ",\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += events[i];
  }
  out += "]}";
  return out;
}

}  // namespace weir
