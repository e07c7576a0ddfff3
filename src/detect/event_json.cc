// The alert event as JSON (doc/detect.md, "Alert events").
#include <cctype>
#include <cstdio>
#include <cstring>

#include "base/time.h"
#include "detect/detector.h"
#include "record/text.h"

namespace weir {

std::string EventJson(const DetectEvent& e) {
  std::string out = "{";
  auto key = [&](std::string_view name) {
    if (out.size() > 1) out += ',';
    AppendJsonString(out, name);
    out += ':';
  };
  auto str = [&](std::string_view name, std::string_view value) {
    key(name);
    AppendJsonString(out, value);
  };
  auto num = [&](std::string_view name, double value) {
    key(name);
    AppendDecimal(out, value);
  };
  str("event", EventKindName(e.kind));
  str("incident", e.incident);
  str("rule", e.rule);
  str("scope", ScopeName(e.scope));
  str("key", e.key);
  if (e.has_address) str("prefix", e.address.ToString());
  str("direction", DirectionName(e.direction));
  str("vector", e.vector);
  str("time", FormatTime(e.time_ms, TimeFormat::kIso));
  str("start", FormatTime(e.start_ms, TimeFormat::kIso));
  if (e.kind == EventKind::kEnd)
    num("duration", static_cast<double>(e.time_ms - e.start_ms) / 1000);
  str("metric", MetricName(e.metric));
  num("value", e.value);
  num("limit", e.limit);
  num("peak", e.peak);
  key("rates");
  out += "{";
  size_t mark = out.size();
  auto rate = [&](std::string_view name, double v) {
    if (out.size() > mark) out += ',';
    AppendJsonString(out, name);
    out += ':';
    AppendDecimal(out, v);
  };
  rate("bps", e.bps);
  rate("pps", e.pps);
  rate("fps", e.fps);
  out += "}";
  if (!e.link.empty()) str("link", e.link);
  key("report");
  out += ReportJson(e.report);
  out += '}';
  return out;
}

std::string IncidentLink(const std::string& ui_url, const IpPrefix& key, bool outgoing,
                         int64_t from_ms, int64_t to_ms) {
  const bool host = key.length == (key.address.is_v4() ? 32 : 128);
  std::string expr = std::string(outgoing ? "src " : "dst ") + (host ? "ip " : "net ") +
                     (host ? key.address.ToString() : key.ToString());
  std::string state = "{\"view\":\"top\",\"last\":\"\",\"start\":";
  AppendJsonString(state, FormatTime(from_ms, TimeFormat::kIso));
  state += ",\"end\":";
  AppendJsonString(state, FormatTime(to_ms, TimeFormat::kIso));
  state += ",\"type\":\"all\",\"expr\":";
  AppendJsonString(state, expr);
  state += std::string(",\"key\":\"") + (outgoing ? "dip" : "sip") + "\",\"values\":\"bytes\"}";
  // encodeURIComponent: what the UI decodes
  std::string q;
  for (unsigned char c : state) {
    if (std::isalnum(c) || std::strchr("-_.!~*'()", c)) {
      q += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      q += hex;
    }
  }
  std::string base = ui_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/#/query?q=" + q;
}

std::string EventEcsJson(const DetectEvent& e) {
  std::string out = "{\"@timestamp\":";
  AppendJsonString(out, FormatTime(e.time_ms, TimeFormat::kIso));
  const std::string_view kind = EventKindName(e.kind);
  out +=
      ",\"event\":{\"kind\":\"alert\",\"category\":[\"network\",\"intrusion_detection\"],"
      "\"type\":[";
  out += e.kind == EventKind::kStart ? "\"start\""
         : e.kind == EventKind::kEnd ? "\"end\""
                                     : "\"info\"";
  out += "],\"action\":";
  AppendJsonString(out, "incident-" + std::string(kind));
  out += ",\"id\":";
  AppendJsonString(out, e.incident);
  out += ",\"start\":";
  AppendJsonString(out, FormatTime(e.start_ms, TimeFormat::kIso));
  if (e.kind == EventKind::kEnd) {
    out += ",\"end\":";
    AppendJsonString(out, FormatTime(e.time_ms, TimeFormat::kIso));
    out += ",\"duration\":" + std::to_string((e.time_ms - e.start_ms) * 1'000'000);
  }
  out += "},\"rule\":{\"name\":";
  AppendJsonString(out, e.rule);
  out += ",\"ruleset\":\"weir\"}";
  if (e.has_address && e.direction != RuleDirection::kAny) {
    out += e.direction == RuleDirection::kIncoming ? ",\"destination\":{\"ip\":"
                                                   : ",\"source\":{\"ip\":";
    AppendJsonString(out, e.address.address.ToString());
    out += "}";
  }
  if (e.direction != RuleDirection::kAny)
    out += e.direction == RuleDirection::kIncoming ? ",\"network\":{\"direction\":\"inbound\"}"
                                                   : ",\"network\":{\"direction\":\"outbound\"}";
  out += ",\"observer\":{\"vendor\":\"weir\",\"product\":\"weir\",\"type\":\"ids\"},\"message\":";
  AppendJsonString(out, std::string(kind) + " of incident " + e.incident + ": " + e.rule + " " +
                            e.key + (e.vector.empty() ? "" : " (" + e.vector + ")"));
  out += ",\"weir\":" + EventJson(e) + "}";
  return out;
}

}  // namespace weir
