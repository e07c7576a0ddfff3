// The output of weir eve correlate: each alert's line with weir's member added,
// and the per-signature summary.
#include <algorithm>
#include <map>
#include <set>

#include "base/time.h"
#include "ids/correlate.h"
#include "record/text.h"

namespace weir {

namespace {

void Str(std::string& out, std::string_view key, std::string_view value) {
  AppendJsonKey(out, key);
  AppendJsonString(out, value);
}

void Num(std::string& out, std::string_view key, uint64_t value) {
  AppendJsonKey(out, key);
  out += std::to_string(value);
}

void Time(std::string& out, std::string_view key, int64_t ms) {
  Str(out, key, FormatTime(ms, TimeFormat::kIso));
}

void Entries(std::string& out, std::string_view key, std::string_view name,
             const std::vector<TopEntry>& entries) {
  AppendJsonKey(out, key);
  out += '[';
  for (const TopEntry& e : entries) {
    out += out.back() == '[' ? "{" : ",{";
    Str(out, name, e.key);
    Num(out, "bytes", e.bytes);
    out += '}';
  }
  out += ']';
}

}  // namespace

std::string CorrelatedJson(const CorrelatedAlert& c, const FlowtypeNames* names) {
  std::string_view line = c.line;
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  std::string out;
  out.reserve(line.size() + 1024);
  if (!line.empty() && line.back() == '}') line.remove_suffix(1);
  out += line;
  out += line.size() > 1 ? ",\"weir\":{" : "\"weir\":{";
  Str(out, "match", CorrelationMatchName(c.match));
  AppendJsonKey(out, "flows");
  out += '[';
  for (const FlowRecord& r : c.flows) {
    out += out.back() == '[' ? "{" : ",{";
    Str(out, "sip", r.sip.ToString());
    Str(out, "dip", r.dip.ToString());
    Num(out, "sport", r.is_icmp() ? r.icmp_type() : r.sport);
    Num(out, "dport", r.is_icmp() ? r.icmp_code() : r.dport);
    Num(out, "protocol", r.protocol);
    Num(out, "packets", r.packets);
    Num(out, "bytes", r.bytes);
    Time(out, "stime", r.stime_ms);
    Time(out, "etime", r.etime_ms());
    std::string_view sensor = names ? names->SensorName(r.sensor) : "";
    Str(out, "sensor", sensor.empty() ? std::to_string(r.sensor) : std::string(sensor));
    if (r.flow_id) Num(out, "flow_id", r.flow_id);
    out += '}';
  }
  out += ']';
  const AlertTraffic& t = c.traffic;
  AppendJsonKey(out, "traffic");
  out += '{';
  Num(out, "bytes_toserver", t.bytes_toserver);
  Num(out, "bytes_toclient", t.bytes_toclient);
  Num(out, "packets_toserver", t.packets_toserver);
  Num(out, "packets_toclient", t.packets_toclient);
  Num(out, "records", t.records);
  if (t.records) {
    Time(out, "first_seen", t.first_seen_ms);
    Time(out, "last_seen", t.last_seen_ms);
  }
  out += '}';
  if (c.has_host) {
    const HostSummary& h = c.host;
    AppendJsonKey(out, "host");
    out += '{';
    Str(out, "address", h.host.ToString());
    Time(out, "start", h.start_ms);
    Time(out, "end", h.end_ms);
    Num(out, "bytes_in", h.bytes_in);
    Num(out, "bytes_out", h.bytes_out);
    Num(out, "packets_in", h.packets_in);
    Num(out, "packets_out", h.packets_out);
    Num(out, "records", h.records);
    Num(out, "peers", h.peers);
    if (h.peers_capped) {
      AppendJsonKey(out, "peers_capped");
      out += "true";
    }
    Entries(out, "top_peers", "address", h.top_peers);
    Entries(out, "top_ports", "port", h.top_ports);
    AppendJsonKey(out, "spread");
    out += '{';
    Str(out, "peer", h.peer.ToString());
    Num(out, "hosts", h.spread_hosts);
    Entries(out, "top_hosts", "address", h.spread);
    out += "}}";
  }
  out += "}}";
  return out;
}

std::string SignatureSummary(const std::vector<CorrelatedAlert>& alerts) {
  struct Row {
    std::string signature;
    uint64_t alerts = 0, matched = 0, bytes = 0;
    std::set<IpAddress> hosts;
    std::set<std::pair<std::string, int64_t>> connections;  // counted once
  };
  std::map<uint64_t, Row> rows;
  for (const CorrelatedAlert& c : alerts) {
    Row& row = rows[c.alert.signature_id];
    row.signature = c.alert.signature;
    ++row.alerts;
    if (c.has_host) row.hosts.insert(c.host.host);
    if (c.match == CorrelationMatch::kNone) continue;
    ++row.matched;
    const IpAddress& lo = std::min(c.alert.src, c.alert.dest);
    const IpAddress& hi = std::max(c.alert.src, c.alert.dest);
    std::string connection = lo.ToString() + " " + hi.ToString() + " " +
                             std::to_string(std::min(c.alert.sport, c.alert.dport)) + " " +
                             std::to_string(std::max(c.alert.sport, c.alert.dport)) + " " +
                             std::to_string(c.alert.protocol);
    if (row.connections.emplace(connection, c.traffic.first_seen_ms).second)
      row.bytes += c.traffic.bytes_toserver + c.traffic.bytes_toclient;
  }
  std::vector<std::pair<uint64_t, const Row*>> order;
  for (const auto& [sid, row] : rows) order.emplace_back(sid, &row);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.second->bytes > y.second->bytes; });
  std::string out =
      "     signature_id|    alerts|   matched|     hosts|             bytes|signature\n";
  char buf[128];
  for (const auto& [sid, row] : order) {
    std::snprintf(
        buf, sizeof buf, "%17llu|%10llu|%10llu|%10zu|%18llu|", static_cast<unsigned long long>(sid),
        static_cast<unsigned long long>(row->alerts), static_cast<unsigned long long>(row->matched),
        row->hosts.size(), static_cast<unsigned long long>(row->bytes));
    out += buf;
    out += row->signature;
    out += '\n';
  }
  return out;
}

}  // namespace weir
